"""Incidents: record, re-grade, move through their status; who sees what.

The grade comes from the numbers (``grading``), unless a duty officer set it by hand with
a written reason; every change of grade is kept, and a higher grade emits
``incident.graded`` and notifies whoever is on duty. Every change writes the activity log.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch.incidents import log, reports
from dispatch.incidents.grading import CITATION, LABEL_ZH, RANK, Grade, grade_of, reasons
from dispatch.incidents.models import (
    GradeChange,
    Incident,
    IncidentStatus,
    Report,
    ReportKind,
    ReportState,
)
from dispatch.incidents.schemas import (
    NUMBER_FIELDS,
    GradeSet,
    IncidentCreate,
    IncidentRead,
    IncidentUpdate,
)
from service.auth.permissions import PERMISSIONS, Principal
from service.changes import record_change
from service.db import utcnow
from service.errors import Conflict, Forbidden, Invalid, NotFound
from service.notify import service as notify
from service.orgs import service as orgs
from service.orgs.models import Org
from service.schemas import dump

TOPIC = log.TOPIC
WRITE = "incident.write"
EXERCISE_WRITE = "drill.write"  # an exercise incident is also run by the drill's coordinator
OPEN_STATUSES = (IncidentStatus.reported, IncidentStatus.responding, IncidentStatus.stabilized)
STATUS_ZH = {
    IncidentStatus.reported: "已接报",
    IncidentStatus.responding: "处置中",
    IncidentStatus.stabilized: "已稳定",
    IncidentStatus.closed: "已结案",
}
FIELD_ZH = {
    "deaths": "死亡",
    "missing": "下落不明",
    "serious_injuries": "重伤",
    "injuries": "轻伤",
    "trapped": "被困",
    "direct_loss_yuan": "直接经济损失（元）",
}


async def get_visible(session: AsyncSession, actor: Principal, incident_id: int) -> tuple:
    incident = await session.get(Incident, incident_id)
    org = await orgs.get(session, incident.org_id) if incident else None
    if incident is None or org is None or not actor.scope("incident.read").covers(org.path):
        raise NotFound("incident")
    return incident, org


def numbers_of(incident: Incident) -> dict[str, int]:
    return {f: int(getattr(incident, f)) for f in NUMBER_FIELDS}


async def record(
    session: AsyncSession,
    actor: Principal | None,
    incident: Incident,
    org: Org,
    action: str,
    before: dict[str, Any] | None = None,
) -> None:
    await record_change(
        session,
        actor,
        topic=TOPIC,
        object_type="incident",
        action=action,
        object_id=incident.id,
        org_id=org.id,
        org_path=org.path,
        before=before,
        after=dump(IncidentRead.model_validate(incident)),
    )


async def _regrade(
    session: AsyncSession, actor: Principal | None, incident: Incident, org: Org
) -> None:
    """Recompute the grade from the numbers; keep the history; tell on an upgrade (the
    first grade is written by ``create``)."""
    numbers = numbers_of(incident)
    incident.computed_grade = grade_of(
        deaths=incident.deaths,
        serious_injuries=incident.serious_injuries,
        direct_loss_yuan=incident.direct_loss_yuan,
    )
    previous = incident.grade
    effective = incident.grade if incident.grade_manual else incident.computed_grade
    if previous == effective:
        return
    await _set_grade(
        session,
        actor,
        incident,
        org,
        effective,
        previous,
        manual=incident.grade_manual,
        reason=reasons_of(numbers),
        numbers=numbers,
    )


def reasons_of(numbers: dict[str, int]) -> str:
    keys = ("deaths", "serious_injuries", "direct_loss_yuan")
    return ", ".join(reasons(**{k: numbers[k] for k in keys})) or "below every threshold"


async def _history(
    session: AsyncSession,
    actor: Principal | None,
    incident: Incident,
    grade: Grade,
    previous: Grade | None,
    *,
    manual: bool,
    reason: str,
    numbers: dict[str, int],
) -> None:
    """The grade history's row (inserted as it is: the history is never changed)."""
    connection = await session.connection()
    row = grade_row(actor, incident, grade, previous, manual, reason, numbers)
    await connection.execute(INSERT_GRADE, row)


def grade_row(
    actor: Principal | None,
    incident: Incident,
    grade: Grade,
    previous: Grade | None,
    manual: bool,
    reason: str,
    numbers: dict[str, int],
) -> dict[str, Any]:
    return {
        "incident_id": incident.id or 0,
        "grade": grade,
        "previous": previous,
        "manual": manual,
        "reason": reason if manual else f"{CITATION}: {reason}",
        "numbers": numbers,
        "by_user": actor.user_id if actor else None,
        "at": utcnow(),
    }


INSERT_GRADE = sa.insert(GradeChange.__table__)  # type: ignore[attr-defined]


async def _set_grade(
    session: AsyncSession,
    actor: Principal | None,
    incident: Incident,
    org: Org,
    grade: Grade,
    previous: Grade,
    *,
    manual: bool,
    reason: str,
    numbers: dict[str, int],
) -> None:
    incident.grade = grade
    session.add(incident)
    await _history(
        session, actor, incident, grade, previous, manual=manual, reason=reason, numbers=numbers
    )
    await session.flush()
    await reports.plan(session, incident, org)
    text = f"事故等级由{LABEL_ZH[previous]}调整为{LABEL_ZH[grade]}" + (
        "（人工认定）" if manual else ""
    )
    await log.append(
        session,
        actor,
        incident,
        org,
        "graded",
        text,
        {"grade": grade, "previous": previous, "manual": manual, "reason": reason},
    )
    await record(session, actor, incident, org, "graded")
    if RANK[grade] > RANK[previous]:
        await notify.notify_people(
            session,
            actor,
            await reports.on_duty(session, org),
            title="事故等级上调",
            text=f"{incident.title}：{text}",
            ref=f"incident:{incident.id}",
            org=org,
        )


async def jurisdiction(
    session: AsyncSession, actor: Principal, data: IncidentCreate, *, permission: str = WRITE
) -> Org:
    """The chosen org, or the nearest township (or county) to the location in the caller's
    scope: the suggestion a duty officer can correct later."""
    scope = actor.scope(permission)
    if data.org_id is not None:
        return await orgs.referenced(session, scope, data.org_id, "org_id")
    if data.lat is None or data.lon is None:
        raise Invalid.field("org_id", "org_or_location_required")
    from geopy.distance import geodesic  # imported here: only intake without an org needs it

    rows = await session.exec(
        select(Org).where(
            col(Org.kind).in_(["township", "county"]),
            col(Org.lat).is_not(None),
            col(Org.lon).is_not(None),
            scope.clause(col(Org.path)),
        )
    )
    candidates = list(rows.all())
    if not candidates:
        raise Invalid.field("org_id", "org_or_location_required")
    here = (data.lat, data.lon)
    townships = [o for o in candidates if o.kind == "township"] or candidates
    return min(townships, key=lambda o: (geodesic(here, (o.lat, o.lon)).km, o.id or 0))


def check_times(incident: Incident) -> None:
    now = utcnow()
    if incident.occurred_at > now:
        raise Invalid.field("occurred_at", "in_future")
    if incident.reported_at > now:
        raise Invalid.field("reported_at", "in_future")
    if incident.reported_at < incident.occurred_at:
        raise Invalid.field("reported_at", "reported_before_occurred")


async def update(
    session: AsyncSession, actor: Principal, incident: Incident, org: Org, data: IncidentUpdate
) -> Incident:
    changes = data.model_dump(exclude_unset=True)
    for name in [k for k, v in changes.items() if v is None and k != "address"]:
        if name not in ("description", "lat", "lon"):
            raise Invalid.field(name, "not_null")
    if incident.status == IncidentStatus.closed and changes.keys() - {"status"}:
        raise Conflict("incident_closed")
    before = dump(IncidentRead.model_validate(incident))
    status = changes.pop("status", None)
    for name, value in changes.items():
        setattr(incident, name, value)
    if (incident.lat is None) != (incident.lon is None):
        raise Invalid.field("lat", "lat_lon_pair")
    check_times(incident)
    if status is not None and status != incident.status:
        await _move(session, actor, incident, org, IncidentStatus(status))
    incident.updated_at = utcnow()
    session.add(incident)
    await session.flush()
    changed = [
        k for k in changes if before.get(k) != dump(IncidentRead.model_validate(incident))[k]
    ]
    if not changed and status is None:
        return incident
    numbers = [k for k in changed if k in NUMBER_FIELDS]
    if numbers:
        note = await reports.casualties_changed(session, incident, org, before)
        text = "；".join(f"{FIELD_ZH[k]} {before[k]} → {getattr(incident, k)}" for k in numbers)
        if note:
            text += "（已超过补报期限）"
        await log.append(session, actor, incident, org, "numbers", text, {"fields": numbers})
        await _regrade(session, actor, incident, org)
    others = [k for k in changed if k not in NUMBER_FIELDS]
    if others:
        await log.append(
            session,
            actor,
            incident,
            org,
            "updated",
            "更新：" + "、".join(others),
            {"fields": others},
        )
    await record(session, actor, incident, org, "updated", before)
    return incident


async def _move(
    session: AsyncSession, actor: Principal, incident: Incident, org: Org, to: IncidentStatus
) -> None:
    if to == IncidentStatus.closed:
        final = await session.scalar(
            select(Report.id).where(
                Report.incident_id == incident.id,
                Report.kind == ReportKind.final,
                col(Report.state) == ReportState.sent,
            )
        )
        if final is None:
            raise Conflict("final_report_missing")
        incident.closed_at = utcnow()
    elif incident.status == IncidentStatus.closed:
        incident.closed_at = None  # reopened
    previous = incident.status
    incident.status = to
    await log.append(
        session,
        actor,
        incident,
        org,
        "status",
        f"状态：{STATUS_ZH[previous]} → {STATUS_ZH[to]}",
        {"from": previous, "to": to},
    )


async def set_grade(
    session: AsyncSession, actor: Principal, incident: Incident, org: Org, data: GradeSet
) -> Incident:
    """A grade by hand (with its reason), or back to the regulation's grade."""
    previous = incident.grade
    numbers = numbers_of(incident)
    if data.grade is None:
        incident.grade_manual = False
        incident.grade_reason = None
        grade = incident.computed_grade
        reason = "back to the grade the regulation gives"
    else:
        incident.grade_manual = True
        incident.grade_reason = data.reason
        grade = data.grade
        reason = data.reason or ""
    if grade != previous:
        await _set_grade(
            session,
            actor,
            incident,
            org,
            grade,
            previous,
            manual=incident.grade_manual,
            reason=reason,
            numbers=numbers,
        )
    else:
        session.add(incident)
        await record(session, actor, incident, org, "graded")
    return incident


async def grades(session: AsyncSession, incident: Incident) -> list[GradeChange]:
    rows = await session.exec(
        select(GradeChange)
        .where(GradeChange.incident_id == incident.id)
        .order_by(col(GradeChange.id))
    )
    return list(rows.all())


async def note(
    session: AsyncSession, actor: Principal, incident: Incident, org: Org, text: str
) -> Any:
    return await log.append(session, actor, incident, org, "note", text)


def ensure_writer(actor: Principal, incident: Incident, org: Org) -> None:
    """Incidents are written by duty staff; an exercise incident also by drill coordinators."""
    if actor.can(WRITE, org.path) or (incident.exercise and actor.can(EXERCISE_WRITE, org.path)):
        return
    raise Forbidden("role_required", roles=", ".join(sorted(PERMISSIONS[WRITE])))
