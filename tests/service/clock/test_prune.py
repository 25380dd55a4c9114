"""Finished timers and old proposals are deleted after the keep window, by a daily job
that fires once through the clock; nothing live or failed is touched."""

from __future__ import annotations

from datetime import timedelta

import pytest
from asgi_lifespan import LifespanManager
from pydantic import ValidationError
from sqlmodel import select

from service.app import create_app
from service.clock import prune
from service.clock import service as clock
from service.clock.models import Timer, TimerOnce, TimerState
from service.clock.runner import Clock
from service.db import Database, utcnow
from service.settings import Settings
from tests.service.clock.helpers import KIND, wait_for


async def _timers(db: Database) -> dict[str, TimerState]:
    async with db.session(write=False) as s:
        return {t.ref: t.state for t in await s.exec(select(Timer))}


async def _seed(db: Database) -> None:
    """Timers in every state, finished 40 days ago and yesterday, and two proposals."""
    now = utcnow()
    async with db.session() as s:
        for age, days in (("old", 40), ("new", 1)):
            finished = now - timedelta(days=days)
            for state in (TimerState.done, TimerState.cancelled, TimerState.failed):
                s.add(
                    Timer(
                        kind=KIND,
                        ref=f"{age}-{state}",
                        due_at=finished,
                        state=state,
                        finished_at=finished,
                    )
                )
        s.add(Timer(kind=KIND, ref="pending", due_at=now + timedelta(days=1)))
        s.add(Timer(kind=KIND, ref="running", due_at=now - timedelta(days=40), state="running"))
        s.add(TimerOnce(kind=KIND, ref="day:old", created_at=now - timedelta(days=40)))
        s.add(TimerOnce(kind=KIND, ref="day:new", created_at=now - timedelta(days=1)))


async def test_prune_deletes_what_finished_before_the_window_only(db: Database) -> None:
    await _seed(db)
    async with db.session() as s:
        pruned = await prune.prune(s, utcnow() - timedelta(days=30))
    assert pruned == {"timers": 2, "proposals": 1}
    assert sorted(await _timers(db)) == [
        "new-cancelled",
        "new-done",
        "new-failed",
        "old-failed",  # a job that gave up stays until someone looks
        "pending",
        "running",
    ]
    async with db.session(write=False) as s:
        assert [p.ref for p in await s.exec(select(TimerOnce))] == ["day:new"]
    async with db.session() as s:  # again: nothing more to do
        assert await prune.prune(s, utcnow() - timedelta(days=30)) == {"timers": 0, "proposals": 0}


async def test_the_daily_job_fires_once_through_the_clock(db: Database) -> None:
    """Two instances propose the day's prune; one timer fires, with the configured window,
    and stays (done) for the next day's run to delete."""
    await _seed(db)
    prune.CONFIG.keep_days = 7
    try:
        for _ in range(2):
            await prune.propose_daily(db)
        runner = Clock(db, tick_s=0.1, handlers={prune.PRUNE: prune.daily})
        runner.start()
        try:

            async def finished() -> bool:
                return (await _timers(db)).get(f"day:{utcnow().date()}") == TimerState.done

            await wait_for(finished)
        finally:
            await runner.stop()
    finally:
        prune.CONFIG.keep_days = 30
    async with db.session(write=False) as s:
        jobs = (await s.exec(select(Timer).where(Timer.kind == prune.PRUNE))).all()
    assert len(jobs) == 1 and jobs[0].attempts == 1
    left = await _timers(db)
    assert "old-done" not in left and "old-cancelled" not in left
    assert {"new-done", "new-cancelled", "old-failed", "pending", "running"} <= set(left)
    async with db.session() as s:  # proposing the same day again makes nothing
        assert await clock.schedule_once(s, prune.PRUNE, f"day:{utcnow().date()}", utcnow()) is None


def test_the_window_is_a_setting_of_at_least_a_week() -> None:
    assert Settings(secret_key="x" * 32, clock_keep_days=90).clock_keep_days == 90
    with pytest.raises(ValidationError, match="clock_keep_days"):
        Settings(secret_key="x" * 32, clock_keep_days=3)


async def test_each_instance_schedules_the_daily_proposal(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"clock_enabled": True, "clock_keep_days": 60}))
    try:
        async with LifespanManager(app, shutdown_timeout=30):
            job = app.state.clock.scheduler.get_job("clock.prune")
            assert (job.next_run_time.hour, job.next_run_time.minute) == (19, 30)  # UTC
            assert prune.CONFIG.keep_days == 60
    finally:
        prune.CONFIG.keep_days = 30
