"""The hub: one pump per process reads the outbox in ``seq`` order, encodes each event once
into a ring of recent frames, and wakes the local WebSocket writers.

``seq`` is handed out in commit order with no holes (see ``outbox``), so "every row after
the last one I dispatched" never skips an event, whoever wrote it. The pump wakes on a
local commit, on a Redis message from another instance, or every ``poll_s`` regardless.

Each connection keeps a cursor (the last seq it has been given) and sends from the ring
what it may see. The ring is the bound on how far a client may fall behind: one whose
cursor drops off the ring's tail is closed with 4408 and resumes with ``since``. Nobody
ever waits for a slow client; the pump only appends and wakes.

A connection that has caught up goes *live*: the pump writes new frames to its socket
itself. Live connections are grouped by audience (the same topics and the same grants see
the same events), so the pump decides once per audience which frames it gets, joins them
into one buffer, and the loop over the sockets only writes (as ``websockets.broadcast()``
does). While live, a connection's cursor is the hub's ``high_water``; it is written back
when the connection leaves live.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog

from service import jsontext
from service.auth.permissions import TOPIC_PERMISSIONS, Principal
from service.db import Database
from service.metrics import WEBSOCKETS
from service.realtime import outbox
from service.realtime.models import OutboxEvent
from service.realtime.transport import FrameWriter, text_frame

log = structlog.get_logger("yingji.hub")
# a reply is written directly only while its client keeps up; beyond this many unsent
# bytes it waits in the queue, whose bound closes a client that stopped reading
DIRECT_REPLY_BUFFER = 256 << 10

PUMP_BATCH = 1000
CLOSE_LAGGING = 4408
ALL_TOPICS = "*"
CONTROL_QUEUE = 64
STOP_WAIT_S = 2.0


AnyEvent = OutboxEvent | outbox.Event  # a row (replays), or committed here or read by the pump


def encode(event: AnyEvent) -> str:
    return jsontext.dumps(outbox.render(event))


def _seq(event: AnyEvent) -> int:
    return int(event.seq or 0)


class Frame:
    """One event in the ring. Its JSON and its whole WebSocket frame are built once, for
    every client, and only when some client is sent it."""

    __slots__ = ("_event", "_text", "_wire", "org_path", "seq", "topic")

    def __init__(self, event: AnyEvent) -> None:
        self.seq = _seq(event)
        self.topic = event.topic
        self.org_path = event.org_path
        self._event: AnyEvent | None = event
        self._text: str | None = None
        self._wire: bytes | None = None

    @property
    def text(self) -> str:
        if self._text is None:
            assert self._event is not None
            self._text, self._event = encode(self._event), None
        return self._text

    @property
    def wire(self) -> bytes:
        if self._wire is None:
            self._wire = text_frame(self.text)
        return self._wire


class Lagging(Exception):
    """The client's cursor fell off the ring."""


def _wants(topics: frozenset[str], principal: Principal, frame: Frame) -> bool:
    if ALL_TOPICS not in topics and frame.topic not in topics:
        return False
    permission = TOPIC_PERMISSIONS.get(frame.topic, "event.read")
    return principal.scope(permission).covers(frame.org_path)


AudienceKey = tuple[frozenset[str], tuple[Any, ...]]  # topics, grants


@dataclass(eq=False)
class Audience:
    """Live connections that see exactly the same events."""

    topics: frozenset[str]
    principal: Principal  # any member's: they all hold the same grants
    members: set[Connection] = field(default_factory=set)

    def wire(self, frames: Sequence[Frame]) -> bytes:
        return b"".join(f.wire for f in frames if _wants(self.topics, self.principal, f))


@dataclass(eq=False)
class Connection:
    """One subscriber: what it wants, what it may see, how far it has got."""

    principal: Principal
    topics: frozenset[str] = frozenset()
    cursor: int = 0  # every event up to here has been sent or skipped
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    control: asyncio.Queue[tuple[str, Any]] = field(
        default_factory=lambda: asyncio.Queue(CONTROL_QUEUE)
    )
    lagging: asyncio.Event = field(default_factory=asyncio.Event)
    replaying: bool = False  # reading the outbox table, so far behind the ring on purpose
    raw: FrameWriter | None = None  # direct frame writes, when the server offers them
    live: bool = False  # caught up and idle: the pump writes to it directly
    parked: bool = False  # its writer has sent everything it had and waits to be woken
    # the context its replies are made in (that of the task that attached it)
    context: contextvars.Context = field(default_factory=contextvars.copy_context)

    def wants(self, frame: Frame) -> bool:
        return _wants(self.topics, self.principal, frame)

    def offer(self, kind: str, payload: Any) -> None:
        """Queue a control item (reply, subscription) without waiting. A reply to a
        connection whose writer has nothing to send is written straight to its socket, as
        the pump writes events to live ones (a whole frame: writers never interleave)."""
        if (
            kind == "control"
            and self.parked
            and not self.wake.is_set()
            and self.raw is not None
            and self.raw.buffered() <= DIRECT_REPLY_BUFFER
            and self.raw.write_frame(text_frame(payload))
        ):
            return
        try:
            self.control.put_nowait((kind, payload))
        except asyncio.QueueFull:
            self.lagging.set()
        self.wake.set()


class Hub:
    def __init__(
        self,
        db: Database,
        *,
        ring_size: int = 10_000,
        poll_s: float = 1.0,
        max_buffer_bytes: int = 4 << 20,
    ) -> None:
        self.db = db
        self.poll_s = poll_s
        self.max_buffer_bytes = max_buffer_bytes
        self.high_water = 0
        self.ring: deque[Frame] = deque(maxlen=ring_size)
        self.connections: set[Connection] = set()
        self.audiences: dict[AudienceKey, Audience] = {}
        self.live_count = 0
        self.subscribed_count = 0  # connections with topics, live or not
        self.notifiers: list[Callable[[int], Awaitable[None]]] = []  # e.g. Redis publish
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._local: list[AnyEvent] = []  # committed here, not yet dispatched
        self._read_table = True  # woken by another instance or the poll: read the outbox
        self._dispatching = False  # the pump is reading the table: commits leave it the rest

    async def start(self) -> None:
        async with self.db.session(write=False) as session:
            self.high_water = await outbox.latest_seq(session)
        self._task = asyncio.create_task(self._pump(), name="outbox-pump")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=STOP_WAIT_S)  # bounded, whatever it was doing
        self.connections.clear()
        self.audiences.clear()
        self.live_count = self.subscribed_count = 0
        WEBSOCKETS.set(0)

    def attach(self, principal: Principal, raw: FrameWriter | None = None) -> Connection:
        connection = Connection(principal, cursor=self.high_water, raw=raw)
        self.connections.add(connection)
        WEBSOCKETS.set(len(self.connections))
        return connection

    def detach(self, connection: Connection) -> None:
        self.leave_live(connection)
        if connection in self.connections:
            self.connections.discard(connection)
            self.subscribed_count -= bool(connection.topics)
        WEBSOCKETS.set(len(self.connections))

    def subscribe(self, connection: Connection, topics: frozenset[str]) -> None:
        """Set what the connection wants (its writer holds it: it is not live)."""
        assert not connection.live
        if connection in self.connections:
            self.subscribed_count += bool(topics) - bool(connection.topics)
        connection.topics = topics

    def go_live(self, connection: Connection) -> None:
        """The connection's writer has sent everything up to ``high_water`` and waits: from
        now on the pump writes its new frames straight to its socket."""
        if connection.live or connection.raw is None or not connection.topics:
            return
        if connection not in self.connections or connection.cursor != self.high_water:
            return  # detached, or not caught up after all: its writer goes on
        key = (connection.topics, connection.principal.grants)
        audience = self.audiences.get(key)
        if audience is None:
            audience = self.audiences[key] = Audience(connection.topics, connection.principal)
        audience.members.add(connection)
        connection.live = True
        self.live_count += 1

    def leave_live(self, connection: Connection) -> None:
        """Hand the connection back to its writer, with the cursor where the pump left it."""
        if not connection.live:
            return
        connection.live = False
        connection.cursor = self.high_water  # the pump wrote every frame up to here
        self.live_count -= 1
        key = (connection.topics, connection.principal.grants)
        audience = self.audiences.get(key)
        if audience is not None:
            audience.members.discard(connection)
            if not audience.members:
                del self.audiences[key]

    @property
    def first_seq(self) -> int:
        """The oldest seq the ring still holds (or the next one, when it is empty)."""
        return self.ring[0].seq if self.ring else self.high_water + 1

    def frames_after(self, cursor: int) -> list[Frame]:
        """Ring frames after ``cursor``; Lagging when some of them are gone already."""
        if cursor >= self.high_water:
            return []
        first = self.first_seq
        if cursor < first - 1:
            raise Lagging(cursor)
        start = cursor + 1 - first
        return [self.ring[i] for i in range(start, len(self.ring))]

    def _append(self, events: Sequence[AnyEvent]) -> None:
        frames = [Frame(event) for event in events]
        if frames:
            self.ring.extend(frames)
            self.high_water = frames[-1].seq
            self._fan_out(frames)

    def _fan_out(self, frames: list[Frame]) -> None:
        """Write new frames to live connections; wake the others' writers."""
        limit = self.max_buffer_bytes
        stuck: list[Connection] = []
        for audience in self.audiences.values():
            wire = audience.wire(frames)
            if not wire:
                continue
            for connection in audience.members:
                raw = connection.raw
                assert raw is not None
                if raw.buffered() > limit:
                    stuck.append(connection)  # it stopped reading: let it resume with since
                else:
                    raw.write_frame(wire)
        for connection in stuck:
            self._drop(connection)
        if self.live_count == self.subscribed_count:
            return  # nobody is catching up: nothing to wake
        first = self.first_seq
        for connection in list(self.connections):
            if connection.live or not connection.topics:
                continue  # written above, or not subscribed (yet): nothing to wake
            if connection.cursor < first - 1 and not connection.replaying:
                self._drop(connection)  # its writer is stuck on a full socket
            else:
                connection.wake.set()

    def _drop(self, connection: Connection) -> None:
        connection.lagging.set()
        self.detach(connection)

    async def committed(self, events: list[Any]) -> None:
        """After-commit listener: dispatch right away when the events continue the ring
        (the pump otherwise), and tell the other instances."""
        if not events:
            return
        self._local.extend(events)
        try:
            taken = not self._dispatching and not self._read_table and self._take_local()
        except Exception:  # the write is committed whatever happens here: leave it to the pump
            log.exception("dispatching committed events failed; the pump reads the outbox")
            self._read_table, taken = True, False
        if not taken:
            self._wake.set()
        last = max(int(e.seq) for e in events)
        for notify in self.notifiers:
            await notify(last)

    def wake(self) -> None:
        """Something may have been written elsewhere: read the outbox."""
        self._read_table = True
        self._wake.set()

    async def _pump(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), self.poll_s)
            except TimeoutError:
                self._read_table = True
            self._wake.clear()
            try:
                await self.dispatch_new()
            except asyncio.CancelledError:
                raise
            except Exception:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise  # shutting down: a cancelled read fails its rollback; not an error
                log.exception("outbox pump failed; retrying")
                await asyncio.sleep(self.poll_s)

    def _take_local(self) -> bool:
        """Append the events this process committed, if they continue the ring without a
        gap (seq order is commit order); False leaves them to a read of the table."""
        local = sorted((e for e in self._local if _seq(e) > self.high_water), key=_seq)
        if not all(_seq(e) == self.high_water + 1 + i for i, e in enumerate(local)):
            return False
        self._local.clear()
        self._append(local)
        return True

    async def dispatch_new(self) -> None:
        """Append every committed event after ``high_water`` to the ring; wake the writers.

        Events this process committed are taken as they are when they continue the ring;
        otherwise, and whenever another instance or the poll woke us, the outbox table is
        read.
        """
        self._dispatching = True
        try:
            if not self._read_table and self._take_local():
                return
            self._local.clear()
            self._read_table = False
            while True:
                async with self.db.session(write=False) as session:
                    events = await outbox.after(session, self.high_water, PUMP_BATCH)
                self._append(events)
                if len(events) < PUMP_BATCH:
                    return
        finally:
            self._dispatching = False
