"""``kill -9`` the clock while 100 timers are pending and 10 are mid-handler: after a
restart every timer fires exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import col, select

from service.clock import service as clock
from service.clock.models import Timer, TimerState
from service.db import Database, utcnow
from tests.service.clock.helpers import KIND, fired, wait_for

ROOT = Path(__file__).resolve().parents[2]


def start_worker(url: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.system.clock_worker", url],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _count(db: Database, state: TimerState) -> int:
    async with db.session(write=False) as s:
        return int(
            await s.scalar(
                select(sa.func.count()).select_from(Timer).where(col(Timer.state) == state)
            )
            or 0
        )


async def test_kill_9_mid_handler_then_restart_fires_each_timer_once(
    db: Database, database_url: str
) -> None:
    now = utcnow()
    async with db.session() as s:
        for i in range(10):  # these will be mid-handler when the process dies
            await clock.schedule(
                s, KIND, f"busy{i}", now, payload={"sleep": 30, "sleep_attempts": 1}
            )
        for i in range(100):  # these are still pending then (due once the first is dead)
            await clock.schedule(s, KIND, f"later{i}", now + timedelta(hours=1, seconds=i * 0.01))
    first = start_worker(database_url)
    try:

        async def busy() -> bool:
            return await _count(db, TimerState.running) == 10

        await wait_for(busy, within=20)
        assert await fired(db) == {}
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    assert await _count(db, TimerState.pending) == 100
    async with db.session() as s:  # the later ones fall due while no clock runs
        await s.execute(
            sa.update(Timer).where(col(Timer.ref).like("later%")).values(due_at=utcnow())
        )

    second = start_worker(database_url)
    try:

        async def all_done() -> bool:
            return await _count(db, TimerState.done) == 110

        await wait_for(all_done, within=60)
    finally:
        second.send_signal(signal.SIGKILL)
        second.wait()
    counts = await fired(db)
    assert len(counts) == 110 and set(counts.values()) == {1}
    async with db.session(write=False) as s:
        busy_timers = list(await s.exec(select(Timer).where(col(Timer.ref).like("busy%"))))
    assert all(t.attempts == 2 for t in busy_timers)  # the dead claim, then the takeover
