"""Group commit: requests that arrive together share one transaction.

A batcher is a process's queue of write requests and the workers that store them: each
worker takes whatever has queued up (up to ``max_batch``) and stores it in one transaction
(``_store``, the domain's part). Each caller is answered only after that transaction has
committed, so a confirmed write is durable. SQLite has one writer, so one worker; on
PostgreSQL a second batch is prepared while the first waits on the database.

``_store`` returns one result per request, in order: the value for the caller, or the
exception to raise in the caller (a problem answered as 4xx, or the database's failure).
A caller must not hold a write session while it waits: on SQLite the batch would wait for
its writer lock forever.

A batcher whose requests come in floods on the main event loop (thousands of phones
answering at once over the WebSocket) sets ``own_thread``: on PostgreSQL its workers then
run on a thread of their own (``service.store_thread``), so a batch's round trips to the
database are not queued behind the whole flood's reads.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

from service.db import Database
from service.errors import ServiceUnavailable
from service.store_thread import Done, StoreThread

Request = TypeVar("Request")
Result = TypeVar("Result")


class Batcher(Generic[Request, Result]):
    max_batch = 1000
    own_thread = False  # PostgreSQL: store on a thread of its own (see the module's doc)

    def __init__(self, db: Database) -> None:
        self.db = db
        # deques and an event rather than an asyncio.Queue: queuing is on the path of
        # every request, and a worker takes everything queued at once. The requests and
        # their futures in two deques, in step: no pair object per waiting request. A
        # request is queued before its future, so a worker (on whichever thread) that
        # counts the futures finds as many requests
        self.queue: deque[Request] = deque()
        self.futures: deque[asyncio.Future[Result | BaseException]] = deque()
        self.queued = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.thread: StoreThread | None = None
        self.stopping = False  # no more requests are taken

    def start(self) -> None:
        if self.own_thread and not self.db.is_sqlite:
            self.thread = StoreThread(self.db, self.run, self.futures, settle)
            self.thread.start()
            return
        workers = 1 if self.db.is_sqlite else 2
        self.task = asyncio.create_task(self._workers(workers))

    async def _workers(self, count: int) -> None:
        await asyncio.gather(*(self.run(self.db, self._wait, settle) for _ in range(count)))

    async def _wait(self) -> None:
        while not self.futures:
            self.queued.clear()
            await self.queued.wait()

    async def stop(self) -> None:
        """Stop the workers; whoever still waits is told the service is shutting down."""
        self.stopping = True
        if self.thread is not None:
            await self.thread.stop()
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        self.queue.clear()
        settle(list(self.futures), None)
        self.futures.clear()

    def enqueue(self, request: Request) -> asyncio.Future[Result | BaseException]:
        """Queue the request; the future is done once the batch holding it has committed,
        with the result or the problem to answer (for a caller that does not wait in a task
        of its own: the WebSocket's answers)."""
        future: asyncio.Future[Result | BaseException] = asyncio.get_running_loop().create_future()
        if self.stopping:
            future.set_result(ServiceUnavailable("shutting_down"))
            return future
        self.queue.append(request)
        self.futures.append(future)
        if self.thread is None:
            self.queued.set()
        else:
            self.thread.wake()
        return future

    async def submit(self, request: Request) -> Result:
        """Queue the request; its result once the batch holding it has committed."""
        result = await self.enqueue(request)
        if isinstance(result, BaseException):
            raise result
        return result

    async def run(self, db: Database, wait: Callable[[], Awaitable[None]], done: Done) -> None:
        """A worker: batches stored through ``db``, once ``wait`` says requests are queued;
        ``done`` hands each batch's results to its callers."""
        while True:
            await wait()
            size = min(self.max_batch, len(self.futures))
            requests = [self.queue.popleft() for _ in range(size)]
            futures = [self.futures.popleft() for _ in range(size)]
            try:
                results = await self._store(db, requests)
            except BaseException:  # cancelled (shutdown) with a batch in hand
                done(futures, None)
                raise
            done(futures, results)

    async def _store(
        self, db: Database, requests: list[Request]
    ) -> Sequence[Result | BaseException]:
        raise NotImplementedError


def settle(futures: list[asyncio.Future[Any]], results: Sequence[object] | None) -> None:
    """Each caller's result, or (``None``) that the service is shutting down."""
    if results is None:
        for future in futures:
            if not future.done():
                future.set_result(ServiceUnavailable("shutting_down"))
        return
    for future, result in zip(futures, results, strict=True):
        if not future.done():
            future.set_result(result)
