"""Drills: schedule, change, find; who sees and who changes them; the plan version under
test and the participants checked; conflicts of participating teams; audit and events.

A drill is visible to whoever may read drills of its organiser org, and to the people
taking part. The organiser's area is its subtree; a department or a special command HQ
organises for its government, so its area is its parent's subtree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch.incidents import dispatches
from plans.drills import reminders
from plans.drills.models import ACTIVE_STATUSES, Drill, DrillStatus
from plans.drills.schemas import Conflict, DrillCreate, DrillRead, DrillUpdate
from plans.library import service as plans
from plans.library import versions
from plans.library.models import Plan, VersionStatus
from plans.resources import teams
from service.auth.permissions import PERMISSIONS, Principal
from service.changes import OrgRecorder
from service.db import fetch_page, json_int_array_has, utcnow
from service.errors import FieldError, Forbidden, Invalid, NotFound
from service.orgs import service as orgs
from service.orgs.models import Org
from service.people import service as people
from service.schemas import dump
from service.settings import Settings

TOPIC = "drills"
READ, WRITE = "drill.read", "drill.write"
EDITABLE = (DrillStatus.planned, DrillStatus.notified)
PARTICIPANTS = ("org_ids", "team_ids", "person_ids")

record = OrgRecorder(TOPIC)  # audit row and event of a change, on this domain's topic


def forbid() -> Forbidden:
    return Forbidden("role_required", roles=", ".join(sorted(PERMISSIONS[WRITE])))


def may(actor: Principal, org: Org) -> None:
    if not actor.scope(WRITE).covers(org.path):
        raise forbid()


def drill_dump(drill: Drill) -> dict[str, Any]:
    return dump(DrillRead.model_validate(drill))


async def get_visible(session: AsyncSession, actor: Principal, drill_id: int) -> tuple[Drill, Org]:
    drill = await session.get(Drill, drill_id)
    org = await orgs.get(session, drill.org_id) if drill else None
    if drill is None or org is None:
        raise NotFound("drill")
    if actor.scope(READ).covers(org.path):
        return drill, org
    if actor.person_id is not None and actor.person_id in drill.person_ids:
        return drill, org
    raise NotFound("drill")


async def search(
    session: AsyncSession,
    actor: Principal,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    status: DrillStatus | None = None,
    type_: str | None = None,
    org_id: int | None = None,
    person_id: int | None = None,
    team_id: int | None = None,
    limit: int,
    offset: int,
) -> tuple[list[Drill], int]:
    """Drills the caller sees, by start time; ``start``/``end`` keep those overlapping the
    range (a month view), ``org_id`` the drills organised in that org's subtree,
    ``person_id`` those the person takes part in (named, or through a team)."""
    visible = actor.scope(READ).clause(col(Org.path))
    if actor.person_id is not None:
        visible = visible | json_int_array_has(col(Drill.person_ids), actor.person_id)
    query = select(Drill).join(Org, col(Org.id) == col(Drill.org_id)).where(visible)
    if start is not None:
        query = query.where(col(Drill.end_at) > start)
    if end is not None:
        query = query.where(col(Drill.start_at) < end)
    if status is not None:
        query = query.where(col(Drill.status) == status)
    if type_ is not None:
        query = query.where(col(Drill.type) == type_)
    if org_id is not None:
        within = await orgs.get(session, org_id)
        query = query.where(col(Org.path).startswith(within.path if within else "-"))
    if person_id is not None:  # named, or in a participating team
        ways = [json_int_array_has(col(Drill.person_ids), person_id)]
        for team in await teams.of_person(session, person_id):
            ways.append(json_int_array_has(col(Drill.team_ids), team))
        query = query.where(sa.or_(*ways))
    if team_id is not None:
        query = query.where(json_int_array_has(col(Drill.team_ids), team_id))
    order = (col(Drill.start_at), col(Drill.id))
    return await fetch_page(session, query, order_by=order, limit=limit, offset=offset)


async def area_of(session: AsyncSession, organiser: Org) -> Org:
    """The org whose subtree the organiser's participants must lie in."""
    if organiser.kind in ("department", "command") and organiser.parent_id is not None:
        parent = await orgs.get(session, organiser.parent_id)
        if parent is not None:
            return parent
    return organiser


async def _check_participants(
    session: AsyncSession, actor: Principal, organiser: Org, drill: Drill
) -> None:
    area = await area_of(session, organiser)
    errors: list[FieldError] = []

    def outside(field: str, path: str) -> None:
        if not path.startswith(area.path):
            errors.append(FieldError(field, "drill_participant_outside", {"org": area.name}))

    for i, org_id in enumerate(drill.org_ids):
        org = await orgs.referenced(session, actor.scope("org.read"), org_id, f"org_ids.{i}")
        outside(f"org_ids.{i}", org.path)
    for i, team_id in enumerate(drill.team_ids):
        try:
            _team, team_org = await teams.get_visible(
                session, actor.scope("resource.read"), team_id
            )
        except NotFound:
            raise Invalid.field(f"team_ids.{i}", "team_unknown_drill") from None
        outside(f"team_ids.{i}", team_org.path)
    scope = actor.scope("person.read")
    for i, person_id in enumerate(drill.person_ids):
        person = await people.referenced(session, scope, person_id, f"person_ids.{i}")
        path = await orgs.path_of(session, person.org_id)
        outside(f"person_ids.{i}", path or "")
    if errors:
        raise Invalid(*errors)


async def _check_plan(session: AsyncSession, actor: Principal, drill: Drill) -> None:
    """The plan under test: visible, its version published, the level one of its levels."""
    if drill.plan_id is None:
        if drill.level is not None:
            raise Invalid.field("plan_id", "drill_plan_required")
        drill.plan_version = drill.plan_kind = None
        return
    try:
        plan, _org = await plans.get_visible(session, actor, drill.plan_id)
    except NotFound:
        raise Invalid.field("plan_id", "plan_unknown") from None
    number = drill.plan_version or plan.published_version
    if number is None:
        raise Invalid.field("plan_id", "plan_not_published")
    try:
        version = await versions.get(session, plan, number)
    except NotFound:
        raise Invalid.field("plan_version", "plan_version_unknown") from None
    if version.status != VersionStatus.published:
        raise Invalid.field(
            "plan_version", "drill_plan_not_published", number=number, status=version.status
        )
    levels = {lv.get("level") for lv in version.content.get("levels", [])}
    if drill.level is not None and drill.level not in levels:
        raise Invalid.field("level", "drill_level_unknown", level=drill.level)
    drill.plan_version = number
    drill.plan_kind = str(plan.kind)


def _multi_department(drill: Drill) -> bool:
    """多部门: at least two participating orgs other than the organiser."""
    return len(set(drill.org_ids) - {drill.org_id}) >= 2


async def create(
    session: AsyncSession, actor: Principal, data: DrillCreate, settings: Settings
) -> Drill:
    organiser = await orgs.referenced(session, actor.scope(READ), data.org_id, "org_id")
    may(actor, organiser)
    drill = Drill(
        **data.model_dump(exclude={"level"}),
        level=str(data.level) if data.level else None,
        created_by=actor.user_id,
    )
    await _check_plan(session, actor, drill)
    await _check_participants(session, actor, organiser, drill)
    drill.multi_department = _multi_department(drill)
    session.add(drill)
    await session.flush()
    await record(session, actor, organiser, "drill", "created", drill.id, None, drill_dump(drill))
    await reminders.schedule(session, drill, settings)
    return drill


async def update(
    session: AsyncSession,
    actor: Principal,
    drill: Drill,
    organiser: Org,
    data: DrillUpdate,
    settings: Settings,
) -> Drill:
    from plans.drills.lifecycle import ensure_status

    may(actor, organiser)
    ensure_status(drill, EDITABLE, "update")
    changes = data.model_dump(exclude_unset=True)
    for required in ("title", "type", "scope", "start_at", "end_at", *PARTICIPANTS):
        if required in changes and changes[required] is None:
            raise Invalid.field(required, "missing")
    before = drill_dump(drill)
    for key, value in changes.items():
        setattr(drill, key, str(value) if key == "level" and value is not None else value)
    if drill.end_at <= drill.start_at:
        raise Invalid.field("end_at", "end_before_start")
    if {"plan_id", "plan_version", "level"} & changes.keys():
        await _check_plan(session, actor, drill)
    if set(PARTICIPANTS) & changes.keys():
        await _check_participants(session, actor, organiser, drill)
    drill.multi_department = _multi_department(drill)
    drill.updated_at = utcnow()
    session.add(drill)
    await session.flush()
    await record(session, actor, organiser, "drill", "updated", drill.id, before, drill_dump(drill))
    if {"start_at", "end_at"} & changes.keys():
        await reminders.schedule(session, drill, settings)
    return drill


async def conflicts(session: AsyncSession, drill: Drill) -> list[Conflict]:
    """Participating teams also in an overlapping drill, or out on a real incident."""
    if not drill.team_ids or drill.status not in ACTIVE_STATUSES:
        return []
    names = {t.id: t.name for t in await teams.by_ids(session, drill.team_ids)}
    found: list[Conflict] = []
    overlapping = await session.exec(
        select(Drill)
        .where(
            col(Drill.id) != drill.id,
            col(Drill.status).in_(ACTIVE_STATUSES),
            col(Drill.start_at) < drill.end_at,
            col(Drill.end_at) > drill.start_at,
        )
        .order_by(col(Drill.start_at), col(Drill.id))
    )
    for other in overlapping.all():
        for team_id in sorted(set(other.team_ids) & set(drill.team_ids)):
            found.append(
                Conflict(
                    kind="drill",
                    team_id=team_id,
                    team_name=names.get(team_id, f"#{team_id}"),
                    drill_id=other.id,
                    drill_title=other.title,
                    since=other.start_at,
                )
            )
    for row, incident in await dispatches.teams_out(session, drill.team_ids):
        team_id = row.team_id or 0
        found.append(
            Conflict(
                kind="incident",
                team_id=team_id,
                team_name=names.get(team_id, row.name),
                incident_id=incident.id,
                incident_title=incident.title,
                since=row.requested_at,
            )
        )
    return found


async def organiser(session: AsyncSession, drill: Drill) -> Org:
    org = await orgs.get(session, drill.org_id)
    if org is None:
        raise NotFound("org")
    return org


async def plan_of(session: AsyncSession, drill: Drill) -> Plan | None:
    return await plans.get(session, drill.plan_id) if drill.plan_id else None
