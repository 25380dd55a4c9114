"""The clock loop: APScheduler ticks, each tick claims due timers and fires them.

Every instance may run it. A handler runs in its own transaction together with the
conditional "done" mark, so its effects commit once: if the process dies mid-handler,
nothing was committed and another instance re-claims the timer when the lease runs out;
if the lease ran out while a slow handler was still working, its late commit is refused.

A kind with a batch handler (thousands of answer deadlines in one minute) fires the timers
that fall due together in one transaction: the "done" marks are one statement, and the
handler reads and writes for all of them at once. If the batch fails, its timers fire one
by one, so one broken timer is retried alone and the others go through.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, timedelta
from typing import Any

import structlog
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlmodel.ext.asyncio.session import AsyncSession

from service.batching import Batcher
from service.clock import service
from service.clock.models import Timer
from service.db import Database, utcnow
from service.metrics import TIMERS_FIRED

log = structlog.get_logger("yingji.clock")

Handler = Callable[[AsyncSession, Timer], Awaitable[None]]
BatchHandler = Callable[[AsyncSession, list[Timer]], Awaitable[None]]
HANDLERS: dict[str, Handler] = {}
BATCH_HANDLERS: dict[str, BatchHandler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the handler of a timer kind. Handlers must be idempotent."""

    def register(func: Handler) -> Handler:
        HANDLERS[kind] = func
        return func

    return register


def batch_handler(kind: str) -> Callable[[BatchHandler], BatchHandler]:
    """Register the handler of a timer kind whose timers fire together: it is given the due
    timers this instance still holds, already marked done in its transaction. Like
    ``handler``, it must be idempotent."""

    def register(func: BatchHandler) -> BatchHandler:
        BATCH_HANDLERS[kind] = func
        return func

    return register


class LostClaim(Exception):
    """Another owner took the timer over, or it was cancelled, while the handler ran."""


class Clock:
    def __init__(
        self,
        db: Database,
        *,
        tick_s: float = 1.0,
        lease_s: float = 60.0,
        batch: int = 500,
        concurrency: int = 32,
        handlers: dict[str, Handler] | None = None,
        batch_handlers: dict[str, BatchHandler] | None = None,
    ) -> None:
        """``handlers`` and ``batch_handlers``: by default every registered one; a caller
        that gives either gets only what it gives."""
        self.db = db
        self.tick_s = tick_s
        self.lease_s = lease_s
        self.batch = batch
        if handlers is None and batch_handlers is None:
            handlers, batch_handlers = HANDLERS, BATCH_HANDLERS
        self.handlers = handlers or {}
        self.batch_handlers = batch_handlers or {}
        self._batches: dict[str, _Batch] = {}
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self._slots = asyncio.Semaphore(concurrency)
        self._in_flight: set[asyncio.Task[None]] = set()
        self._jobs: set[asyncio.Task[Any]] = set()  # scheduler job bodies now running

    def add_cron(
        self,
        job_id: str,
        func: Callable[[], Awaitable[Any]],
        *,
        catch_up: bool = True,
        **cron: Any,
    ) -> None:
        """A fixed job (daily checks …) under a fixed id, so restarts never double it.

        With ``catch_up`` it also runs once when the clock starts, so a run missed while
        no instance was up is not lost until the next one: such jobs only propose their
        run (``service.schedule_once``), so proposing it again is harmless."""

        run = self._guarded(func)
        if catch_up:
            self.scheduler.add_job(
                run,
                DateTrigger(run_date=utcnow()),
                id=f"{job_id}.catch_up",
                replace_existing=True,
                misfire_grace_time=None,
            )
        self.scheduler.add_job(
            run,
            CronTrigger(**cron),
            id=job_id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,  # run late rather than skip the day
        )

    def _guarded(self, func: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[None]]:
        """A job body that outlives the scheduler's shutdown.

        APScheduler cancels every running job when it shuts down. A body cancelled inside a
        write transaction rolls back only when the loop next runs it, after ``stop`` has
        returned and the engine is gone, so on SQLite its connection would keep the write
        lock. The body runs in its own task instead, which ``stop`` waits for."""

        async def run() -> None:  # a coroutine function: the scheduler awaits it on the loop
            task = asyncio.ensure_future(func())
            self._jobs.add(task)
            task.add_done_callback(self._jobs.discard)
            with contextlib.suppress(asyncio.CancelledError):  # the shutdown: stop() waits
                await asyncio.shield(task)

        return run

    def start(self) -> None:
        self.scheduler.add_job(
            self._guarded(self.tick),
            IntervalTrigger(seconds=self.tick_s),
            id="clock.tick",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            next_run_time=utcnow(),
        )
        self.scheduler.start()
        for kind, func in self.batch_handlers.items():
            self._batches[kind] = _Batch(self, kind, func)
            self._batches[kind].start()
        log.info("clock started", owner=self.owner)

    async def stop(self) -> None:
        """Stop scheduling; let running job bodies (a claim, a daily proposal) finish, then
        cancel the handlers still waiting or running and wait for their rollbacks."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self._jobs:
            await asyncio.wait(set(self._jobs), timeout=10)
        running = [*self._jobs, *self._in_flight]
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        for batch in self._batches.values():
            await batch.stop()  # a batch in its transaction is rolled back
        self._batches.clear()

    async def tick(self) -> int:
        """Claim what falls due before the next tick and fire each at its time."""
        claimed = 0
        while True:
            room = self.batch - len(self._in_flight)
            if room <= 0:
                break
            now = utcnow()
            async with self.db.session() as session:
                timers = await service.claim(
                    session,
                    self.owner,
                    now=now,
                    horizon=now + timedelta(seconds=self.tick_s),
                    lease_s=self.lease_s,
                    limit=room,
                )
            for timer in timers:
                task = asyncio.create_task(self._fire(timer))
                self._in_flight.add(task)
                task.add_done_callback(self._in_flight.discard)
            claimed += len(timers)
            if len(timers) < room:
                break
        return claimed

    async def _fire(self, timer: Timer) -> None:
        delay = (timer.due_at - utcnow()).total_seconds()
        if delay > 0:
            await asyncio.sleep(delay)
        batch = self._batches.get(timer.kind)
        if batch is not None:
            await batch.enqueue(timer)  # done once its batch has committed
            return
        async with self._slots:
            try:
                async with self.db.session() as session:
                    func = self.handlers.get(timer.kind)
                    if func is None:
                        raise LookupError(f"no handler for timer kind {timer.kind!r}")
                    await func(session, timer)
                    if not await service.finish(session, timer, self.owner):
                        raise LostClaim(timer.id)
                TIMERS_FIRED.labels(timer.kind, "done").inc()
            except LostClaim:
                log.warning("timer lost its claim", timer_id=timer.id, kind=timer.kind)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                await self._failed(timer, exc)

    async def _fire_together(self, kind: str, func: BatchHandler, timers: list[Timer]) -> None:
        """One transaction for ``timers``; one each if that fails."""
        try:
            async with self.db.session() as session:
                held = await service.finish_many(session, timers, self.owner)
                if held:
                    await func(session, [t for t in timers if t.id in held])
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if len(timers) > 1:
                for timer in timers:
                    await self._fire_together(kind, func, [timer])
            elif isinstance(exc, service.ClaimChanged):
                log.warning("timer lost its claim", timer_id=timers[0].id, kind=kind)
            else:
                await self._failed(timers[0], exc)
            return
        TIMERS_FIRED.labels(kind, "done").inc(len(held))
        for timer in timers:
            if timer.id not in held:
                log.warning("timer lost its claim", timer_id=timer.id, kind=kind)

    async def _failed(self, timer: Timer, exc: Exception) -> None:
        async with self.db.session() as session:
            state = await service.fail(session, timer, self.owner, f"{type(exc).__name__}: {exc}")
        TIMERS_FIRED.labels(timer.kind, state.value).inc()
        log.warning(
            "timer failed",
            timer_id=timer.id,
            kind=timer.kind,
            attempts=timer.attempts,
            state=state.value,
            error=type(exc).__name__,
        )


class _Batch(Batcher[Timer, None]):
    """The due timers of one batch kind: whatever fell due while the previous batch was in
    its transaction fires in the next one, up to ``max_batch``. A batch of recalls writes
    each person's deliveries, so it is kept short: on SQLite it holds the one writer lock
    (2,000 deadlines in one process: 0.15 ms of CPU each in batches of up to 1,000, 0.24 ms
    in batches of 100, 7 ms one by one)."""

    max_batch = 200

    def __init__(self, clock: Clock, kind: str, func: BatchHandler) -> None:
        super().__init__(clock.db)
        self.clock, self.kind, self.func = clock, kind, func

    async def _store(self, db: Database, requests: list[Timer]) -> list[None]:
        try:  # through the clock's own database (``db`` is the same: no thread of its own)
            await self.clock._fire_together(self.kind, self.func, requests)
        except asyncio.CancelledError:
            raise
        except Exception:  # the database is gone: the claims run out and are taken again
            log.exception("timer batch failed", kind=self.kind, timers=len(requests))
        return [None] * len(requests)
