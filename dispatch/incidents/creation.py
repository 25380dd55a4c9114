"""Recording new incidents: every check first (``prepare``: a refusal writes nothing),
then the rows (``write_many``): the incident, its first grade, the reports due with their
timers, the log entry, the audit row and the events. ``create`` does both for one incident;
the batch of new incidents (``batch``) prepares each and writes the accepted ones together.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch.incidents import log, reports, service
from dispatch.incidents.grading import grade_of
from dispatch.incidents.models import Incident, Source
from dispatch.incidents.schemas import IncidentCreate
from service.auth.permissions import Principal
from service.bulk import insert_returning_ids
from service.db import utcnow
from service.orgs.models import Org


async def _insert(session: AsyncSession, incidents: list[Incident]) -> None:
    """Insert new incidents in one statement (not through the unit of work: a create makes
    few rows, each written once) and keep them in the session as loaded rows, so later
    changes in the transaction are flushed as usual."""
    table = Incident.__table__  # type: ignore[attr-defined]
    keys = [c.key for c in table.columns if c.key != "id"]
    rows = [{k: getattr(incident, k) for k in keys} for incident in incidents]
    ids = await insert_returning_ids(await session.connection(), table, rows)
    for incident, row, id_ in zip(incidents, rows, ids, strict=True):
        incident.id = id_
        for key in row.keys() - incident.__dict__.keys():  # left at None: loaded, not expired
            set_committed_value(incident, key, row[key])
        make_transient_to_detached(incident)
        session.add(incident)


async def create(
    session: AsyncSession,
    actor: Principal,
    data: IncidentCreate,
    *,
    source: Source = Source.duty,
    intake_key: str | None = None,
    intake_hash: str | None = None,
    exercise: bool = False,
) -> Incident:
    """``exercise``: recorded in a drill, by a drill coordinator of the org too; it runs the
    real flows (report clock, dispatch), marked as an exercise and kept out of statistics."""
    incident, org = await prepare(
        session,
        actor,
        data,
        source=source,
        intake_key=intake_key,
        intake_hash=intake_hash,
        exercise=exercise,
    )
    await write(session, actor, incident, org)
    return incident


async def prepare(
    session: AsyncSession,
    actor: Principal,
    data: IncidentCreate,
    *,
    source: Source = Source.duty,
    intake_key: str | None = None,
    intake_hash: str | None = None,
    exercise: bool = False,
) -> tuple[Incident, Org]:
    """Every check of ``create``, and the incident graded, not yet written: a problem here
    leaves the transaction as it was (the batch of new incidents relies on it)."""
    permission = service.EXERCISE_WRITE if exercise else service.WRITE
    org = await service.jurisdiction(session, actor, data, permission=permission)
    fields = data.model_dump(exclude={"org_id", "reported_at"})
    incident = Incident(
        **fields,
        org_id=org.id or 0,
        source=source,
        reported_at=data.reported_at or utcnow(),
        intake_key=intake_key,
        intake_hash=intake_hash,
        exercise=exercise,
        created_by=actor.user_id,
    )
    service.check_times(incident)
    incident.computed_grade = incident.grade = grade_of(
        deaths=incident.deaths,
        serious_injuries=incident.serious_injuries,
        direct_loss_yuan=incident.direct_loss_yuan,
    )
    return incident, org


async def write(session: AsyncSession, actor: Principal, incident: Incident, org: Org) -> None:
    """A prepared incident written: the row, its first grade, the reports due with their
    timers, the log entry, the audit row and the events."""
    await write_many(session, [(actor, incident, org)])


async def write_many(
    session: AsyncSession, prepared: list[tuple[Principal, Incident, Org]]
) -> None:
    """``write`` for many prepared incidents: each kind of row in one insert for them all;
    each incident's events in the order ``write`` gives them (reports due, log, created)."""
    if not prepared:
        return
    await _insert(session, [incident for _, incident, _ in prepared])
    grades = []
    for actor, incident, _ in prepared:
        numbers = service.numbers_of(incident)
        reason = service.reasons_of(numbers)
        row = service.grade_row(actor, incident, incident.grade, None, False, reason, numbers)
        grades.append(row)
    connection = await session.connection()
    await connection.execute(service.INSERT_GRADE, grades)
    due = await reports.insert(session, [reports.first(incident) for _, incident, _ in prepared])
    entries = await log.insert(
        session, [_created(actor, incident) for actor, incident, _ in prepared]
    )
    for (actor, incident, org), made, entry in zip(prepared, due, entries, strict=True):
        for report in made:
            await reports.due_event(session, report, incident, org)
        await log.event(session, entry, incident, org)
        await service.record(session, actor, incident, org, "created")


def _created(actor: Principal, incident: Incident) -> dict[str, Any]:
    """The log entry of a new incident."""
    origin = "值班室录入" if incident.source == Source.duty else f"{incident.source} 推送"
    if incident.exercise:
        origin += "，演练"
    text = f"接报：{incident.title}（{origin}）"
    return log.row(
        actor, incident, "created", text, {"source": incident.source, "grade": incident.grade}
    )
