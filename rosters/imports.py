"""Import and export month rosters (the database side of ``rosters.excel``)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from rosters import excel, materialise, rotation
from rosters.models import LEADER, DutyOverride, DutySchedule, DutyShift, ShiftSource
from rosters.schemas import OverrideCreate
from rosters.setup import may_write, posts_of, record
from service.auth.permissions import Principal
from service.errors import Conflict, Invalid
from service.orgs.models import Org
from service.people.models import Person


@dataclass
class Outcome:
    month: date
    rows: list[dict[str, Any]]
    problems: list[dict[str, Any]]
    imported: bool


def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    return first, (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


async def directory(session: AsyncSession, org: Org) -> excel.Directory:
    posts = await posts_of(session, org.id or 0)
    people = (
        await session.exec(
            select(Person.id, Person.name, Person.phones)
            .join(Org, col(Org.id) == col(Person.org_id))
            .where(col(Org.path).like(f"{org.path}%"))
        )
    ).all()
    return excel.Directory(
        posts={p.key: p.name for p in posts},
        single={p.key for p in posts if p.max_count == 1},
        people=[(i or 0, n, list(ph or [])) for i, n, ph in people],
    )


async def import_month(
    session: AsyncSession, actor: Principal, org: Org, month: date, data: bytes, *, dry_run: bool
) -> Outcome:
    may_write(actor, org)
    schedule = await session.get(DutySchedule, org.id)
    if schedule is None or not schedule.changeovers:
        raise Conflict("schedule_missing")
    book = await directory(session, org)
    rows, problems = excel.parse(data, month, book)
    if rows or not problems:
        problems += excel.uncovered(rows, month, {LEADER} & set(book.posts), book.posts)
    names = {p[0]: p[1] for p in book.people}
    listed = [
        {
            "line": r.line,
            "date": r.day.isoformat(),
            "post": r.post_key,
            "person_id": r.person_id,
            "person": names.get(r.person_id),
        }
        for r in rows
    ]
    outcome = Outcome(month, listed, [p.render() for p in problems], False)
    if dry_run:
        return outcome
    if problems:
        raise Invalid.field("file", "sheet_has_problems", count=len(problems))
    await _replace(session, actor, org, month, rows, schedule.changeovers)
    outcome.imported = True
    return outcome


async def _replace(
    session: AsyncSession,
    actor: Principal,
    org: Org,
    month: date,
    rows: list[excel.Row],
    changeovers: list[str],
) -> None:
    zone = materialise.ZoneInfo(org.timezone)
    first_change = rotation.parse_time(min(changeovers))
    first, last = month_bounds(month)
    start = rotation.local(first, first_change, zone)
    end = rotation.local(last + timedelta(days=1), first_change, zone)
    await session.exec(
        sa.delete(DutyOverride).where(
            col(DutyOverride.org_id) == org.id,
            col(DutyOverride.source) == ShiftSource.imported,
            col(DutyOverride.start_at) >= start,
            col(DutyOverride.start_at) < end,
        )
    )
    posts = {p.key: p.id or 0 for p in await posts_of(session, org.id or 0)}
    for row in rows:
        day_start = rotation.local(row.day, first_change, zone)
        day_end = rotation.local(row.day + timedelta(days=1), first_change, zone)
        session.add(
            DutyOverride(
                **OverrideCreate(
                    org_id=org.id or 0,
                    post_id=posts[row.post_key],
                    person_id=row.person_id,
                    start_at=day_start,
                    end_at=day_end,
                    reason="Excel",
                ).model_dump(),
                source=ShiftSource.imported,
                created_by=actor.user_id,
            )
        )
    await session.flush()
    data = {"org_id": org.id, "month": f"{month:%Y-%m}", "rows": len(rows)}
    await record(session, actor, org, "duty_import", "created", org.id, None, data)
    await materialise.regenerate(session, actor, org, reason="import")


async def export_month(session: AsyncSession, org: Org, month: date) -> bytes:
    schedule = await session.get(DutySchedule, org.id)
    changeovers = [
        rotation.parse_time(t) for t in (schedule.changeovers if schedule else ["08:30"])
    ]
    zone = materialise.ZoneInfo(org.timezone)
    first, last = month_bounds(month)
    start = rotation.local(first, min(changeovers), zone)
    end = rotation.local(last + timedelta(days=1), min(changeovers), zone)
    posts = await posts_of(session, org.id or 0)
    keys = {p.id: p.key for p in posts}
    rows = (
        await session.exec(
            select(DutyShift, Person.name)
            .join(Person, col(Person.id) == col(DutyShift.person_id))
            .where(
                DutyShift.org_id == org.id,
                col(DutyShift.start_at) >= start,
                col(DutyShift.start_at) < end,
            )
            .order_by(col(DutyShift.start_at))
        )
    ).all()
    by_day: dict[date, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for shift, name in rows:
        holders = by_day[rotation.duty_day(shift.start_at, changeovers, zone)][
            keys.get(shift.post_id, "")
        ]
        if name not in holders:
            holders.append(name)
    days = [(d, dict(by_day.get(d, {}))) for d in rotation.holidays.days(first, last)]
    return excel.export(month, days, org_name=org.name, posts=[(p.key, p.name) for p in posts])
