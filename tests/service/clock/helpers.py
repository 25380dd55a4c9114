"""A timer handler for tests whose effect is an outbox event, so firings can be counted."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Awaitable, Callable

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from service.clock.models import Timer
from service.db import Database
from service.realtime import outbox

KIND = "test.record"


async def record(session: AsyncSession, timer: Timer) -> None:
    """Payload: ``fail_times`` (fail the first N attempts), ``sleep`` (seconds, mid-handler,
    on the first ``sleep_attempts`` attempts; default every attempt)."""
    if timer.attempts <= int(timer.payload.get("fail_times", 0)):
        raise RuntimeError(f"planned failure {timer.attempts}")
    if timer.payload.get("sleep") and timer.attempts <= int(
        timer.payload.get("sleep_attempts", 1_000)
    ):
        await asyncio.sleep(float(timer.payload["sleep"]))
    await outbox.append(
        session,
        topic="test",
        type="test.fired",
        data={"ref": timer.ref, "attempt": timer.attempts, "due_at": timer.due_at.isoformat()},
        org_id=None,
        org_path=None,
    )


async def record_many(session: AsyncSession, timers: list[Timer]) -> None:
    """``record`` as a batch handler: the timers that fall due together, in one call."""
    BATCH_SIZES.append(len(timers))
    for timer in timers:
        await record(session, timer)


HANDLERS = {KIND: record}
BATCH_HANDLERS = {KIND: record_many}
BATCH_SIZES: list[int] = []  # the size of each batch ``record_many`` was given


async def fired(db: Database) -> Counter[str]:
    """How often each ref's handler committed."""
    async with db.session(write=False) as s:
        rows = await s.exec(
            sa.text(  # type: ignore[call-overload]
                "SELECT data FROM outbox_event WHERE type = 'test.fired'"
            )
        )
        refs = [(json.loads(r[0]) if isinstance(r[0], str) else r[0])["ref"] for r in rows]
    return Counter(refs)


async def wait_for(predicate: Callable[[], Awaitable[bool]], within: float = 30.0) -> None:
    """Poll ``predicate`` until it holds; fail after ``within`` seconds."""
    async with asyncio.timeout(within):
        while not await predicate():  # noqa: ASYNC110  (polls the database)
            await asyncio.sleep(0.05)
