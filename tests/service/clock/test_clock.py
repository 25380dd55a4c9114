"""Durable timers: fire at their time, once, after failures, crashes and takeovers."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from service.clock import service as clock
from service.clock.models import Timer, TimerState
from service.clock.runner import Clock
from service.db import Database, utcnow
from tests.service.clock.helpers import (
    BATCH_HANDLERS,
    BATCH_SIZES,
    HANDLERS,
    KIND,
    fired,
    wait_for,
)


@pytest.fixture(params=["one", "batch"])
def kinds(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Every test runs with the test kind's handler firing timers one at a time, and again
    as a batch handler (the timers that fall due together in one transaction)."""
    if request.param == "one":
        return {"handlers": HANDLERS}
    return {"batch_handlers": BATCH_HANDLERS}


async def _states(db: Database) -> dict[str, TimerState]:
    async with db.session(write=False) as s:
        return {t.ref: t.state for t in await s.exec(select(Timer))}


async def _all_finished(db: Database) -> bool:
    states = await _states(db)
    return all(
        state in (TimerState.done, TimerState.failed, TimerState.cancelled)
        for state in states.values()
    )


async def run_until_finished(db: Database, kinds: dict[str, Any], **clock: float) -> None:
    """Run one clock until no timer is pending or running."""
    runner = Clock(db, **kinds, **clock)
    runner.start()
    try:
        await wait_for(lambda: _all_finished(db))
    finally:
        await runner.stop()


async def test_timers_fire_once_at_their_time(db: Database, kinds: dict[str, Any]) -> None:
    start = utcnow()
    async with db.session() as s:
        for i in range(20):
            await clock.schedule(s, KIND, f"t{i}", start + timedelta(milliseconds=100 + 50 * i))
    await run_until_finished(db, kinds, tick_s=0.5)
    assert await fired(db) == {f"t{i}": 1 for i in range(20)}
    async with db.session(write=False) as s:
        timers = list(await s.exec(select(Timer)))
    lateness = [(t.finished_at - t.due_at).total_seconds() for t in timers if t.finished_at]
    assert max(lateness) < 0.5, lateness


async def test_schedule_moves_and_cancel_stops(db: Database, kinds: dict[str, Any]) -> None:
    soon = utcnow() + timedelta(milliseconds=200)
    async with db.session() as s:
        await clock.schedule(s, KIND, "moved", utcnow() + timedelta(hours=1))
        await clock.schedule(s, KIND, "moved", soon)  # the same deadline, moved: one row
        await clock.schedule(s, KIND, "cancelled", soon)
        assert await clock.cancel(s, KIND, "cancelled") == 1
    await run_until_finished(db, kinds, tick_s=0.2)
    assert await fired(db) == {"moved": 1}
    assert await _states(db) == {"moved": TimerState.done, "cancelled": TimerState.cancelled}


async def test_failures_retry_with_backoff_then_give_up(
    db: Database, kinds: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clock, "backoff", lambda attempts: timedelta(milliseconds=100))
    async with db.session() as s:
        await clock.schedule(s, KIND, "flaky", utcnow(), payload={"fail_times": 2})
        await clock.schedule(
            s, KIND, "broken", utcnow(), payload={"fail_times": 99}, max_attempts=3
        )
    await run_until_finished(db, kinds, tick_s=0.1)
    assert await fired(db) == {"flaky": 1}
    async with db.session(write=False) as s:
        timers = {t.ref: t for t in await s.exec(select(Timer))}
    assert timers["flaky"].state == TimerState.done and timers["flaky"].attempts == 3
    assert timers["broken"].state == TimerState.failed and timers["broken"].attempts == 3
    assert "planned failure 3" in (timers["broken"].last_error or "")


async def test_a_dead_owners_claim_is_taken_over_and_its_late_commit_refused(
    db: Database,
    kinds: dict[str, Any],
) -> None:
    async with db.session() as s:
        await clock.schedule(s, KIND, "orphan", utcnow())
    async with db.session() as s:  # an instance claims it, then dies
        [claimed] = await clock.claim(
            s, "dead-instance", now=utcnow(), horizon=utcnow(), lease_s=0.3, limit=10
        )
    await run_until_finished(db, kinds, tick_s=0.1, lease_s=0.3)
    assert await fired(db) == {"orphan": 1}
    async with db.session() as s:
        assert await clock.finish(s, claimed, "dead-instance") is False


async def test_unknown_kind_is_recorded_not_lost(db: Database, kinds: dict[str, Any]) -> None:
    async with db.session() as s:
        await clock.schedule(s, "nobody.handles", "x", utcnow(), max_attempts=1)
    await run_until_finished(db, kinds, tick_s=0.1)
    async with db.session(write=False) as s:
        timer = (await s.exec(select(Timer))).one()
    assert timer.state == TimerState.failed and "no handler" in (timer.last_error or "")


async def test_three_clock_loops_fire_each_of_1000_timers_once(
    db: Database, kinds: dict[str, Any]
) -> None:
    start = utcnow()
    async with db.session() as s:
        for i in range(1000):
            s.add(Timer(kind=KIND, ref=f"r{i}", due_at=start + timedelta(milliseconds=i * 2)))
    # small pools: three instances at the default (30 connections each at a peak) and a
    # test on the other xdist worker went past PostgreSQL's max_connections (100) in CI
    url = db.url.render_as_string(hide_password=False)
    loops = [Database(url, pool_size=6) for _ in range(3)]
    runners = [Clock(loop_db, tick_s=0.2, batch=200, concurrency=8, **kinds) for loop_db in loops]
    for runner in runners:
        runner.start()
    try:
        await wait_for(lambda: _all_finished(db), within=120)
    finally:
        for runner in runners:
            await runner.stop()
        await asyncio.gather(*(loop_db.dispose() for loop_db in loops))
    counts = await fired(db)
    assert len(counts) == 1000 and set(counts.values()) == {1}
    async with db.session(write=False) as s:
        owners = {t.claimed_by for t in await s.exec(select(Timer))}
    assert len(owners) >= 2  # the work really was shared


async def test_schedule_once_proposed_by_many_instances_at_once_makes_one_timer(
    db: Database,
) -> None:
    """Every instance proposes the day's job at the same moment: one timer, on PostgreSQL
    with truly concurrent transactions too."""

    async def propose() -> bool:
        async with db.session() as s:
            return await clock.schedule_once(s, KIND, "day:2026-12-02", utcnow()) is not None

    made = await asyncio.gather(*(propose() for _ in range(5)))
    assert made.count(True) == 1
    async with db.session(write=False) as s:
        timers = (await s.exec(select(Timer).where(Timer.ref == "day:2026-12-02"))).all()
    assert len(timers) == 1
    async with db.session() as s:  # also once it ran: never again
        assert await clock.schedule_once(s, KIND, "day:2026-12-02", utcnow()) is None


async def test_stopping_lets_a_job_in_its_transaction_finish(
    db: Database, kinds: dict[str, Any]
) -> None:
    """The scheduler cancels running jobs as it shuts down; a job in the middle of a write
    transaction still commits, and the database is free as soon as stop() returns."""
    inside = asyncio.Event()

    async def propose() -> None:
        async with db.session() as s:
            await clock.schedule_once(s, KIND, "day:stopping", utcnow() + timedelta(hours=1))
            inside.set()
            await asyncio.sleep(0.5)  # the stop comes now

    runner = Clock(db, **kinds, tick_s=0.2)
    runner.add_cron("test.proposal", propose, hour=0, minute=5)
    runner.start()
    await asyncio.wait_for(inside.wait(), 5)
    await runner.stop()
    assert not runner._jobs and not runner._in_flight
    async with asyncio.timeout(1), db.session() as s:  # the write lock is free
        assert await clock.cancel(s, KIND, "day:stopping") == 1


async def test_timers_due_together_fire_in_one_batch_and_a_broken_one_alone(
    db: Database,
) -> None:
    """A batch kind fires what falls due together in one transaction; when one of them
    fails, the batch is rolled back and each fires alone: the others on this attempt, the
    broken one recorded as failed."""
    BATCH_SIZES.clear()
    due = utcnow() + timedelta(milliseconds=300)
    async with db.session() as s:
        for i in range(20):
            await clock.schedule(s, KIND, f"b{i}", due)
        await clock.schedule(s, KIND, "broken", due, payload={"fail_times": 99}, max_attempts=1)
    await run_until_finished(db, {"batch_handlers": BATCH_HANDLERS}, tick_s=0.1)
    assert await fired(db) == {f"b{i}": 1 for i in range(20)}
    async with db.session(write=False) as s:
        timers = {t.ref: t for t in await s.exec(select(Timer))}
    assert {t.attempts for ref, t in timers.items() if ref != "broken"} == {1}
    assert timers["broken"].state == TimerState.failed
    assert BATCH_SIZES == [21, *[1] * 21]  # all together first, then one by one


async def test_finish_many_refuses_a_timer_claimed_again_since(db: Database) -> None:
    async with db.session() as s:
        await clock.schedule(s, KIND, "again", utcnow())
    async with db.session() as s:
        [first] = await clock.claim(s, "me", now=utcnow(), horizon=utcnow(), lease_s=0, limit=1)
    async with db.session() as s:  # the lease ran out: the same owner claims it again
        later = utcnow() + timedelta(seconds=1)
        [second] = await clock.claim(s, "me", now=later, horizon=later, lease_s=0, limit=1)
    assert second.attempts == first.attempts + 1
    with pytest.raises(clock.ClaimChanged):
        async with db.session() as s:
            await clock.finish_many(s, [first], "me")
    async with db.session() as s:
        assert await clock.finish_many(s, [second], "other") == set()
        assert await clock.finish_many(s, [second], "me") == {second.id}


async def test_schedule_many_moves_pending_timers_and_makes_the_others(db: Database) -> None:
    later, soon = utcnow() + timedelta(hours=1), utcnow() + timedelta(minutes=5)
    async with db.session() as s:
        await clock.schedule(s, KIND, "moved", later)
        await clock.schedule_many(s, KIND, [("moved", soon), ("new", soon)])
    async with db.session(write=False) as s:
        timers = (await s.exec(select(Timer).order_by(col(Timer.id)))).all()
    assert [(t.ref, t.due_at, t.state) for t in timers] == [
        ("moved", soon, TimerState.pending),  # moved, not doubled
        ("new", soon, TimerState.pending),
    ]
