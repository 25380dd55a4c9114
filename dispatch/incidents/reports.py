"""The legal report clock (生产安全事故报告和调查处理条例 第九条 to 第十三条).

- The initial report (首报) reaches the county within 1 hour of ``reported_at`` (第九条),
  and each level further up within 2 hours of the one before (第十条), as far as the
  grade requires: general → city, large → province, major and especially major → the
  State Council's departments.
- Follow-up reports (续报) at least every 24 hours (12 for major and above) until the final
  report (终报).
- After the final report, a change in casualties within 30 days of the accident (7 for
  road traffic and fire) must still be reported (补报, 第十三条).

Every required report is a row with its due time and a clock timer; a report not sent by
then is overdue: ``incident.report_overdue`` and a notification to whoever is on duty.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch.incidents import log
from dispatch.incidents.grading import LABEL_ZH, RANK, Grade
from dispatch.incidents.models import (
    Incident,
    IncidentType,
    Report,
    ReportKind,
    ReportLevel,
    ReportState,
)
from dispatch.incidents.schemas import IncidentRead, ReportRead, ReportSend
from rosters import shifts
from service.auth.permissions import SYSTEM, Principal
from service.bulk import insert_returning_ids
from service.clock import service as clock
from service.clock.models import Timer
from service.clock.runner import handler
from service.db import utcnow
from service.errors import Conflict, Invalid
from service.notify import service as notify
from service.orgs import service as orgs
from service.orgs.models import Org
from service.realtime import outbox
from service.schemas import dump

TIMER = "incident.report"
FIRST_DUE = timedelta(hours=1)
NEXT_LEVEL_DUE = timedelta(hours=2)
SUPPLEMENT_DUE = timedelta(hours=1)
CHAIN = (ReportLevel.county, ReportLevel.city, ReportLevel.province, ReportLevel.state)
TOP_LEVEL = {
    Grade.general: ReportLevel.city,
    Grade.large: ReportLevel.province,
    Grade.major: ReportLevel.state,
    Grade.especially_major: ReportLevel.state,
}
LEVEL_ZH = {
    ReportLevel.county: "县级",
    ReportLevel.city: "市级",
    ReportLevel.province: "省级",
    ReportLevel.state: "国务院有关部门",
}
KIND_ZH = {
    ReportKind.initial: "首报",
    ReportKind.follow_up: "续报",
    ReportKind.final: "终报",
    ReportKind.supplement: "补报",
}
OPEN = (ReportState.due, ReportState.overdue)
CASUALTIES = ("deaths", "missing", "serious_injuries", "injuries")


def required_levels(grade: Grade) -> tuple[ReportLevel, ...]:
    return CHAIN[: CHAIN.index(TOP_LEVEL[grade]) + 1]


def follow_up_every(grade: Grade) -> timedelta:
    return timedelta(hours=12 if RANK[grade] >= RANK[Grade.major] else 24)


def supplement_window(incident: Incident) -> timedelta:
    short = incident.type in (IncidentType.road_traffic, IncidentType.fire)
    return timedelta(days=7 if short else 30)


def ref(report: Report) -> str:
    return f"report:{report.id}"


async def of(session: AsyncSession, incident: Incident) -> list[Report]:
    rows = await session.exec(
        select(Report).where(Report.incident_id == incident.id).order_by(col(Report.id))
    )
    return list(rows.all())


async def next_due(session: AsyncSession, incident_ids: list[int]) -> dict[int, Report]:
    """The open report due soonest of each incident (one query for a whole list)."""
    if not incident_ids:
        return {}
    rows = await session.exec(
        select(Report)
        .where(col(Report.incident_id).in_(incident_ids), col(Report.state).in_(OPEN))
        .where(col(Report.due_at).is_not(None))
        .order_by(col(Report.due_at), col(Report.id))
    )
    found: dict[int, Report] = {}
    for report in rows.all():
        found.setdefault(report.incident_id, report)
    return found


async def _event(
    session: AsyncSession,
    type_: str,
    report: Report | ReportRead,
    incident: Incident,
    org: Org,
) -> None:
    data = {
        "incident_id": incident.id,
        "title": incident.title,
        "grade": incident.grade,
        "exercise": incident.exercise,
        "report": dump(ReportRead.model_validate(report)),
    }
    await outbox.append(
        session, topic=log.TOPIC, type=type_, data=data, org_id=org.id, org_path=org.path
    )


class Plan:
    """The reports one change requires: inserted together in one statement (no ORM objects:
    nothing else in the transaction changes them), one batch of timers, their events."""

    def __init__(self, incident: Incident) -> None:
        self.incident = incident
        self.new: list[dict[str, Any]] = []

    def require(self, kind: ReportKind, due_at: datetime, level: ReportLevel | None = None) -> None:
        self.new.append(
            {**_EMPTY, "incident_id": self.incident.id or 0, "kind": kind, "level": level}
            | {"due_at": due_at, "created_at": utcnow()}
        )

    async def write(self, session: AsyncSession, org: Org) -> None:
        for report in (await insert(session, [self]))[0]:
            await due_event(session, report, self.incident, org)


async def insert(session: AsyncSession, plans: list[Plan]) -> list[list[ReportRead]]:
    """The new reports of ``plans`` in one insert, with their timers: each plan's reports
    back with their ids (their events are the caller's: ``due_event``)."""
    rows = [row for p in plans for row in p.new]
    if not rows:
        return [[] for _ in plans]
    ids = await insert_returning_ids(await session.connection(), _TABLE, rows)
    made = _READS.validate_python([{**r, "id": i} for r, i in zip(rows, ids, strict=True)])
    await clock.schedule_new(
        session, TIMER, [(f"report:{r.id}", r.due_at) for r in made if r.due_at is not None]
    )
    split, start = [], 0
    for p in plans:
        split.append(made[start : start + len(p.new)])
        start += len(p.new)
    return split


async def due_event(
    session: AsyncSession, report: ReportRead, incident: Incident, org: Org
) -> None:
    await _event(session, "incident.report_due", report, incident, org)


def first(incident: Incident) -> Plan:
    """The reports a new incident requires: the initial report to each level its grade
    reaches, each due two hours after the one below (the first one hour after the news)."""
    adding = Plan(incident)
    due = incident.reported_at + FIRST_DUE
    for level in required_levels(incident.grade):
        adding.require(ReportKind.initial, due, level)
        due += NEXT_LEVEL_DUE
    return adding


_TABLE = Report.__table__  # type: ignore[attr-defined]
_READS = TypeAdapter(list[ReportRead])
# a required report as inserted: due, nothing sent yet
_EMPTY: dict[str, Any] = {
    "state": ReportState.due,
    "sent_at": None,
    "sent_by": None,
    "sent_to": None,
    "via": None,
    "unit": None,
    "time_place": None,
    "course": None,
    "casualties_loss": None,
    "measures": None,
    "other": None,
    "numbers": {},
}


async def _move(session: AsyncSession, report: Report, due_at: datetime) -> None:
    if report.due_at != due_at:
        report.due_at = due_at
        report.state = ReportState.overdue if due_at <= utcnow() else ReportState.due
        session.add(report)
        await clock.schedule(session, TIMER, ref(report), due_at)


async def _drop(session: AsyncSession, report: Report) -> None:
    report.state = ReportState.cancelled
    session.add(report)
    await clock.cancel(session, TIMER, ref(report))


async def plan(session: AsyncSession, incident: Incident, org: Org, *, new: bool = False) -> None:
    """Bring the required reports in line with the grade and what has been sent (``new``:
    the incident was made in this transaction, so it has no reports yet)."""
    if incident.id is None:
        return
    if new:
        await first(incident).write(session, org)
        return
    rows = await of(session, incident)
    adding = Plan(incident)
    initial = {r.level: r for r in rows if r.kind == ReportKind.initial and r.state != "cancelled"}
    needed = required_levels(incident.grade)
    previous: datetime | None = None
    for level in CHAIN:
        report = initial.get(level)
        if level not in needed:
            if report is not None and report.state in OPEN:
                await _drop(session, report)
            continue
        due = incident.reported_at + FIRST_DUE if previous is None else previous + NEXT_LEVEL_DUE
        if report is None:
            adding.require(ReportKind.initial, due, level)
            previous = due
            continue
        if report.state in OPEN:
            await _move(session, report, due)
        previous = report.sent_at or report.due_at
    sent = [r for r in rows if r.state == ReportState.sent]
    final_sent = any(r.kind == ReportKind.final for r in sent)
    follow_ups = [r for r in rows if r.kind == ReportKind.follow_up and r.state in OPEN]
    if final_sent:
        for report in follow_ups:
            await _drop(session, report)
    elif sent:
        last = max(r.sent_at for r in sent if r.sent_at is not None)
        due = last + follow_up_every(incident.grade)
        if follow_ups:
            for extra in follow_ups[1:]:
                await _drop(session, extra)
            await _move(session, follow_ups[0], due)
        else:
            adding.require(ReportKind.follow_up, due)
    await adding.write(session, org)


async def casualties_changed(
    session: AsyncSession, incident: Incident, org: Org, before: dict[str, Any]
) -> str | None:
    """After the final report, a casualty change within the window needs a 补报. Returns a
    note for the log when the change needs no report (or comes too late for one)."""
    if all(before[f] == getattr(incident, f) for f in CASUALTIES):
        return None
    rows = await of(session, incident)
    if not any(r.kind == ReportKind.final and r.state == ReportState.sent for r in rows):
        return None  # the follow-up reports carry it
    now = utcnow()
    if now - incident.occurred_at > supplement_window(incident):
        return "casualty_change_after_window"
    if not any(r.kind == ReportKind.supplement and r.state in OPEN for r in rows):
        adding = Plan(incident)
        adding.require(ReportKind.supplement, now + SUPPLEMENT_DUE)
        await adding.write(session, org)
    return None


def _check(data: ReportSend, incident: Incident, rows: list[Report]) -> None:
    sent = [r for r in rows if r.state == ReportState.sent]
    if data.kind == ReportKind.initial:
        if data.level is None:
            raise Invalid.field("level", "report_level_missing")
        if data.level not in required_levels(incident.grade):
            raise Invalid.field(
                "level", "report_level_not_required", level=data.level, grade=incident.grade
            )
        if any(r.kind == ReportKind.initial and r.level == data.level for r in sent):
            raise Conflict("report_already_sent", level=data.level)
        return
    if data.level is not None:
        raise Invalid.field("level", "report_level_only_initial")
    if not any(r.kind == ReportKind.initial for r in sent):
        raise Conflict("initial_report_first")
    final = any(r.kind == ReportKind.final for r in sent)
    if data.kind in (ReportKind.follow_up, ReportKind.final) and final:
        raise Conflict("final_report_sent")
    if data.kind == ReportKind.supplement and not final:
        raise Conflict("supplement_after_final")


def draft(incident: Incident, org: Org) -> dict[str, str]:
    """第十二条's parts drafted from the incident, for whatever the sender leaves out."""
    zone = orgs_zone(org)
    when = incident.occurred_at.astimezone(zone).strftime("%Y年%m月%d日%H时%M分")
    where = incident.address or (
        f"{incident.lat:.5f}, {incident.lon:.5f}" if incident.lat is not None else org.name
    )
    loss = incident.direct_loss_yuan / 10_000
    return {
        "unit": org.name,
        "time_place": f"{when}，{where}",
        "course": incident.description or incident.title,
        "casualties_loss": (
            f"死亡 {incident.deaths} 人，下落不明 {incident.missing} 人，重伤（含急性工业中毒）"
            f"{incident.serious_injuries} 人，轻伤 {incident.injuries} 人，"
            f"被困 {incident.trapped} 人；"
            f"初步估计直接经济损失 {loss:g} 万元。"
        ),
        "measures": "",
        "other": "",
    }


def orgs_zone(org: Org) -> ZoneInfo:
    return ZoneInfo(org.timezone)


async def send(
    session: AsyncSession, actor: Principal, incident: Incident, org: Org, data: ReportSend
) -> Report:
    rows = await of(session, incident)
    _check(data, incident, rows)
    sent_at = data.sent_at or utcnow()
    if sent_at > utcnow() + timedelta(minutes=5):
        raise Invalid.field("sent_at", "in_future")
    open_rows = [r for r in rows if r.kind == data.kind and r.state in OPEN]
    report = next((r for r in open_rows if r.level == data.level), None)
    if report is None:
        report = Report(incident_id=incident.id or 0, kind=data.kind, level=data.level)
    drafted = draft(incident, org)
    for part, text in drafted.items():
        setattr(report, part, getattr(data, part) or text)
    report.state = ReportState.sent
    report.sent_at = sent_at
    report.sent_by = actor.user_id
    report.sent_to = data.sent_to
    report.via = data.via
    report.numbers = {f: getattr(incident, f) for f in (*CASUALTIES, "direct_loss_yuan")}
    session.add(report)
    await session.flush()
    await clock.cancel(session, TIMER, ref(report))
    await plan(session, incident, org)
    await _event(session, "incident.report_sent", report, incident, org)
    label = KIND_ZH[report.kind] + (f"（{LEVEL_ZH[report.level]}）" if report.level else "")
    await log.append(
        session,
        actor,
        incident,
        org,
        "report",
        f"已报送{label}至{report.sent_to}",
        {"report_id": report.id, "kind": report.kind, "level": report.level},
    )
    return report


def as_text(report: Report, incident: Incident, org: Org) -> str:
    """The report as plain text, for pasting into the upper level's system."""
    zone = orgs_zone(org)
    sent = (
        report.sent_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if report.sent_at else "未报送"
    )
    title = KIND_ZH[report.kind] + (f"（{LEVEL_ZH[report.level]}）" if report.level else "")
    parts = draft(incident, org) | {k: v for k in draft(incident, org) if (v := getattr(report, k))}
    return "\n".join(
        [
            f"生产安全事故信息{title}",
            f"事故名称：{incident.title}（{LABEL_ZH[incident.grade]}）",
            f"报送单位：{org.name}    报送时间：{sent}    报送至：{report.sent_to or ''}",
            f"一、事故发生单位概况：{parts['unit']}",
            f"二、事故发生的时间、地点以及事故现场情况：{parts['time_place']}",
            f"三、事故的简要经过：{parts['course']}",
            f"四、伤亡人数和初步估计的直接经济损失：{parts['casualties_loss']}",
            f"五、已经采取的措施：{parts['measures'] or '—'}",
            f"六、其他应当报告的情况：{parts['other'] or '—'}",
        ]
    )


async def on_duty(session: AsyncSession, org: Org) -> list[int]:
    """The leader and officers on duty at the org, or at the nearest org above that keeps a
    roster: who is told that a report is overdue or the grade went up."""
    current: Org | None = org
    now = utcnow()
    while current is not None:
        duty = await shifts.now(session, current, now)
        people = [p.id for p in [duty.leader, *duty.officers] if p is not None]
        if people:
            return sorted(set(people))
        current = await orgs.get(session, current.parent_id) if current.parent_id else None
    return []


@handler(TIMER)
async def report_overdue(session: AsyncSession, timer: Timer) -> None:
    report = await session.get(Report, int(timer.ref.split(":", 1)[1]))
    if report is None or report.state != ReportState.due:
        return
    incident = await session.get(Incident, report.incident_id)
    org = await orgs.get(session, incident.org_id) if incident else None
    if incident is None or org is None:
        return
    report.state = ReportState.overdue
    session.add(report)
    await session.flush()
    await _event(session, "incident.report_overdue", report, incident, org)
    label = KIND_ZH[report.kind] + (f"（{LEVEL_ZH[report.level]}）" if report.level else "")
    text = f"{incident.title}：{label}已超时未报送"
    await log.append(
        session, SYSTEM, incident, org, "report_overdue", text, {"report_id": report.id}
    )
    await notify.notify_people(
        session,
        SYSTEM,
        await on_duty(session, org),
        title="事故信息报送超时",
        text=text,
        ref=f"incident:{incident.id}",
        org=org,
    )


def summary(incident: Incident) -> dict[str, Any]:
    return dump(IncidentRead.model_validate(incident))
