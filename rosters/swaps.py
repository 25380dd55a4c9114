"""Swaps: A requests with B → B accepts → a leader of the org approves → applied as
overrides (so regeneration keeps them). Every step notifies the people concerned."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from rosters import materialise, rules
from rosters.models import DutyShift, DutySwap, ShiftSource, SwapState
from rosters.schemas import OverrideCreate, SwapCreate, SwapRead
from rosters.setup import forbid, member, record
from service.auth.permissions import Principal
from service.db import utcnow
from service.errors import Conflict, Forbidden, Invalid, NotFound
from service.i18n import t
from service.notify import service as notify
from service.orgs import service as orgs
from service.orgs.models import Org
from service.people.models import Person
from service.schemas import dump


def _sees(actor: Principal, org: Org) -> bool:
    return actor.scope("duty.read").covers(org.path)


def _not_started(shift: DutyShift, field: str) -> None:
    if shift.start_at <= utcnow():
        raise Invalid.field(field, "shift_started")


async def _own_shift(
    session: AsyncSession, actor: Principal, shift_id: int
) -> tuple[DutyShift, Org]:
    """The shift to give away: the caller's own (in any org: a township head on the
    county roster) or one in their scope. Nothing about a shift is told before that."""
    shift = await session.get(DutyShift, shift_id)
    org = await orgs.get(session, shift.org_id) if shift is not None else None
    if shift is None or org is None:
        raise Invalid.field("shift_id", "shift_unknown")
    if actor.person_id != shift.person_id and not _sees(actor, org):
        raise Invalid.field("shift_id", "shift_unknown")
    _not_started(shift, "shift_id")
    return shift, org


async def _their_shift(
    session: AsyncSession, actor: Principal, shift: DutyShift, org: Org, data: SwapCreate
) -> DutyShift:
    """The counterpart's shift to take in return: of the same org and the counterpart."""
    field = "counterpart_shift_id"
    theirs = await session.get(DutyShift, data.counterpart_shift_id or 0)
    if theirs is None or theirs.org_id != shift.org_id:
        raise Invalid.field(field, "shift_unknown")
    if theirs.person_id != data.counterpart_id:
        if not _sees(actor, org):
            raise Invalid.field(field, "shift_unknown")
        raise Invalid.field(field, "swap_shift_not_theirs")
    if theirs.post_id != shift.post_id:
        raise Invalid.field(field, "swap_other_post")
    _not_started(theirs, field)
    return theirs


async def visible(session: AsyncSession, actor: Principal, swap_id: int) -> tuple[DutySwap, Org]:
    """A swap in the caller's scope, or one they requested or were asked for."""
    swap = await session.get(DutySwap, swap_id)
    org = await orgs.get(session, swap.org_id) if swap is not None else None
    if swap is None or org is None:
        raise NotFound("swap")
    mine = actor.person_id is not None and actor.person_id in (
        swap.requester_id,
        swap.counterpart_id,
    )
    if not mine and not _sees(actor, org):
        raise NotFound("swap")
    return swap, org


async def _tell(
    session: AsyncSession, actor: Principal, swap: DutySwap, org: Org, people: list[int]
) -> None:
    names = {p: (await session.get(Person, p)) for p in {swap.requester_id, swap.counterpart_id}}
    text = t(
        f"swap_{swap.state}",
        requester=getattr(names[swap.requester_id], "name", swap.requester_id),
        counterpart=getattr(names[swap.counterpart_id], "name", swap.counterpart_id),
        start=swap.start_at.isoformat(),
    )
    await notify.notify_people(
        session,
        actor,
        people,
        title=t("swap_title"),
        text=text,
        ref=f"duty.swap:{swap.id}:{swap.state}",
        org=org,
    )


async def request(
    session: AsyncSession, actor: Principal, data: SwapCreate
) -> tuple[DutySwap, bool]:
    """The swap, and whether it was made now: the same request while one is pending
    returns that one."""
    shift, org = await _own_shift(session, actor, data.shift_id)
    if actor.person_id != shift.person_id and not actor.scope("duty.write").covers(org.path):
        raise Forbidden("swap_not_yours")
    if data.counterpart_id == shift.person_id:
        raise Invalid.field("counterpart_id", "swap_with_self")
    await member(session, org, data.counterpart_id, "counterpart_id")
    theirs = None
    if data.counterpart_shift_id is not None:
        theirs = await _their_shift(session, actor, shift, org, data)
    pending = (
        await session.exec(
            select(DutySwap).where(
                DutySwap.shift_id == shift.id,
                DutySwap.counterpart_id == data.counterpart_id,
                col(DutySwap.counterpart_shift_id).is_(None)
                if theirs is None
                else DutySwap.counterpart_shift_id == theirs.id,
                col(DutySwap.state).in_([SwapState.requested, SwapState.accepted]),
            )
        )
    ).first()
    if pending is not None:
        return pending, False
    swap = DutySwap(
        org_id=org.id or 0,
        shift_id=shift.id,
        counterpart_shift_id=theirs.id if theirs else None,
        requester_id=shift.person_id,
        counterpart_id=data.counterpart_id,
        post_id=shift.post_id,
        start_at=shift.start_at,
        end_at=shift.end_at,
        counterpart_start_at=theirs.start_at if theirs else None,
        counterpart_end_at=theirs.end_at if theirs else None,
        reason=data.reason,
    )
    session.add(swap)
    await session.flush()
    after = dump(SwapRead.model_validate(swap))
    await record(session, actor, org, "duty_swap", "requested", swap.id, None, after)
    await _tell(session, actor, swap, org, [swap.counterpart_id])
    return swap, True


async def _move(
    session: AsyncSession,
    actor: Principal,
    swap: DutySwap,
    org: Org,
    state: SwapState,
    *,
    allowed_from: tuple[SwapState, ...],
) -> DutySwap:
    if swap.state == state:
        return swap  # a repeated request changes nothing
    if swap.state not in allowed_from:
        raise Conflict("swap_state", state=swap.state)
    before = dump(SwapRead.model_validate(swap))
    now = utcnow()
    swap.state = state
    swap.updated_at = now
    if state == SwapState.accepted:
        swap.accepted_at = now
    if state in (SwapState.approved, SwapState.rejected) and actor.can("duty.approve", org.path):
        swap.decided_at, swap.decided_by = now, actor.user_id
    session.add(swap)
    await session.flush()
    after = dump(SwapRead.model_validate(swap))
    await record(session, actor, org, "duty_swap", str(state), swap.id, before, after)
    await _tell(session, actor, swap, org, [swap.requester_id, swap.counterpart_id])
    return swap


async def accept(session: AsyncSession, actor: Principal, swap: DutySwap, org: Org) -> DutySwap:
    if actor.person_id != swap.counterpart_id:
        raise Forbidden("swap_not_yours")
    return await _move(
        session, actor, swap, org, SwapState.accepted, allowed_from=(SwapState.requested,)
    )


async def reject(session: AsyncSession, actor: Principal, swap: DutySwap, org: Org) -> DutySwap:
    """The counterpart declines, or a leader refuses."""
    if actor.person_id != swap.counterpart_id and not actor.can("duty.approve", org.path):
        raise forbid("duty.approve")
    pending = (SwapState.requested, SwapState.accepted)
    return await _move(session, actor, swap, org, SwapState.rejected, allowed_from=pending)


async def cancel(session: AsyncSession, actor: Principal, swap: DutySwap, org: Org) -> DutySwap:
    if actor.person_id != swap.requester_id and not actor.can("duty.write", org.path):
        raise Forbidden("swap_not_yours")
    pending = (SwapState.requested, SwapState.accepted)
    return await _move(session, actor, swap, org, SwapState.cancelled, allowed_from=pending)


async def _still_as_requested(session: AsyncSession, swap: DutySwap) -> None:
    """Both shifts are still there, not started, with the same people and times."""
    legs = [(swap.shift_id, swap.requester_id, swap.start_at, swap.end_at)]
    if swap.counterpart_start_at is not None and swap.counterpart_end_at is not None:
        legs.append(
            (
                swap.counterpart_shift_id,
                swap.counterpart_id,
                swap.counterpart_start_at,
                swap.counterpart_end_at,
            )
        )
    for shift_id, person_id, start, end in legs:
        if start <= utcnow():
            raise Conflict("swap_too_late")
        shift = await session.get(DutyShift, shift_id) if shift_id is not None else None
        if shift is None or (shift.person_id, shift.start_at, shift.end_at) != (
            person_id,
            start,
            end,
        ):
            raise Conflict("swap_shift_changed")


async def approve(session: AsyncSession, actor: Principal, swap: DutySwap, org: Org) -> DutySwap:
    """A leader of the org approves; the swap becomes overrides and the roster is rebuilt."""
    if not actor.can("duty.approve", org.path):
        raise forbid("duty.approve")
    if actor.person_id is not None and actor.person_id in (
        swap.requester_id,
        swap.counterpart_id,
    ):
        raise Forbidden("swap_self_approval")
    if swap.state == SwapState.approved:
        return swap
    await _still_as_requested(session, swap)
    swap = await _move(
        session, actor, swap, org, SwapState.approved, allowed_from=(SwapState.accepted,)
    )
    legs = [(swap.counterpart_id, swap.requester_id, swap.start_at, swap.end_at)]
    if swap.counterpart_start_at and swap.counterpart_end_at:
        legs.append(
            (
                swap.requester_id,
                swap.counterpart_id,
                swap.counterpart_start_at,
                swap.counterpart_end_at,
            )
        )
    for person, replaces, start, end in legs:
        data = OverrideCreate(
            org_id=org.id or 0,
            post_id=swap.post_id,
            person_id=person,
            replaces_person_id=replaces,
            start_at=start,
            end_at=end,
            reason=swap.reason,
        )
        await rules.create_override(
            session,
            actor,
            data,
            org=org,
            source=ShiftSource.swap,
            swap_id=swap.id,
            regenerate=False,
        )
    await materialise.regenerate(session, actor, org, reason="swap")
    return swap
