"""A client that stops reading is dropped with 4408; everyone else keeps up. Replies go
straight to the socket only when nothing is ahead of them."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator

import pytest
from websockets.client import ClientProtocol
from websockets.frames import Close
from websockets.uri import parse_uri

from service.auth.permissions import Principal
from service.realtime.hub import DIRECT_REPLY_BUFFER, Connection
from service.realtime.transport import text_frame
from service.settings import Settings
from tests.factories import World, bearer
from tests.service.realtime.conftest import Live, receive_events, serve, subscribe, write_events

RING = 100
BULK, BULK_PAD = 300, 50_000  # 15 MB: far more than the stalled reader's buffers hold
NEWS = 100


class StalledPhone:
    """A WebSocket client on a raw socket that subscribes, then stops reading entirely."""

    def __init__(self, url: str) -> None:
        self.protocol = ClientProtocol(parse_uri(url), max_size=None)
        uri = parse_uri(url)
        self.sock = socket.create_connection((uri.host, uri.port))
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        self.protocol.send_request(self.protocol.connect())
        self._flush()
        while self.protocol.handshake_exc is None and not self._handshake_done():
            self.protocol.receive_data(self.sock.recv(65536))
        self.protocol.events_received()

    def _handshake_done(self) -> bool:
        from websockets.protocol import State

        return self.protocol.state is State.OPEN

    def _flush(self) -> None:
        self.sock.sendall(b"".join(self.protocol.data_to_send()))

    def send(self, message: dict[str, object]) -> None:
        self.protocol.send_text(json.dumps(message).encode())
        self._flush()

    def read_until_closed(self, within: float) -> Close | None:
        """Resume reading; the close frame the server sent, once everything before it is read."""
        self.sock.settimeout(within)
        while self.protocol.close_rcvd is None:
            data = self.sock.recv(1 << 20)
            if not data:
                break
            self.protocol.receive_data(data)
            self.protocol.events_received()
        self.sock.close()
        return self.protocol.close_rcvd


@pytest.fixture
async def small_ring_live(settings: Settings) -> AsyncIterator[Live]:
    async for server in serve(
        settings.model_copy(update={"ws_ring_size": RING, "ws_max_buffer_bytes": 65536})
    ):
        yield server


async def test_slow_client_is_closed_4408_while_200_others_keep_up(
    small_ring_live: Live, world: World
) -> None:
    live = small_ring_live
    db = live.app.state.db  # written through the app, as the service's writers do
    token = bearer(world.root_admin)["Authorization"].split()[1]
    phone = await asyncio.to_thread(StalledPhone, f"{live.ws}/ws?token={token}")
    phone.send({"op": "subscribe", "topics": ["bulk"]})
    others = await asyncio.gather(*(live.client(token) for _ in range(200)))
    await asyncio.gather(*(subscribe(ws, ["people"]) for ws in others))

    started = time.monotonic()
    received = asyncio.gather(*(receive_events(ws, NEWS, within=60) for ws in others))
    bulk = asyncio.create_task(write_events(db, BULK, topic="bulk", size=BULK_PAD))
    news = await write_events(db, NEWS)
    await bulk
    results = await received
    elapsed = time.monotonic() - started
    assert all([e["seq"] for e in events] == news for events in results)
    assert elapsed < 30, elapsed

    hub = live.app.state.hub
    assert len(hub.connections) == 200  # the stalled phone was let go
    close = await asyncio.to_thread(phone.read_until_closed, 60)
    assert close is not None and close.code == 4408
    await asyncio.gather(*(ws.close() for ws in others))


@pytest.fixture
async def fast_ping_live(settings: Settings) -> AsyncIterator[Live]:
    async for server in serve(settings.model_copy(update={"ws_ping_interval_s": 0.3})):
        yield server


async def test_dead_connections_are_reaped_and_live_ones_kept(
    fast_ping_live: Live, world: World
) -> None:
    live = fast_ping_live
    token = bearer(world.root_admin)["Authorization"].split()[1]
    alive = await live.client(token)  # its library answers pings
    await subscribe(alive, ["*"])
    dead = await asyncio.to_thread(StalledPhone, f"{live.ws}/ws?token={token}")
    dead.send({"op": "subscribe", "topics": ["*"]})  # then never answers a ping
    hub = live.app.state.hub
    async with asyncio.timeout(10):
        while len(hub.connections) < 2:  # noqa: ASYNC110  (polls the hub)
            await asyncio.sleep(0.02)
        while len(hub.connections) > 1:  # noqa: ASYNC110  (polls the hub)
            await asyncio.sleep(0.1)
    await alive.send('{"op": "ping"}')
    assert json.loads(await asyncio.wait_for(alive.recv(), 5)) == {"op": "pong"}
    await alive.close()
    dead.sock.close()


async def test_a_client_that_asks_but_never_reads_the_replies_is_closed_4408(
    live: Live, world: World
) -> None:
    """Replies are written straight to the socket while the client keeps up; past a bound
    they queue, and a full queue closes the client: the server never buffers without end."""
    token = bearer(world.root_admin)["Authorization"].split()[1]
    phone = await asyncio.to_thread(StalledPhone, f"{live.ws}/ws?token={token}")
    hub = live.app.state.hub
    async with asyncio.timeout(10):
        while not hub.connections:  # noqa: ASYNC110  (polls the hub)
            await asyncio.sleep(0.02)
    (connection,) = hub.connections
    op = "x" * 8000  # each answer (unknown op, named in the reply) is about 8 KB

    def ask() -> None:
        for _ in range(3000):  # 24 MB of answers: far more than the socket buffers hold
            phone.send({"op": op})
            if connection.lagging.is_set():
                return

    await asyncio.to_thread(ask)
    assert connection.lagging.is_set()
    assert connection.raw is not None and connection.raw.buffered() < 2 << 20
    close = await asyncio.to_thread(phone.read_until_closed, 60)
    assert close is not None and close.code == 4408


class Socket:
    """What ``Connection.offer`` needs of uvicorn's protocol: the frames it was given."""

    def __init__(self, buffered: int = 0) -> None:
        self.frames: list[bytes] = []
        self.unsent = buffered

    def write_frame(self, frame: bytes) -> bool:
        self.frames.append(frame)
        return True

    def buffered(self) -> int:
        return self.unsent


@pytest.mark.parametrize(
    ("parked", "woken", "unsent", "direct"),
    [
        (True, False, 0, True),  # the writer waits with nothing to send: straight out
        (False, False, 0, False),  # the writer is busy: behind what it is sending
        (True, True, 0, False),  # woken for events: the reply goes after them
        (True, False, DIRECT_REPLY_BUFFER + 1, False),  # the client is behind: queued
    ],
)
def test_a_reply_goes_straight_to_the_socket_only_when_nothing_is_ahead_of_it(
    parked: bool, woken: bool, unsent: int, direct: bool
) -> None:
    socket_ = Socket(unsent)
    connection = Connection(Principal(None, "t", ()), raw=socket_)  # type: ignore[arg-type]
    connection.parked = parked
    if woken:
        connection.wake.set()
    connection.offer("control", '{"op": "pong"}')
    assert socket_.frames == ([text_frame('{"op": "pong"}')] if direct else [])
    assert connection.control.qsize() == (0 if direct else 1)
