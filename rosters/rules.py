"""How the roster is made: rotations, leave, overrides and key periods. Every change
regenerates the org's future shifts in the same transaction (and is refused whole if the
result clashes)."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from rosters import materialise, reports
from rosters.models import LEADER, DutyLeave, DutyOverride, DutyRotation, KeyPeriod, ShiftSource
from rosters.schemas import (
    KeyPeriodCreate,
    KeyPeriodRead,
    LeaveCreate,
    LeaveRead,
    OverrideCreate,
    OverrideRead,
    RotationCreate,
    RotationRead,
    RotationUpdate,
)
from rosters.setup import get_post, may_write, member, org_for, record
from service.auth.permissions import Principal, Scope
from service.db import fetch_page, utcnow
from service.errors import Conflict, Invalid, NotFound
from service.orgs import service as orgs
from service.orgs.models import Org
from service.people import service as people
from service.schemas import dump

M = TypeVar("M", bound=SQLModel)


async def visible(
    session: AsyncSession, scope: Scope, model: type[M], object_id: int, kind: str
) -> tuple[M, Org]:
    row = await session.get(model, object_id)
    org = await orgs.get(session, row.org_id) if row is not None else None  # type: ignore[attr-defined]
    if row is None or org is None or not scope.covers(org.path):
        raise NotFound(kind)
    return row, org


async def listing(
    session: AsyncSession,
    scope: Scope,
    model: type[M],
    *,
    where: list[Any],
    limit: int,
    offset: int,
) -> tuple[list[M], int]:
    table: Any = model
    base = (
        select(model)
        .join(Org, col(Org.id) == table.org_id)
        .where(scope.clause(col(Org.path)), *where)
    )
    return await fetch_page(session, base, order_by=col(table.id), limit=limit, offset=offset)


# ---- rotations -------------------------------------------------------------------------


async def _check_people(session: AsyncSession, org: Org, people_ids: list[int]) -> None:
    for i, person_id in enumerate(people_ids):
        await member(session, org, person_id, f"people.{i}")


async def create_rotation(
    session: AsyncSession, actor: Principal, data: RotationCreate
) -> DutyRotation:
    org = await org_for(session, actor, data.org_id)
    await get_post(session, org, data.post_id)
    await _check_people(session, org, data.people)
    rotation = DutyRotation(**data.model_dump())
    session.add(rotation)
    await session.flush()
    await record(
        session,
        actor,
        org,
        "duty_rotation",
        "created",
        rotation.id,
        None,
        dump(RotationRead.model_validate(rotation)),
    )
    await materialise.regenerate(session, actor, org, reason="rotation")
    return rotation


async def update_rotation(
    session: AsyncSession, actor: Principal, rotation: DutyRotation, org: Org, data: RotationUpdate
) -> DutyRotation:
    may_write(actor, org)
    before = dump(RotationRead.model_validate(rotation))
    changes = data.model_dump(exclude_unset=True)
    for required in ("name", "people", "start_date", "period_days", "days", "weekdays", "slots"):
        if required in changes and changes[required] is None:
            raise Invalid.field(required, "missing")
    if "people" in changes:
        await _check_people(session, org, changes["people"])
    start = changes.get("start_date", rotation.start_date)
    end = changes.get("end_date", rotation.end_date)
    if end is not None and end < start:
        raise Invalid.field("end_date", "end_before_start")
    for key, value in changes.items():
        setattr(rotation, key, value)
    rotation.updated_at = utcnow()
    session.add(rotation)
    await session.flush()
    await record(
        session,
        actor,
        org,
        "duty_rotation",
        "updated",
        rotation.id,
        before,
        dump(RotationRead.model_validate(rotation)),
    )
    await materialise.regenerate(session, actor, org, reason="rotation")
    return rotation


async def delete_rotation(
    session: AsyncSession, actor: Principal, rotation: DutyRotation, org: Org
) -> None:
    may_write(actor, org)
    before = dump(RotationRead.model_validate(rotation))
    await session.delete(rotation)
    await session.flush()
    await record(session, actor, org, "duty_rotation", "deleted", before["id"], before, None)
    await materialise.regenerate(session, actor, org, reason="rotation")


# ---- leave -----------------------------------------------------------------------------


async def create_leave(session: AsyncSession, actor: Principal, data: LeaveCreate) -> DutyLeave:
    person, org = await people.get_visible(session, actor.scope("duty.read"), data.person_id)
    may_write(actor, org)
    leave = DutyLeave(**data.model_dump(), org_id=person.org_id)
    session.add(leave)
    await session.flush()
    await record(
        session,
        actor,
        org,
        "duty_leave",
        "created",
        leave.id,
        None,
        dump(LeaveRead.model_validate(leave)),
    )
    await regenerate_around(session, actor, org)
    return leave


async def delete_leave(session: AsyncSession, actor: Principal, leave: DutyLeave, org: Org) -> None:
    may_write(actor, org)
    before = dump(LeaveRead.model_validate(leave))
    await session.delete(leave)
    await session.flush()
    await record(session, actor, org, "duty_leave", "deleted", before["id"], before, None)
    await regenerate_around(session, actor, org)


async def regenerate_around(session: AsyncSession, actor: Principal, org: Org) -> None:
    """A person's leave matters to the rotations of their org and of every org above it."""
    ids = [int(part) for part in org.path.strip("/").split("/") if part]
    for org_id in ids:
        target = await orgs.get(session, org_id)
        if target is not None:
            await materialise.regenerate(session, actor, target, reason="leave")


# ---- overrides -------------------------------------------------------------------------


async def create_override(
    session: AsyncSession,
    actor: Principal | None,
    data: OverrideCreate,
    *,
    org: Org | None = None,
    source: ShiftSource = ShiftSource.override,
    swap_id: int | None = None,
    regenerate: bool = True,
) -> DutyOverride:
    if org is None:
        assert actor is not None
        org = await org_for(session, actor, data.org_id)
    post = await get_post(session, org, data.post_id)
    await member(session, org, data.person_id, "person_id")
    if data.replaces_person_id is not None:
        await member(session, org, data.replaces_person_id, "replaces_person_id")
        if data.replaces_person_id == data.person_id:
            raise Invalid.field("replaces_person_id", "replaces_self")
    elif post.key != LEADER and (post.max_count or 0) != 1 and source == ShiftSource.override:
        raise Invalid.field("replaces_person_id", "replaces_required")
    if data.end_at - data.start_at > materialise.MAX_OVERRIDE:
        raise Invalid.field("end_at", "override_too_long", days=materialise.MAX_OVERRIDE.days)
    override = DutyOverride(
        **data.model_dump(),
        source=source,
        swap_id=swap_id,
        created_by=actor.user_id if actor else None,
    )
    session.add(override)
    await session.flush()
    await record(
        session,
        actor,
        org,
        "duty_override",
        "created",
        override.id,
        None,
        dump(OverrideRead.model_validate(override)),
    )
    if regenerate:
        await materialise.regenerate(session, actor, org, reason="override")
    return override


async def delete_override(
    session: AsyncSession, actor: Principal, override: DutyOverride, org: Org
) -> None:
    may_write(actor, org)
    if override.end_at <= utcnow():
        raise Conflict("override_in_past")
    before = dump(OverrideRead.model_validate(override))
    await session.delete(override)
    await session.flush()
    await record(session, actor, org, "duty_override", "deleted", before["id"], before, None)
    await materialise.regenerate(session, actor, org, reason="override")


# ---- key periods -----------------------------------------------------------------------


async def create_key_period(
    session: AsyncSession, actor: Principal, data: KeyPeriodCreate
) -> tuple[KeyPeriod, bool]:
    """The key period, and whether it was made now (the same one again is not doubled)."""
    org = await org_for(session, actor, data.org_id)
    if (data.end_date - data.start_date).days > 366:
        raise Invalid.field("end_date", "period_too_long")
    same = (
        await session.exec(
            select(KeyPeriod).where(
                KeyPeriod.org_id == data.org_id,
                KeyPeriod.name == data.name,
                KeyPeriod.start_date == data.start_date,
                KeyPeriod.end_date == data.end_date,
                KeyPeriod.report_time == data.report_time,
            )
        )
    ).first()
    if same is not None:
        return same, False
    period = KeyPeriod(**data.model_dump())
    session.add(period)
    await session.flush()
    await record(
        session,
        actor,
        org,
        "duty_key_period",
        "created",
        period.id,
        None,
        dump(KeyPeriodRead.model_validate(period)),
    )
    await reports.schedule_next(session, period, org)
    return period, True


async def delete_key_period(
    session: AsyncSession, actor: Principal, period: KeyPeriod, org: Org
) -> None:
    may_write(actor, org)
    before = dump(KeyPeriodRead.model_validate(period))
    await reports.cancel(session, period, org)
    await session.delete(period)
    await session.flush()
    await record(session, actor, org, "duty_key_period", "deleted", before["id"], before, None)
