"""The activity log: every action on an incident, and free entries, timestamped and
attributed; append-only. Exported in the ICS-214 layout (activity log: incident,
operational period, entries) as CSV and as a print view."""

from __future__ import annotations

import csv
import html
import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch.incidents.models import Incident, LogEntry
from dispatch.incidents.schemas import LogRead
from service.auth.permissions import Principal
from service.bulk import insert_returning_ids
from service.db import utcnow
from service.orgs.models import Org
from service.realtime import outbox
from service.schemas import dump

TOPIC = "incidents"


async def append(
    session: AsyncSession,
    actor: Principal | None,
    incident: Incident,
    org: Org,
    kind: str,
    text: str,
    data: dict[str, Any] | None = None,
) -> LogRead:
    """One log entry and its ``incident.log`` event, in the caller's transaction."""
    (entry,) = await insert(session, [row(actor, incident, kind, text, data)])
    await event(session, entry, incident, org)
    return entry


def row(
    actor: Principal | None,
    incident: Incident,
    kind: str,
    text: str,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A log entry as a row, for ``insert``."""
    return {
        "incident_id": incident.id or 0,
        "at": utcnow(),
        "kind": kind,
        "text": text,
        "data": data or {},
        "user_id": actor.user_id if actor else None,
        "author": actor.username if actor else "system",
    }


async def insert(session: AsyncSession, rows: list[dict[str, Any]]) -> list[LogRead]:
    """Log entries inserted as they are, in one statement (no ORM objects: entries are
    never changed); their events are the caller's (``event``)."""
    ids = await insert_returning_ids(await session.connection(), _TABLE, rows)
    return _READS.validate_python([{**r, "id": i} for r, i in zip(rows, ids, strict=True)])


async def event(session: AsyncSession, entry: LogRead, incident: Incident, org: Org) -> None:
    """The entry's ``incident.log`` event."""
    await outbox.append(
        session,
        topic=TOPIC,
        type="incident.log",
        data={**dump(entry), "exercise": incident.exercise},
        org_id=org.id,
        org_path=org.path,
    )


_TABLE = LogEntry.__table__  # type: ignore[attr-defined]
_READS = TypeAdapter(list[LogRead])


async def entries(
    session: AsyncSession,
    incident: Incident,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[LogEntry]:
    query = select(LogEntry).where(LogEntry.incident_id == incident.id)
    if start is not None:
        query = query.where(col(LogEntry.at) >= start)
    if end is not None:
        query = query.where(col(LogEntry.at) < end)
    return list((await session.exec(query.order_by(col(LogEntry.at), col(LogEntry.id)))).all())


def _local(at: datetime | None, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if at else ""


def _period(rows: list[LogEntry], start: datetime | None, end: datetime | None) -> tuple:
    first = start or (rows[0].at if rows else None)
    last = end or (rows[-1].at if rows else None)
    return first, last


def ics214_csv(
    incident: Incident,
    org: Org,
    rows: list[LogEntry],
    *,
    start: datetime | None,
    end: datetime | None,
    prepared_by: str,
) -> str:
    """ICS-214 in CSV: the header blocks (1-5), then block 7, one row per entry."""
    zone = ZoneInfo(org.timezone)
    first, last = _period(rows, start, end)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["ICS 214", "Activity Log / 事件处置工作日志"])
    writer.writerow(["1. Incident Name", f"{incident.title} (#{incident.id})"])
    writer.writerow(
        ["2. Operational Period", f"From {_local(first, zone)}", f"To {_local(last, zone)}"]
    )
    writer.writerow(["3. Name", prepared_by])
    writer.writerow(["4. ICS Position", "Duty officer / 值班员"])
    writer.writerow(["5. Home Agency (and Unit)", org.name])
    writer.writerow([])
    writer.writerow(["7. Activity Log", "Date/Time", "Notable Activities", "By", "Kind"])
    for row in rows:
        writer.writerow(["", _local(row.at, zone), row.text, row.author, row.kind])
    writer.writerow([])
    writer.writerow(["8. Prepared by", prepared_by])
    return out.getvalue()


PRINT_CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC",system-ui,sans-serif;margin:2rem}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #333;padding:.3rem .5rem;
text-align:left;vertical-align:top}th{background:#eee}h1{font-size:1.4rem}
@media print{body{margin:0}a{display:none}}
"""


def ics214_html(
    incident: Incident,
    org: Org,
    rows: list[LogEntry],
    *,
    start: datetime | None,
    end: datetime | None,
    prepared_by: str,
) -> str:
    zone = ZoneInfo(org.timezone)
    first, last = _period(rows, start, end)
    e = html.escape
    body = "".join(
        f"<tr><td>{e(_local(r.at, zone))}</td><td>{e(r.text)}</td><td>{e(r.author)}</td></tr>"
        for r in rows
    )
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>ICS 214 · {e(incident.title)}</title><style>{PRINT_CSS}</style></head><body>"
        "<h1>事件处置工作日志 ICS 214 Activity Log</h1><table>"
        f"<tr><th>1. 事件 Incident</th><td>{e(incident.title)} (#{incident.id})</td></tr>"
        f"<tr><th>2. 时段 Operational period</th><td>{e(_local(first, zone))} — "
        f"{e(_local(last, zone))}</td></tr>"
        f"<tr><th>3. 填报人 Name</th><td>{e(prepared_by)}</td></tr>"
        "<tr><th>4. 岗位 ICS position</th><td>值班员 Duty officer</td></tr>"
        f"<tr><th>5. 单位 Home agency</th><td>{e(org.name)}</td></tr></table>"
        "<h2>7. 工作记录 Activity log</h2><table><tr><th>时间 Date/Time</th>"
        f"<th>主要活动 Notable activities</th><th>记录人 By</th></tr>{body}</table>"
        "</body></html>"
    )
