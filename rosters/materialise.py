"""Turn an org's roster rules into shift rows over the rolling horizon.

Regeneration diffs what the rules give against the rows that exist: rows that already
ended are never touched; the shift in progress keeps its row (cut short at ``now`` if its
person no longer holds it); future rows are kept when unchanged, so their ids, check-ins
and iCalendar UIDs survive, and are otherwise replaced. Any clash (two leaders at once, a
person on two shifts) refuses the whole change with 409 naming both shifts.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from rosters import changeover, coverage, rotation
from rosters.config import CONFIG
from rosters.models import DutyLeave, DutyOverride, DutyPost, DutyRotation, DutySchedule, DutyShift
from service.auth.permissions import Principal
from service.changes import record_change
from service.clock import service as clock
from service.db import utcnow
from service.errors import Conflict
from service.orgs.models import Org
from service.people.models import Person
from service.realtime import outbox

TOPIC = "duty"
CHECKIN = "duty.checkin"
MAX_SHIFT = timedelta(hours=26)  # one slot of a pattern, DST included
MAX_OVERRIDE = timedelta(days=92)
RULE_REASONS = ("rotation", "schedule", "post")  # changes checked beyond the horizon


def shift_ref(shift_id: int | None) -> str:
    return f"shift:{shift_id}"


@dataclass
class Inputs:
    org: Org
    zone: ZoneInfo
    changeovers: list[Any]
    posts: list[DutyPost]
    rules: list[rotation.Rule] = field(default_factory=list)


@dataclass
class Outcome:
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    unpublished_years: list[int] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.updated or self.deleted)


def post_rules(posts: list[DutyPost]) -> list[coverage.PostRule]:
    return [coverage.PostRule(p.id or 0, p.key, p.min_count, p.max_count) for p in posts]


def describe(shift: DutyShift | rotation.Piece) -> dict[str, Any]:
    return {
        "shift_id": getattr(shift, "id", None),
        "post_id": shift.post_id,
        "person_id": shift.person_id,
        "start_at": shift.start_at.isoformat(),
        "end_at": shift.end_at.isoformat(),
    }


async def lock(session: AsyncSession, org_id: int | None) -> None:
    """Hold the org's roster until the transaction ends.

    On PostgreSQL, first the transaction-level advisory lock of the outbox sequence
    (``pg_advisory_xact_lock``): the overlap check reads other orgs' shifts, which a
    concurrent rebuild of another org could be writing uncommitted. Every writing
    transaction takes that lock before its first event anyway, so taking it here, before
    anything of the rebuild, orders rebuilds with all writers and never waits in a cycle
    with a second lock. Then the org's ``duty_schedule`` row FOR UPDATE (always after the
    advisory lock, and before the row is written). SQLite already runs one writer at a
    time (service/db.py). Re-entrant: a transaction may rebuild several orgs.
    """
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        connection = await session.connection()
        await connection.execute(
            sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": outbox.OUTBOX_LOCK_KEY}
        )
    await session.exec(
        select(DutySchedule.org_id).where(DutySchedule.org_id == org_id).with_for_update()
    )


async def inputs(session: AsyncSession, org: Org) -> Inputs:
    schedule = await session.get(DutySchedule, org.id)
    posts = list(
        (
            await session.exec(
                select(DutyPost).where(DutyPost.org_id == org.id).order_by(col(DutyPost.id))
            )
        ).all()
    )
    changeovers = [rotation.parse_time(t) for t in (schedule.changeovers if schedule else [])]
    rows = (await session.exec(select(DutyRotation).where(DutyRotation.org_id == org.id))).all()
    rules = [
        rotation.Rule(
            id=r.id or 0,
            post_id=r.post_id,
            kind=r.kind,
            people=tuple(r.people),
            start_date=r.start_date,
            end_date=r.end_date,
            period_days=r.period_days,
            days=r.days,
            weekdays=frozenset(r.weekdays),
            slots=frozenset(r.slots),
        )
        for r in rows
    ]
    return Inputs(org, ZoneInfo(org.timezone), changeovers, posts, rules)


def window(
    data: Inputs, now: datetime, first: date | None = None
) -> tuple[date, date, datetime, datetime]:
    today = now.astimezone(data.zone).date()
    first = first or today - timedelta(days=1)
    last = today + timedelta(days=CONFIG.horizon_days)
    t0 = min(data.changeovers)
    return (
        first,
        last,
        rotation.local(first, t0, data.zone),
        rotation.local(last + timedelta(days=1), t0, data.zone),
    )


async def desired(
    session: AsyncSession, data: Inputs, first: date, last: date, start: datetime, end: datetime
) -> tuple[rotation.Plan, dict[int, list[tuple[datetime, datetime]]]]:
    """The plan of the window, and the leave it took into account."""
    people = sorted({p for r in data.rules for p in r.people})
    leave: dict[int, list[tuple[datetime, datetime]]] = {}
    if people:
        for row in (
            await session.exec(
                select(DutyLeave).where(
                    col(DutyLeave.person_id).in_(people),
                    col(DutyLeave.end_at) > start,
                    col(DutyLeave.start_at) < end,
                )
            )
        ).all():
            leave.setdefault(row.person_id, []).append((row.start_at, row.end_at))
    names = (
        dict(
            (
                await session.exec(select(Person.id, Person.name).where(col(Person.id).in_(people)))
            ).all()
        )
        if people
        else {}
    )
    overrides = (
        await session.exec(
            select(DutyOverride)
            .where(
                DutyOverride.org_id == data.org.id,
                col(DutyOverride.end_at) > start,
                col(DutyOverride.start_at) < end,
            )
            .order_by(col(DutyOverride.id))
        )
    ).all()
    covers = [
        rotation.Cover(
            o.id or 0,
            o.post_id,
            o.person_id,
            o.start_at,
            o.end_at,
            o.replaces_person_id,
            o.source,
            o.reason,
        )
        for o in overrides
    ]
    plan = rotation.plan(
        changeovers=data.changeovers,
        zone=data.zone,
        first=first,
        last=last,
        rules=data.rules,
        leave=leave,
        covers=covers,
        names={k: v for k, v in names.items() if k is not None},
    )
    return plan, leave


def _continuing(
    wanted: dict[tuple[int, int, datetime], rotation.Piece], row: DutyShift
) -> rotation.Piece | None:
    """The piece an in-progress row is part of, when the row began later than the piece
    (it was cut in by an earlier change): the same person goes on, on the same row, so
    the check-in stands."""
    for key, piece in wanted.items():
        if (
            key[0] == row.post_id
            and key[1] == row.person_id
            and piece.start_at <= row.start_at < piece.end_at
        ):
            return wanted.pop(key)
    return None


def _apply(row: DutyShift, piece: rotation.Piece, now: datetime) -> bool:
    """Bring a kept row in line with its piece; whether anything changed."""
    values = {
        "end_at": piece.end_at,
        "source": piece.source,
        "rotation_id": piece.rotation_id,
        "override_id": piece.override_id,
        "note": piece.note,
        "provisional": piece.provisional,
    }
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    for key, value in changed.items():
        setattr(row, key, value)
    if changed:
        row.sequence += 1
        row.updated_at = now
    return bool(changed)


async def regenerate(
    session: AsyncSession,
    actor: Principal | None,
    org: Org,
    *,
    now: datetime | None = None,
    backfill_from: date | None = None,
    reason: str = "rules",
) -> Outcome:
    """Bring the org's shifts from ``now`` (or ``backfill_from``, for a first load) to the
    end of the horizon in line with its rules, in the caller's transaction."""
    now = now or utcnow()
    await lock(session, org.id)
    data = await inputs(session, org)
    outcome = Outcome()
    if not data.changeovers:
        return outcome
    first, last, start, end = window(data, now, backfill_from)
    plan, leave = await desired(session, data, first, last, start, end)
    outcome.unpublished_years = plan.unpublished_years
    cut = start if backfill_from else now.replace(microsecond=0)
    rows = list(
        (
            await session.exec(
                select(DutyShift).where(
                    DutyShift.org_id == org.id,
                    col(DutyShift.start_at) > cut - MAX_SHIFT,  # a lower bound for the index
                    col(DutyShift.end_at) > cut,
                    col(DutyShift.start_at) < end,
                )
            )
        ).all()
    )
    pieces, stay = (
        (plan.pieces, set()) if backfill_from else changeover.defer(plan.pieces, rows, cut, leave)
    )
    wanted = {(p.post_id, p.person_id, p.start_at): p for p in pieces if p.end_at > cut}
    kept: list[DutyShift] = []
    gone: list[DutyShift] = []
    cut_short: list[DutyShift] = []
    for row in rows:
        if row.id in stay:  # the new rules start at this post's next changeover
            kept.append(row)
            continue
        piece = wanted.pop((row.post_id, row.person_id, row.start_at), None)
        if piece is None and row.start_at <= cut:
            piece = _continuing(wanted, row)
        if piece is not None:
            outcome.updated += _apply(row, piece, now)
            kept.append(row)
        elif row.start_at < cut:  # in progress: its person held it until now
            row.end_at, row.sequence, row.updated_at = cut, row.sequence + 1, now
            outcome.updated += 1
            kept.append(row)
            cut_short.append(row)
        else:
            gone.append(row)
    for row in gone:
        await session.delete(row)
    outcome.deleted = len(gone)
    await session.flush()  # deletes before inserts: a new row may take a deleted one's key
    fresh = [
        DutyShift(
            org_id=org.id or 0,
            **{k: v for k, v in vars(replace(p, start_at=max(p.start_at, cut))).items()},
        )
        for p in wanted.values()
    ]
    session.add_all(fresh)
    await session.flush()
    outcome.inserted = len(fresh)
    await _check(session, data, kept + fresh, start, end)
    if reason in RULE_REASONS:  # what the daily job will materialise later must fit too
        ahead = changeover.clashes_ahead(
            changeovers=data.changeovers,
            zone=data.zone,
            rules=data.rules,
            posts=post_rules(data.posts),
            after=last + timedelta(days=1),
        )
        if ahead:
            raise Conflict(ahead[0], extra={"shifts": [describe(s) for s in ahead[1]]})
    grace = timedelta(seconds=CONFIG.checkin_grace_s)
    # a row gone, or cut short before its check-in is due, has no check-in to miss
    stale = gone + [
        r for r in cut_short if r.checked_in_at is None and r.end_at <= r.start_at + grace
    ]
    if stale:
        await clock.cancel_many(session, CHECKIN, [shift_ref(r.id) for r in stale])
    due = [(shift_ref(r.id), r.start_at + grace) for r in fresh if r.start_at + grace > now]
    await clock.schedule_new(session, CHECKIN, due)  # new rows: no timer of theirs exists yet
    if outcome.changed:
        await record_change(
            session,
            actor,
            topic=TOPIC,
            object_type="duty",
            action="changed",
            object_id=org.id,
            org_id=org.id,
            org_path=org.path,
            data={
                "org_id": org.id,
                "reason": reason,
                "start_at": cut.isoformat(),
                "end_at": end.isoformat(),
                "inserted": outcome.inserted,
                "updated": outcome.updated,
                "deleted": outcome.deleted,
            },
        )
    return outcome


async def _check(
    session: AsyncSession, data: Inputs, rows: list[DutyShift], start: datetime, end: datetime
) -> None:
    clash = coverage.crowded(rows, post_rules(data.posts))
    if clash:
        raise Conflict("duty_post_crowded", extra={"shifts": [describe(s) for s in clash]})
    people = sorted({r.person_id for r in rows})
    others: list[DutyShift] = []
    for i in range(0, len(people), 500):
        others.extend(
            (
                await session.exec(
                    select(DutyShift).where(
                        col(DutyShift.person_id).in_(people[i : i + 500]),
                        DutyShift.org_id != data.org.id,
                        col(DutyShift.start_at) > start - MAX_SHIFT,  # lower bound: index
                        col(DutyShift.end_at) > start,
                        col(DutyShift.start_at) < end,
                    )
                )
            ).all()
        )
    clash = coverage.overlapping(rows + others)
    if clash:
        raise Conflict("duty_person_overlap", extra={"shifts": [describe(s) for s in clash]})
