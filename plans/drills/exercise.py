"""Exercise mode: while a drill is in progress its coordinator issues exercise warnings and
records exercise incidents through the real create functions (call-and-respond, escalation,
the report clock, dispatch), marked ``exercise`` (CAP status Exercise, titles 【演练】) and kept
out of statistics; the run log collects their timings."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch.incidents import creation, dispatches, reports
from dispatch.incidents import service as incidents
from dispatch.incidents.models import Incident, ReportState
from dispatch.incidents.schemas import IncidentCreate
from dispatch.warnings import service as warnings
from dispatch.warnings.models import RecipientState, Warning
from dispatch.warnings.schemas import WarningCreate
from plans.drills import service
from plans.drills.models import Drill, DrillExercise, DrillStatus
from plans.drills.schemas import AnswerTiming, IncidentRun, RunLog, WarningRun
from service.auth.permissions import SYSTEM, Principal
from service.errors import Conflict
from service.orgs.models import Org
from service.people import service as people
from service.settings import Settings

MARK = "【演练】"


def marked(title: str) -> str:
    return title if title.startswith(MARK) else f"{MARK}{title}"[:200]


def _running(actor: Principal, drill: Drill, organiser: Org) -> None:
    service.may(actor, organiser)
    if drill.status != DrillStatus.in_progress:
        raise Conflict("drill_not_in_progress", status=drill.status)


async def _link(
    session: AsyncSession,
    actor: Principal,
    drill: Drill,
    organiser: Org,
    *,
    warning_id: int | None = None,
    incident_id: int | None = None,
) -> None:
    kind = "warning" if warning_id else "incident"
    link = DrillExercise(
        drill_id=drill.id or 0, kind=kind, warning_id=warning_id, incident_id=incident_id
    )
    session.add(link)
    await session.flush()
    data = {
        "drill_id": drill.id,
        "kind": kind,
        "warning_id": warning_id,
        "incident_id": incident_id,
    }
    await service.record(session, actor, organiser, "drill", "exercise", drill.id, None, data)


async def issue_warning(
    session: AsyncSession,
    actor: Principal,
    drill: Drill,
    organiser: Org,
    data: WarningCreate,
    settings: Settings,
) -> Warning:
    _running(actor, drill, organiser)
    data = data.model_copy(update={"title": marked(data.title)})
    warning = await warnings.create(session, actor, data, settings, exercise=True)
    await _link(session, actor, drill, organiser, warning_id=warning.id)
    return warning


async def record_incident(
    session: AsyncSession, actor: Principal, drill: Drill, organiser: Org, data: IncidentCreate
) -> Incident:
    _running(actor, drill, organiser)
    data = data.model_copy(update={"title": marked(data.title)})
    incident = await creation.create(session, actor, data, exercise=True)
    await _link(session, actor, drill, organiser, incident_id=incident.id)
    return incident


async def links(session: AsyncSession, drill: Drill) -> list[DrillExercise]:
    rows = await session.exec(
        select(DrillExercise)
        .where(DrillExercise.drill_id == drill.id)
        .order_by(col(DrillExercise.id))
    )
    return list(rows.all())


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds(), 1)


async def _warning_run(session: AsyncSession, warning: Warning) -> WarningRun:
    rows = await warnings.recipients_of(session, warning)
    names = await people.names(session, [r.person_id for r in rows])
    respond = timedelta(seconds=warning.respond_within_s)
    timings = []
    for r in rows:
        answered = r.state in (RecipientState.acknowledged, RecipientState.late)
        first_call = r.due_at - respond if r.due_at else r.called_at
        timings.append(
            AnswerTiming(
                person_id=r.person_id,
                name=names.get(r.person_id),
                state=r.state,
                called_at=first_call,
                acked_at=r.acked_at,
                answer_s=_seconds(first_call, r.acked_at) if answered else None,
                escalated=r.escalated_at is not None,
            )
        )
    answers = [t.answer_s for t in timings if t.answer_s is not None]
    return WarningRun(
        warning_id=warning.id or 0,
        title=warning.title,
        level=warning.level,
        status=warning.status,
        issued_at=warning.issued_at,
        recipients=len(rows),
        answered=len(answers),
        escalated=sum(t.escalated for t in timings),
        slowest_answer_s=max(answers, default=None),
        recipients_timing=timings,
    )


async def _incident_run(session: AsyncSession, incident: Incident) -> IncidentRun:
    rows = await dispatches.of(session, incident)
    first = min((d.requested_at for d in rows), default=None)
    sent = [r for r in await reports.of(session, incident) if r.state == ReportState.sent]
    return IncidentRun(
        incident_id=incident.id or 0,
        title=incident.title,
        grade=incident.grade,
        status=incident.status,
        reported_at=incident.reported_at,
        first_dispatch_at=first,
        first_dispatch_s=_seconds(incident.reported_at, first),
        dispatches=len(rows),
        reports_sent=len(sent),
    )


async def run_log(session: AsyncSession, drill: Drill) -> RunLog:
    """Whoever sees the drill sees its run log (the links were made by its coordinator).

    Per exercise warning: each recipient's time to answer (from the first call); per
    exercise incident: the time from its report to the first dispatch."""
    found_w: list[WarningRun] = []
    found_i: list[IncidentRun] = []
    for link in await links(session, drill):
        if link.warning_id is not None:
            warning, _org = await warnings.get_visible(session, SYSTEM, link.warning_id)
            found_w.append(await _warning_run(session, warning))
        elif link.incident_id is not None:
            incident, _org = await incidents.get_visible(session, SYSTEM, link.incident_id)
            found_i.append(await _incident_run(session, incident))
    return RunLog(
        drill_id=drill.id or 0,
        started_at=drill.started_at,
        completed_at=drill.completed_at,
        warnings=found_w,
        incidents=found_i,
    )
