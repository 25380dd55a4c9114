"""A batcher's workers on a thread of their own, with their own event loop and connections.

Why: when thousands of phones answer at once, the main loop reads the whole flood in one
turn (libuv hands it every readable socket in one poll), and only then looks at the
database's replies again. A batch makes several round trips, so on the main loop each of
them waited for the whole flood: the answers were stored only after the reading was over,
with the second core idle meanwhile. On a thread of its own a batch's round trip waits at
most for the interpreter's switch interval (5 ms), and the database works while the main
loop reads.

PostgreSQL only: SQLite's writer lock belongs to the main loop, and its driver has a
thread per connection already. The thread has its own ``Database`` (an engine's
connections belong to the loop that opened them). Whatever must happen on the main loop
is handed to it in order, with ``call_soon_threadsafe``: first the committed events (to
the main ``Database``'s after-commit listeners: the hub, the other instances), then the
batch's results (the callers' futures, which belong to the main loop).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable, Sequence, Sized
from typing import Any

import structlog

from service.db import Database

try:  # the loop uvicorn runs on, where installed
    import uvloop

    new_event_loop: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
except ImportError:  # pragma: no cover
    new_event_loop = asyncio.new_event_loop

log = structlog.get_logger("yingji.batching")
WORKERS = 2  # one batch is prepared while the other waits on the database
STOP_WAIT_S = 30.0  # longest wait for the thread when stopping (a batch in the database)
Wait = Callable[[], Awaitable[None]]
# hands a batch's results (None: the worker is shutting down) to its callers' futures
Done = Callable[[list[Any], Sequence[Any] | None], None]
Worker = Callable[[Database, Wait, Done], Awaitable[None]]


class StoreThread:
    """``WORKERS`` workers of one batcher (``worker``: ``Batcher.run``) on a thread."""

    def __init__(self, db: Database, worker: Worker, queued: Sized, settle: Done) -> None:
        self.main_db = db
        self.main = asyncio.get_running_loop()
        self.worker = worker
        self.queued = queued  # the callers' futures: not empty when there is work
        self.settle = settle  # on the main loop: a batch's results to its callers
        self.loop = new_event_loop()
        self.wakeup = asyncio.Event()  # the workers', bound to the thread's loop on first wait
        self.idle = False  # a worker waits for ``wakeup``: the next request must set it
        self.publishing: set[asyncio.Task[None]] = set()  # on the main loop
        self.serving: asyncio.Task[None] | None = None
        self.thread = threading.Thread(target=self._main, name="yingji-batch", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def wake(self) -> None:
        """Requests were queued (from the main loop)."""
        if self.idle:
            self.idle = False
            with contextlib.suppress(RuntimeError):  # its loop closed: stopped (or died)
                self.loop.call_soon_threadsafe(self.wakeup.set)

    async def stop(self) -> None:
        """Stop the workers (a batch in hand is answered ``shutting_down``) and the thread."""
        if self.thread.is_alive():
            with contextlib.suppress(RuntimeError):  # its loop closed meanwhile
                self.loop.call_soon_threadsafe(self._cancel)
            await asyncio.to_thread(self.thread.join, STOP_WAIT_S)
            if self.thread.is_alive():
                log.warning("the batch thread did not stop", waited_s=STOP_WAIT_S)
        await asyncio.gather(*self.publishing, return_exceptions=True)

    def _cancel(self) -> None:
        if self.serving is not None:
            self.serving.cancel()

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.serving = self.loop.create_task(self._serve())
            self.loop.run_until_complete(self.serving)
        except asyncio.CancelledError:
            pass  # stopped
        except Exception:  # pragma: no cover  (the workers catch their batches' failures)
            log.exception("the batch thread failed")
        finally:
            self.loop.close()

    async def _serve(self) -> None:
        db = self.main_db.twin(pool_size=WORKERS)
        db.after_commit.append(self._committed)
        try:
            await asyncio.gather(*(self._connect(db) for _ in range(WORKERS)))
            await asyncio.gather(*(self.worker(db, self._wait, self._done) for _ in range(WORKERS)))
        finally:
            await db.dispose()

    @staticmethod
    async def _connect(db: Database) -> None:
        """Open a worker's connection now rather than in the first flood of requests
        (setting one up takes several round trips)."""
        try:
            await db.ping()
        except Exception as exc:  # the database is down: the workers connect when they can
            log.warning("batch thread could not connect yet", error=type(exc).__name__)

    async def _wait(self) -> None:
        while not self.queued:
            self.wakeup.clear()
            self.idle = True
            if self.queued:  # queued before ``idle`` was seen: maybe no wake-up coming.
                return  # ``idle`` stays set: the other worker may sleep, and must be woken
            await self.wakeup.wait()

    async def _committed(self, events: list[Any]) -> None:
        if events:
            self._to_main(self._publish, events)

    def _done(self, futures: list[Any], results: Sequence[Any] | None) -> None:
        self._to_main(self.settle, futures, results)

    def _to_main(self, callback: Callable[..., None], *args: Any) -> None:
        try:
            self.main.call_soon_threadsafe(callback, *args)
        except RuntimeError:  # the main loop is closed: nobody is left to tell
            log.warning("the main loop closed before the batch thread", callback=callback.__name__)

    def _publish(self, events: list[Any]) -> None:
        """On the main loop: the committed events to its after-commit listeners. Its first
        step runs before the batch's callers are answered (queued after it)."""
        task = self.main.create_task(self.main_db.committed(events))
        self.publishing.add(task)
        task.add_done_callback(self._published)

    def _published(self, task: asyncio.Task[None]) -> None:
        self.publishing.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("after-commit listener failed", exc_info=task.exception())
