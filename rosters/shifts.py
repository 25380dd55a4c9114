"""Reading the roster: shifts by org, person and range; who is on duty at an instant; gaps."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from rosters import coverage, holidays
from rosters.materialise import MAX_SHIFT, post_rules
from rosters.models import LEADER, DutyHandover, DutyPost, DutyShift
from rosters.schemas import (
    DutyNow,
    GapRead,
    Gaps,
    HandoverRead,
    HolidayRead,
    Holidays,
    ShiftDetail,
    ShiftRead,
    Warning_,
)
from rosters.setup import posts_of
from service.auth.permissions import Scope
from service.db import fetch_page
from service.errors import Invalid, NotFound
from service.i18n import t
from service.orgs import service as orgs
from service.orgs.models import Org
from service.people.models import Person
from service.people.schemas import PersonRead

MAX_RANGE = timedelta(days=400)


def unpublished(years: list[int]) -> list[Warning_]:
    return [
        Warning_(code="holidays_unpublished", message=t("holidays_unpublished", year=year))
        for year in years
    ]


def warnings_for(start: datetime, end: datetime) -> list[Warning_]:
    """Years in the range whose official holiday calendar is not published yet."""
    return unpublished(holidays.unpublished_years(start.date(), end.date()))


MAX_CALENDAR_DAYS = 366


def calendar(first: date, last: date) -> Holidays:
    """Every day from ``first`` to ``last`` by the official calendar: statutory holidays,
    adjusted working days, and whether the year is published yet."""
    if last < first:
        raise Invalid.field("to", "end_before_start")
    if (last - first).days >= MAX_CALENDAR_DAYS:
        raise Invalid.field("to", "range_too_long", days=MAX_CALENDAR_DAYS)
    rows = []
    for d in holidays.days(first, last):
        info = holidays.day(d)
        rows.append(
            HolidayRead(
                date=d,
                workday=info.workday,
                statutory=info.statutory,
                adjusted=info.known and info.workday and d.isoweekday() > 5,
                name=info.name,
                name_zh=info.name_zh,
                known=info.known,
            )
        )
    years = holidays.unpublished_years(first, last)
    return Holidays(
        start_date=first,
        end_date=last,
        data=rows,
        count=len(rows),
        unpublished_years=years,
        warnings=unpublished(years),
    )


def check_range(start: datetime, end: datetime, limit: timedelta = MAX_RANGE) -> None:
    if end <= start:
        raise Invalid.field("end", "end_before_start")
    if end - start > limit:
        raise Invalid.field("end", "range_too_long", days=limit.days)


async def get_visible(
    session: AsyncSession, scope: Scope, shift_id: int, person_id: int | None = None
) -> tuple[DutyShift, Org]:
    """A shift in the caller's scope, or their own (a township head on the county roster
    sees their county shift); anything else is 404."""
    shift = await session.get(DutyShift, shift_id)
    org = await orgs.get(session, shift.org_id) if shift is not None else None
    own = shift is not None and person_id is not None and shift.person_id == person_id
    if shift is None or org is None or not (own or scope.covers(org.path)):
        raise NotFound("shift")
    return shift, org


async def search(
    session: AsyncSession,
    scope: Scope,
    *,
    org_id: int | None,
    person_id: int | None,
    post_id: int | None,
    start: datetime | None,
    end: datetime | None,
    limit: int,
    offset: int,
    own: int | None = None,
) -> tuple[list[DutyShift], int]:
    """Shifts in the scope, and the shifts of person ``own`` (the caller) anywhere."""
    visible = scope.clause(col(Org.path))
    if own is not None:
        visible = sa.or_(visible, col(DutyShift.person_id) == own)
    where: list[Any] = [visible]
    if org_id is not None:
        where.append(col(DutyShift.org_id) == org_id)
    if person_id is not None:
        where.append(col(DutyShift.person_id) == person_id)
    if post_id is not None:
        where.append(col(DutyShift.post_id) == post_id)
    if start is not None:
        where.append(col(DutyShift.end_at) > start)
    if end is not None:
        where.append(col(DutyShift.start_at) < end)
    base = select(DutyShift).join(Org, col(Org.id) == col(DutyShift.org_id)).where(*where)
    return await fetch_page(
        session,
        base,
        order_by=(col(DutyShift.start_at), col(DutyShift.post_id), col(DutyShift.id)),
        limit=limit,
        offset=offset,
    )


async def at(
    session: AsyncSession, org_id: int, when: datetime
) -> list[tuple[DutyShift, str, Person]]:
    """The shifts covering ``when`` with their post keys and people: one indexed range scan
    (shifts never exceed one slot, so only the last ``MAX_SHIFT`` of starts can cover it)."""
    rows = await session.exec(
        select(DutyShift, DutyPost.key, Person)
        .join(DutyPost, col(DutyPost.id) == col(DutyShift.post_id))
        .join(Person, col(Person.id) == col(DutyShift.person_id))
        .where(
            DutyShift.org_id == org_id,
            col(DutyShift.start_at) > when - MAX_SHIFT,
            col(DutyShift.start_at) <= when,
            col(DutyShift.end_at) > when,
        )
        .order_by(col(DutyShift.post_id), col(DutyShift.start_at))
    )
    return [(s, k, p) for s, k, p in rows.all()]


async def now(session: AsyncSession, org: Org, when: datetime) -> DutyNow:
    rows = await at(session, org.id or 0, when)
    leader = next(((s, p) for s, k, p in rows if k == LEADER), None)
    return DutyNow(
        org_id=org.id or 0,
        at=when,
        leader=PersonRead.model_validate(leader[1]) if leader else None,
        officers=[PersonRead.model_validate(p) for s, k, p in rows if k != LEADER],
        shift_id=leader[0].id if leader else None,
        shifts=[ShiftRead.model_validate(s) for s, _, _ in rows],
        warnings=[w for w in warnings_for(when, when) if any(s.provisional for s, _, _ in rows)],
    )


async def gaps(session: AsyncSession, org: Org, start: datetime, end: datetime) -> Gaps:
    posts = await posts_of(session, org.id or 0)
    rows = (
        await session.exec(
            select(DutyShift).where(
                DutyShift.org_id == org.id,
                col(DutyShift.start_at) > start - MAX_SHIFT,  # a lower bound for the index
                col(DutyShift.start_at) < end,
                col(DutyShift.end_at) > start,
            )
        )
    ).all()
    found = coverage.gaps(list(rows), post_rules(posts), start, end)
    return Gaps(
        org_id=org.id or 0,
        start_at=start,
        end_at=end,
        data=[GapRead.model_validate(g) for g in found],
        count=len(found),
        warnings=warnings_for(start, end),
    )


async def detail(session: AsyncSession, shift: DutyShift) -> ShiftDetail:
    person = await session.get(Person, shift.person_id)
    given = (
        await session.exec(select(DutyHandover).where(DutyHandover.shift_id == shift.id))
    ).first()
    received = (
        await session.exec(
            select(DutyHandover)
            .where(DutyHandover.next_shift_id == shift.id)
            .order_by(col(DutyHandover.id).desc())
        )
    ).first()
    return ShiftDetail(
        **ShiftRead.model_validate(shift).model_dump(),
        person=PersonRead.model_validate(person) if person else None,
        handover=HandoverRead.model_validate(given) if given else None,
        received=HandoverRead.model_validate(received) if received else None,
    )
