"""Schedule, cancel and claim timers. Other domains call ``schedule`` and ``cancel`` inside
their own transaction, so a deadline exists exactly when the change that set it does."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from service.clock.models import Timer, TimerOnce, TimerState
from service.db import one_of, utcnow

MAX_BACKOFF_S = 15 * 60


def in_state(*states: TimerState) -> sa.ColumnElement[bool]:
    """``state IN states`` for lookups by ref, written as NOT IN the other states so that
    no index on ``state`` can serve it and the ref index does. Given a choice, PostgreSQL
    picks the (state, due_at) index whenever it lacks fresh statistics (right after
    thousands of timers were made) or plans a prepared statement generically, and then
    compares the ref of every pending timer with each ref asked for: 0.25 s to find 1,000
    timers among 10,000 pending, against 2 ms through the ref index."""
    return col(Timer.state).not_in(states_but(*states))


def states_but(*states: TimerState) -> list[str]:
    """Every other state (``in_state``'s list, for statements written out in SQL)."""
    return [s.value for s in TimerState if s not in states]


async def schedule(
    session: AsyncSession,
    kind: str,
    ref: str,
    due_at: datetime,
    *,
    payload: dict[str, Any] | None = None,
    max_attempts: int = 8,
) -> Timer:
    """Set the deadline of ``kind`` for ``ref``; an existing pending one is moved, not doubled."""
    timer = (
        await session.exec(
            select(Timer).where(Timer.kind == kind, Timer.ref == ref, in_state(TimerState.pending))
        )
    ).first()
    if timer is None:
        timer = Timer(
            kind=kind, ref=ref, due_at=due_at, payload=payload or {}, max_attempts=max_attempts
        )
    else:
        timer.due_at = due_at
        if payload is not None:
            timer.payload = payload
    session.add(timer)
    await session.flush()
    return timer


async def cancel(session: AsyncSession, kind: str, ref: str) -> int:
    """Cancel the pending (or running) timer of ``kind`` for ``ref``; how many were cancelled.

    A running handler that loses its timer this way has its effects rolled back.
    """
    result = await session.exec(
        sa.update(Timer)
        .where(
            col(Timer.kind) == kind,
            col(Timer.ref) == ref,
            in_state(TimerState.pending, TimerState.running),
        )
        .values(state=TimerState.cancelled, finished_at=utcnow())
    )
    return int(result.rowcount or 0)


async def claim(
    session: AsyncSession,
    owner: str,
    *,
    now: datetime,
    horizon: datetime,
    lease_s: float,
    limit: int,
) -> list[Timer]:
    """Atomically take up to ``limit`` timers due before ``horizon``, plus running ones whose
    owner has held them past the lease (it died). Each claim counts as an attempt."""
    stale = now - timedelta(seconds=lease_s)
    due = sa.or_(
        sa.and_(col(Timer.state) == TimerState.pending, col(Timer.due_at) <= horizon),
        sa.and_(col(Timer.state) == TimerState.running, col(Timer.claimed_at) < stale),
    )
    ids = select(Timer.id).where(due).order_by(col(Timer.due_at)).limit(limit)
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        ids = ids.with_for_update(skip_locked=True)
    result = await session.exec(
        sa.update(Timer)
        .where(col(Timer.id).in_(ids.scalar_subquery()))
        .values(
            state=TimerState.running,
            claimed_by=owner,
            claimed_at=now,
            attempts=col(Timer.attempts) + 1,
        )
        .returning(Timer)
        .execution_options(synchronize_session=False)
    )
    return sorted(result.scalars().all(), key=lambda t: t.due_at)


def _owned(timer: Timer, owner: str) -> sa.ColumnElement[bool]:
    return sa.and_(
        col(Timer.id) == timer.id,
        col(Timer.claimed_by) == owner,
        col(Timer.state) == TimerState.running,
        col(Timer.attempts) == timer.attempts,
    )


async def finish(session: AsyncSession, timer: Timer, owner: str) -> bool:
    """Mark done if this owner still holds the claim; False means another took it over."""
    result = await session.exec(
        sa.update(Timer)
        .where(_owned(timer, owner))
        .values(state=TimerState.done, finished_at=utcnow(), last_error=None)
    )
    return result.rowcount == 1


async def finish_many(session: AsyncSession, timers: list[Timer], owner: str) -> set[int]:
    """``finish`` for many timers in one statement: the ids of those this owner still held,
    now marked done. Raises ``ClaimChanged`` when one of them is held by a newer claim of the
    same owner (its lease ran out and this instance took it again): the caller rolls back."""
    if not timers:
        return set()
    dialect = (await session.connection()).dialect.name
    rows = await session.exec(
        sa.update(Timer)
        .where(
            one_of(col(Timer.id), [t.id for t in timers], dialect),
            col(Timer.claimed_by) == owner,
            col(Timer.state) == TimerState.running,
        )
        .values(state=TimerState.done, finished_at=utcnow(), last_error=None)
        .returning(col(Timer.id), col(Timer.attempts))
        .execution_options(synchronize_session=False)
    )
    held = dict(rows.all())
    if any(held[t.id] != t.attempts for t in timers if t.id in held):
        raise ClaimChanged([t.id for t in timers if t.id in held])
    return set(held)


class ClaimChanged(Exception):
    """A timer given to ``finish_many`` was claimed again since (by the same owner)."""


def backoff(attempts: int) -> timedelta:
    """Exponential with jitter: about 2, 4, 8 … seconds, at most 15 minutes."""
    base = min(MAX_BACKOFF_S, 2 ** max(1, attempts))
    return timedelta(seconds=base * random.uniform(0.8, 1.2))  # noqa: S311  jitter, not crypto


async def fail(session: AsyncSession, timer: Timer, owner: str, error: str) -> TimerState:
    """Retry later with backoff, or give up after ``max_attempts``."""
    give_up = timer.attempts >= timer.max_attempts
    state = TimerState.failed if give_up else TimerState.pending
    values: dict[str, Any] = {
        "state": state,
        "last_error": error[:1000],
        "claimed_by": None,
        "claimed_at": None,
    }
    if give_up:
        values["finished_at"] = utcnow()
    else:
        values["due_at"] = utcnow() + backoff(timer.attempts)
    await session.exec(sa.update(Timer).where(_owned(timer, owner)).values(**values))
    return state


async def cancel_many(
    session: AsyncSession, kind: str, refs: list[str], *, skip_locked: bool = False
) -> int:
    """``cancel`` for many refs at once, in one statement (the refs are one parameter).

    ``skip_locked`` (PostgreSQL): leave alone the timers another transaction holds (a batch
    firing them has marked them done) instead of waiting for it. Only for kinds whose
    handler re-reads, under lock, what the cancel is about: it then sees the change."""
    if not refs:
        return 0
    which = await _live_of(session, kind, refs, skip_locked=skip_locked)
    result = await session.exec(
        sa.update(Timer)
        .where(which)
        .values(state=TimerState.cancelled, finished_at=utcnow())
        .execution_options(synchronize_session=False)  # no loaded timers to refresh
    )
    return int(result.rowcount or 0)


async def discard_many(
    session: AsyncSession, kind: str, refs: list[str], *, skip_locked: bool = False
) -> int:
    """``cancel_many`` that deletes the timers instead of marking them cancelled: for kinds
    with a timer per person of a large set (a warning's answer deadlines), whose owner
    records the outcome itself. A deleted timer is a third of the work of a cancelled one
    on PostgreSQL (no new row version, no index entries), and leaves nothing behind. For
    the runner the two are the same: a running timer that is gone is not finished, and
    its handler's effects are rolled back."""
    if not refs:
        return 0
    which = await _live_of(session, kind, refs, skip_locked=skip_locked)
    result = await session.exec(
        sa.delete(Timer).where(which).execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


async def _live_of(
    session: AsyncSession, kind: str, refs: list[str], *, skip_locked: bool
) -> sa.ColumnElement[bool]:
    """The pending or running timers of ``kind`` for ``refs`` (see ``cancel_many``)."""
    dialect = (await session.connection()).dialect.name
    which = sa.and_(
        col(Timer.kind) == kind,
        one_of(col(Timer.ref), refs, dialect),
        in_state(TimerState.pending, TimerState.running),
    )
    if skip_locked and dialect == "postgresql":
        which = col(Timer.id).in_(
            select(Timer.id).where(which).with_for_update(skip_locked=True).scalar_subquery()
        )
    return which


async def schedule_once(
    session: AsyncSession,
    kind: str,
    ref: str,
    due_at: datetime,
    *,
    payload: dict[str, Any] | None = None,
) -> Timer | None:
    """Schedule ``kind`` for ``ref`` unless it ever was (pending, done or otherwise): for
    jobs that every instance proposes and exactly one should run.

    Race-free: the proposal is an insert into ``clock_once`` whose primary key is
    (kind, ref), ON CONFLICT DO NOTHING; only the instance whose row went in schedules the
    timer (a concurrent proposer waits for the first to commit, then inserts nothing)."""
    seen = await session.scalar(
        select(Timer.id).where(Timer.kind == kind, Timer.ref == ref).limit(1)
    )
    if seen is not None:
        return None  # a timer from before clock_once existed
    table: Any = TimerOnce.__table__  # type: ignore[attr-defined]
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    result = await session.exec(
        insert(table)
        .values(kind=kind, ref=ref, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["kind", "ref"])
    )
    if result.rowcount != 1:
        return None
    return await schedule(session, kind, ref, due_at, payload=payload)


async def schedule_many(
    session: AsyncSession, kind: str, due: list[tuple[str, datetime]], *, max_attempts: int = 8
) -> None:
    """``schedule`` for many refs at once: pending timers of these refs are moved, the
    others made (one read, then one batched update and one batched insert)."""
    if not due:
        return
    dialect = (await session.connection()).dialect.name
    pending = {
        t.ref: t
        for t in await session.exec(
            select(Timer).where(
                Timer.kind == kind,
                one_of(col(Timer.ref), [ref for ref, _ in due], dialect),
                in_state(TimerState.pending),
            )
        )
    }
    for ref, at in due:
        if ref in pending:
            pending[ref].due_at = at
            session.add(pending[ref])
    if pending:
        await session.flush()
    await schedule_new(
        session,
        kind,
        [(ref, at) for ref, at in due if ref not in pending],
        max_attempts=max_attempts,
    )


async def schedule_new(
    session: AsyncSession, kind: str, due: list[tuple[str, datetime]], *, max_attempts: int = 8
) -> None:
    """Many new timers of ``kind`` at once, for refs that have none pending (one batched
    insert; ``schedule`` is the one-at-a-time form that moves an existing timer)."""
    if not due:
        return
    now = utcnow()
    rows = [
        {
            "kind": kind,
            "ref": ref,
            "due_at": at,
            "state": TimerState.pending,
            "attempts": 0,
            "max_attempts": max_attempts,
            "payload": {},
            "created_at": now,
        }
        for ref, at in due
    ]
    connection = await session.connection()
    await connection.execute(sa.insert(Timer.__table__), rows)  # type: ignore[attr-defined]
