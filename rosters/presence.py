"""在岗: check-in on a shift, the missed check-in alarm, and 交接班 handover."""

from __future__ import annotations

from datetime import timedelta

import structlog
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from rosters.materialise import CHECKIN, lock, shift_ref
from rosters.models import DutyHandover, DutyShift
from rosters.schemas import HandoverCreate, HandoverRead, ShiftRead
from rosters.setup import may_write, record
from service.auth.permissions import SYSTEM, Principal
from service.clock import service as clock
from service.clock.models import Timer
from service.clock.runner import handler
from service.db import utcnow
from service.errors import Conflict, NotFound
from service.i18n import t
from service.notify import service as notify
from service.orgs import service as orgs
from service.orgs.models import Org
from service.people.models import Person
from service.schemas import dump

log = structlog.get_logger("yingji.rosters")
EARLY_CHECKIN = timedelta(minutes=30)


def _own_or_staff(actor: Principal, shift: DutyShift, org: Org) -> None:
    """The person on the shift acts for themself; staff may record it for them."""
    if actor.person_id == shift.person_id:
        return
    may_write(actor, org)


async def check_in(
    session: AsyncSession, actor: Principal, shift: DutyShift, org: Org
) -> DutyShift:
    """Record presence; repeating it is harmless (the first time stands)."""
    _own_or_staff(actor, shift, org)
    if shift.checked_in_at is not None:
        return shift
    await lock(session, shift.org_id)  # before the row: a rebuild takes them in this order
    await session.refresh(shift)
    if shift.checked_in_at is not None:
        return shift
    now = utcnow()
    if now < shift.start_at - EARLY_CHECKIN or now >= shift.end_at:
        raise Conflict("checkin_not_open")
    shift.checked_in_at = now
    shift.updated_at = now
    session.add(shift)
    await session.flush()
    await clock.cancel(session, CHECKIN, shift_ref(shift.id))
    after = dump(ShiftRead.model_validate(shift))
    await record(session, actor, org, "duty_shift", "checked_in", shift.id, None, after)
    return shift


@handler(CHECKIN)
async def checkin_due(session: AsyncSession, timer: Timer) -> None:
    """No check-in by the deadline: raise ``duty.checkin_missed`` and call the person and the
    leader on duty (of the org above when the missing person is the leader)."""
    shift = await session.get(DutyShift, int(timer.ref.split(":")[1]))
    if shift is None or shift.checked_in_at is not None or shift.end_at <= timer.due_at:
        return  # checked in, gone, or cut short before its check-in was due
    org = await orgs.get(session, shift.org_id)
    if org is None:
        return
    person = await session.get(Person, shift.person_id)
    name = person.name if person else f"#{shift.person_id}"
    from rosters import shifts  # the query module imports this one's siblings

    leaders: list[int] = []
    target: Org | None = org
    while target is not None and not leaders:
        duty = await shifts.now(session, target, utcnow())
        leaders = [duty.leader.id] if duty.leader and duty.leader.id != shift.person_id else []
        target = await orgs.get(session, target.parent_id) if target.parent_id else None
    data = {
        "shift_id": shift.id,
        "org_id": org.id,
        "person_id": shift.person_id,
        "post_id": shift.post_id,
        "start_at": shift.start_at.isoformat(),
        "notified": [shift.person_id, *leaders],
    }
    await record(session, SYSTEM, org, "duty", "checkin_missed", shift.id, None, None, data=data)
    text = t("checkin_missed_text", name=name, org=org.name, start=shift.start_at.isoformat())
    await notify.notify_people(
        session,
        SYSTEM,
        [shift.person_id, *leaders],
        title=t("checkin_missed_title"),
        text=text,
        ref=f"duty.checkin_missed:{shift.id}",
        org=org,
    )
    log.info("check-in missed", shift_id=shift.id, org_id=org.id)


async def next_shift(session: AsyncSession, shift: DutyShift) -> DutyShift | None:
    """Who takes the post over when this shift ends."""
    return (
        await session.exec(
            select(DutyShift)
            .where(
                DutyShift.org_id == shift.org_id,
                DutyShift.post_id == shift.post_id,
                col(DutyShift.start_at) <= shift.end_at,
                col(DutyShift.end_at) > shift.end_at,
            )
            .order_by(col(DutyShift.start_at).desc())
        )
    ).first()


async def visible_handover(
    session: AsyncSession, actor: Principal, handover_id: int
) -> tuple[DutyHandover, Org]:
    """A handover in the caller's scope, or one of their own shifts gave or receives."""
    handover = await session.get(DutyHandover, handover_id)
    org = await orgs.get(session, handover.org_id) if handover is not None else None
    if handover is None or org is None:
        raise NotFound("handover")
    if not actor.scope("duty.read").covers(org.path):
        ids = [i for i in (handover.shift_id, handover.next_shift_id) if i is not None]
        people = {s.person_id for i in ids if (s := await session.get(DutyShift, i))}
        if actor.person_id is None or actor.person_id not in people:
            raise NotFound("handover")
    return handover, org


async def hand_over(
    session: AsyncSession, actor: Principal, shift: DutyShift, org: Org, data: HandoverCreate
) -> tuple[DutyHandover, bool]:
    """The shift's handover, and whether it was made now: a repeated request gets the
    first one back (one handover per shift)."""
    _own_or_staff(actor, shift, org)
    given = (
        await session.exec(select(DutyHandover).where(DutyHandover.shift_id == shift.id))
    ).first()
    if given is not None:
        return given, False
    if utcnow() < shift.start_at:
        raise Conflict("handover_not_started")
    following = await next_shift(session, shift)
    handover = DutyHandover(
        shift_id=shift.id or 0,
        next_shift_id=following.id if following else None,
        org_id=org.id or 0,
        notes=data.notes,
        open_matters=[m.model_dump(mode="json") for m in data.open_matters],
        created_by=actor.user_id,
    )
    session.add(handover)
    await session.flush()
    after = dump(HandoverRead.model_validate(handover))
    await record(session, actor, org, "duty", "handover", handover.id, None, after)
    return handover, True


async def acknowledge(
    session: AsyncSession, actor: Principal, handover: DutyHandover, org: Org
) -> DutyHandover:
    """The next shift acknowledges what it was handed; repeating it is harmless."""
    following = (
        await session.get(DutyShift, handover.next_shift_id) if handover.next_shift_id else None
    )
    if following is not None:
        _own_or_staff(actor, following, org)
    else:
        may_write(actor, org)
    if handover.acknowledged_at is not None:
        return handover
    before = dump(HandoverRead.model_validate(handover))
    handover.acknowledged_at = utcnow()
    handover.acknowledged_by = actor.user_id
    session.add(handover)
    await session.flush()
    after = dump(HandoverRead.model_validate(handover))
    await record(session, actor, org, "duty_handover", "acknowledged", handover.id, before, after)
    return handover
