"""The batcher on both databases: each caller gets its own result once its batch has
committed, the batch's events reach the main loop's listeners first, and stopping answers
whoever still waits. On PostgreSQL a batcher with ``own_thread`` stores on a thread of its
own (``service.store_thread``); on SQLite on the main loop, as every other batcher."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from service.batching import Batcher
from service.db import Database
from service.errors import ServiceUnavailable
from service.realtime import outbox


class Echo(Batcher[int, tuple[int, int, str]]):
    """Stores each request as an outbox event; answers with its seq and the storing thread."""

    own_thread = True

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.sizes: list[int] = []
        self.hold = False  # batches wait until cancelled
        self.in_hand = threading.Event()  # a held batch is in hand (on whichever thread)

    async def _store(self, db: Database, requests: list[int]) -> Sequence[tuple[int, int, str]]:
        self.sizes.append(len(requests))
        if self.hold:
            self.in_hand.set()
            await asyncio.Event().wait()  # until cancelled
        async with db.session() as session:
            events = [
                await outbox.append(
                    session, topic="test", type="echo", data={"n": n}, org_id=None, org_path=None
                )
                for n in requests
            ]
            await asyncio.sleep(0.02)  # in the database a while: the next requests queue up
        thread = threading.current_thread().name
        return [(n, e.seq or 0, thread) for n, e in zip(requests, events, strict=True)]


async def test_each_caller_gets_its_result_after_the_events_are_published(db: Database) -> None:
    published: dict[int, str] = {}  # seq -> the thread the listener ran on

    async def listener(events: list[Any]) -> None:
        for event in events:
            published[event.seq] = threading.current_thread().name

    db.after_commit.append(listener)
    batcher = Echo(db)
    batcher.start()

    async def one(n: int) -> tuple[int, int, str]:
        await asyncio.sleep(n % 7 * 0.003)
        result = await batcher.submit(n)
        assert result[1] in published  # its event reached the listener before its answer
        return result

    try:
        results = await asyncio.gather(*(one(n) for n in range(300)))
    finally:
        await batcher.stop()
    assert [n for n, _, _ in results] == list(range(300))
    assert sorted(seq for _, seq, _ in results) == list(range(1, 301))  # each stored once
    assert set(published.values()) == {threading.current_thread().name}  # on the main loop
    assert len(batcher.sizes) < 300 and max(batcher.sizes) > 1  # shared transactions
    stored_on = {thread for _, _, thread in results}
    if db.is_sqlite:
        assert batcher.thread is None and stored_on == {threading.current_thread().name}
    else:
        assert batcher.thread is not None and stored_on == {"yingji-batch"}
        assert not batcher.thread.thread.is_alive()


async def test_stopping_answers_whoever_waits(db: Database) -> None:
    batcher = Echo(db)
    batcher.hold = True
    batcher.start()
    waiting = [asyncio.ensure_future(batcher.submit(n)) for n in range(5)]
    assert await asyncio.to_thread(batcher.in_hand.wait, 10)  # the others queue behind it
    waiting += [asyncio.ensure_future(batcher.submit(n)) for n in range(5, 8)]
    await asyncio.sleep(0.02)
    await asyncio.wait_for(batcher.stop(), 10)
    for future in waiting:
        with pytest.raises(ServiceUnavailable):
            await future
    if batcher.thread is not None:
        assert not batcher.thread.thread.is_alive()


async def test_a_batcher_stopped_before_any_request(db: Database) -> None:
    batcher = Echo(db)
    batcher.start()
    await asyncio.wait_for(batcher.stop(), 10)
    if batcher.thread is not None:
        assert not batcher.thread.thread.is_alive()


async def test_requests_after_stopping_are_answered_at_once(db: Database) -> None:
    batcher = Echo(db)
    batcher.start()
    assert await batcher.submit(1)
    await asyncio.wait_for(batcher.stop(), 10)
    with pytest.raises(ServiceUnavailable):
        await asyncio.wait_for(batcher.submit(2), 1)


async def test_a_cancelled_write_whose_rollback_fails_is_still_cancelled(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker told to stop in the middle of a write must stop: when the rollback of the
    cancelled statement fails too (its connection is gone), the caller sees the
    cancellation, not an ordinary error it would catch as a failed write and carry on."""
    broken = sa.exc.OperationalError("ROLLBACK", {}, Exception("connection is closed"))

    async def rollback(self: AsyncSession) -> None:
        raise broken

    monkeypatch.setattr(AsyncSession, "rollback", rollback)
    entered = asyncio.Event()

    async def write() -> None:
        async with db.session() as session:
            await session.execute(sa.text("SELECT 1"))
            entered.set()
            await asyncio.Event().wait()

    task = asyncio.ensure_future(write())
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    async def fail() -> None:  # an ordinary failure still reports the rollback's own
        async with db.session() as session:
            await session.execute(sa.text("SELECT 1"))
            raise ValueError("the write's own problem")

    with pytest.raises(sa.exc.OperationalError) as raised:
        await fail()
    assert isinstance(raised.value.__context__, ValueError)
