"""The lean WebSocket load harness: N raw-asyncio clients and the publisher, one process.

Each client opens TCP, sends the upgrade request with a fixed key, sends
``{"op":"subscribe","topics":["*"]}`` as a masked text frame and waits for the
``subscribed`` reply. After that it only parses server frame headers (server frames are
unmasked) and counts text frames; it answers pings so the server keeps it.

The publisher lives in the same process, so "request sent" and "last client received"
are both read from this process's ``time.perf_counter()``. With ``--publish-log`` it also
reads when the server published each event (``bench.broadcast_server``,
``bench.ws_baseline``) and reports publish → last client received. Broadcasts go one at a time:
the next starts when every client has the previous one (or after ``--timeout``).
Client 0 keeps its payloads to check that frames arrive in order, one per publish.

Started by ``bench.broadcast``; prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import socket
import struct
import sys
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any, cast

import httpx

from bench.common import raise_nofile

KEY = "dGhlIHNhbXBsZSBub25jZQ=="  # the fixed Sec-WebSocket-Key of RFC 6455's example
SUBSCRIBE = json.dumps({"op": "subscribe", "topics": ["*"]}).encode()
OP_CONT, OP_TEXT, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x8, 0x9, 0xA


def client_frame(payload: bytes, opcode: int = OP_TEXT) -> bytes:
    """One masked client frame (RFC 6455 §5.3)."""
    n = len(payload)
    if n < 126:
        header = bytes([0x80 | opcode, 0x80 | n])
    elif n < 65_536:
        header = bytes([0x80 | opcode, 0x80 | 126]) + n.to_bytes(2, "big")
    else:
        header = bytes([0x80 | opcode, 0x80 | 127]) + n.to_bytes(8, "big")
    mask = os.urandom(4)
    if not n:
        return header + mask
    keystream = int.from_bytes((mask * (n // 4 + 1))[:n], "big")
    return header + mask + (int.from_bytes(payload, "big") ^ keystream).to_bytes(n, "big")


class Harness:
    """Counts, per broadcast, how many clients have it and when the first and last got it."""

    def __init__(self, clients: int, broadcasts: int) -> None:
        self.clients = clients
        self.received = [0] * broadcasts
        self.first_at = [0.0] * broadcasts
        self.last_at = [0.0] * broadcasts
        self.complete = [asyncio.Event() for _ in range(broadcasts)]
        self.probe: list[bytes] = []
        self.extra = 0
        self.close_codes: Counter[int] = Counter()
        self.dropped = 0  # connections lost after subscribing

    def on_event(self, client: Client, now: float) -> None:
        k = client.count
        client.count += 1
        if k >= len(self.received):
            self.extra += 1
            return
        got = self.received[k] + 1
        self.received[k] = got
        if got == 1:
            self.first_at[k] = now
        if got == self.clients:
            self.last_at[k] = now
            self.complete[k].set()


class Client(asyncio.Protocol):
    def __init__(self, harness: Harness, request: bytes, *, subscribe: bool, probe: bool) -> None:
        self.harness = harness
        self.request = request
        self.subscribe = subscribe
        self.probe = probe
        self.buffer = bytearray()
        self.upgraded = False
        self.closing = False
        self.count = 0
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.transport.write(self.request)

    def send(self, payload: bytes, opcode: int = OP_TEXT) -> None:
        assert self.transport is not None
        self.transport.write(client_frame(payload, opcode))

    def _fail(self, error: Exception) -> None:
        if not self.ready.done():
            self.ready.set_exception(error)
        if self.transport is not None:
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        buf = self.buffer
        buf += data
        if not self.upgraded:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(buf[: buf.find(b"\r\n")])
            if b" 101 " not in status:
                self._fail(ConnectionError(f"upgrade refused: {status[:60]!r}"))
                return
            del buf[: end + 4]
            self.upgraded = True
            if self.subscribe:
                self.send(SUBSCRIBE)
            else:
                self.ready.set_result(None)
        pos, size = 0, len(buf)
        while size - pos >= 2:
            first, length, head = buf[pos], buf[pos + 1] & 0x7F, 2
            if length == 126:
                if size - pos < 4:
                    break
                length, head = int.from_bytes(buf[pos + 2 : pos + 4], "big"), 4
            elif length == 127:
                if size - pos < 10:
                    break
                length, head = int.from_bytes(buf[pos + 2 : pos + 10], "big"), 10
            end = pos + head + length
            if end > size:
                break
            opcode = first & 0x0F
            if opcode in (OP_TEXT, OP_CONT) and first & 0x80:  # the last (only) fragment
                self._message(buf, pos + head, end, now)
            elif opcode == OP_PING:
                self.send(bytes(buf[pos + head : end]), OP_PONG)
            elif opcode == OP_CLOSE:
                code = int.from_bytes(buf[pos + head : pos + head + 2], "big") if length else 1005
                self.harness.close_codes[code] += 1
                self._fail(ConnectionError(f"closed by the server with {code}"))
            pos = end
        if pos:
            del buf[:pos]

    def _message(self, buf: bytearray, start: int, end: int, now: float) -> None:
        if not self.ready.done():  # the reply to our subscribe
            reply = json.loads(bytes(buf[start:end]))
            if reply.get("op") == "subscribed":
                self.ready.set_result(None)
            else:
                self._fail(ConnectionError(f"unexpected reply {reply}"))
            return
        if self.probe:
            self.harness.probe.append(bytes(buf[start:end]))
        self.harness.on_event(self, now)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.closing:
            return
        if self.ready.done():
            if not self.ready.cancelled() and self.ready.exception() is None:
                self.harness.dropped += 1  # it had subscribed
        else:
            self.ready.set_exception(exc or ConnectionError("connection closed"))

    def abort(self) -> None:
        """Close with a RST (SO_LINGER 0): no TIME_WAIT left behind to use up local ports."""
        if self.transport is None or self.transport.is_closing():
            return
        sock = self.transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
        self.closing = True  # a close we asked for is not a drop
        self.ready.cancel()
        self.transport.abort()


def upgrade_request(port: int, path: str) -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode()


async def open_client(
    harness: Harness, port: int, path: str, *, subscribe: bool, probe: bool, within: float
) -> Client:
    loop = asyncio.get_running_loop()
    client = Client(harness, upgrade_request(port, path), subscribe=subscribe, probe=probe)
    async with asyncio.timeout(within):
        await loop.create_connection(lambda: client, "127.0.0.1", port)
        await asyncio.shield(client.ready)
    return client


async def connect_all(
    harness: Harness, args: argparse.Namespace, path: str
) -> tuple[list[Client], Counter[str]]:
    """Open ``--clients`` subscribed clients, ``--concurrency`` handshakes at a time."""
    slots = asyncio.Semaphore(args.concurrency)
    errors: Counter[str] = Counter()

    async def one(i: int) -> Client | None:
        async with slots:
            try:
                return await open_client(
                    harness, args.port, path, subscribe=True, probe=i == 0, within=args.timeout
                )
            except (OSError, TimeoutError, ConnectionError, ValueError) as exc:
                errors[f"{type(exc).__name__}: {str(exc)[:80]}"] += 1
                return None

    opened = await asyncio.gather(*(one(i) for i in range(args.clients)))
    return [c for c in opened if c is not None], errors


Publish = Callable[[int], Awaitable[int]]


async def publisher(
    args: argparse.Namespace, harness: Harness
) -> tuple[Publish, Callable[[], Awaitable[None]]]:
    """``publish(k)`` makes broadcast k happen and returns a status; ``close()`` after."""
    if args.target == "ours":
        http = httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{args.port}",
            headers={"Authorization": f"Bearer {args.token}"},
            timeout=args.timeout,
        )
        run_id = uuid.uuid4().hex[:6]

        async def post(k: int) -> int:
            # one write, one event: a new village under the bench county
            body = {"name": f"bench {run_id} {k}", "kind": "village", "parent_id": args.parent}
            return (await http.post("/api/v1/orgs", json=body)).status_code

        return post, http.aclose

    control = await open_client(
        harness, args.port, "/control", subscribe=False, probe=False, within=args.timeout
    )

    async def trigger(k: int) -> int:
        control.send(json.dumps({"i": k + 1, "size": args.frame_bytes}).encode())
        return 200

    async def hang_up() -> None:
        control.abort()

    return trigger, hang_up


async def run(args: argparse.Namespace) -> dict[str, Any]:
    total = args.warmup + args.rounds
    harness = Harness(args.clients, total)
    path = f"/ws?token={args.token}" if args.target == "ours" else "/ws"
    started = time.perf_counter()
    clients, errors = await connect_all(harness, args, path)
    result: dict[str, Any] = {
        "target": args.target,
        "clients": args.clients,
        "connected": len(clients),
        "connect_errors": dict(errors),
        "connect_s": time.perf_counter() - started,
    }
    if len(clients) < args.clients:
        for client in clients:
            client.abort()
        result["error"] = f"only {len(clients)} of {args.clients} clients could subscribe"
        return result

    publish, close = await publisher(args, harness)
    latencies: list[float | None] = []
    first: list[float | None] = []
    statuses: Counter[int] = Counter()
    try:
        for k in range(total):
            sent = time.perf_counter()  # just before the request / trigger is sent
            statuses[await publish(k)] += 1
            try:
                await asyncio.wait_for(harness.complete[k].wait(), args.timeout)
                latencies.append(harness.last_at[k] - sent)
            except TimeoutError:
                latencies.append(None)  # someone never got it: counted as lost below
            first.append(harness.first_at[k] - sent if harness.received[k] else None)
            await asyncio.sleep(args.gap)
        await asyncio.sleep(max(args.gap, 0.5))  # let late or extra frames arrive
    finally:
        await close()
    lost = sum(max(0, total - c.count) for c in clients)
    measured = latencies[args.warmup :]
    published = published_to_last(args.publish_log, harness)
    for client in clients:
        client.abort()
    result |= {
        "broadcasts": args.rounds,
        "warmup": args.warmup,
        "publish_statuses": {str(k): v for k, v in statuses.items()},
        "last_received_s": measured,
        "first_received_s": first[args.warmup :],
        "published_to_last_s": published[args.warmup :],
        "lost_messages": lost,
        "extra_messages": harness.extra,
        "dropped_connections": harness.dropped,
        "close_codes": {str(k): v for k, v in harness.close_codes.items()},
        **check_probe(harness.probe, total),
    }
    return result


def published_to_last(path: str | None, harness: Harness) -> list[float | None]:
    """Per broadcast: the server's publish instant (its log, ``seq`` → ``perf_counter``,
    the machine-wide monotonic clock) → the last client received it here."""
    if not path:
        return [None] * len(harness.last_at)
    with open(path) as log:
        at = {int(seq): float(t) for seq, t in (line.split() for line in log if line.strip())}
    seqs = [json.loads(p).get("seq") for p in harness.probe]
    return [
        harness.last_at[k] - at[seqs[k]]
        if harness.complete[k].is_set() and k < len(seqs) and seqs[k] in at
        else None
        for k in range(len(harness.last_at))
    ]


def check_probe(payloads: list[bytes], total: int) -> dict[str, Any]:
    """Client 0's frames: one per publish, ``seq`` increasing by one, and their size."""
    seqs = [json.loads(p).get("seq") for p in payloads]
    in_order = len(seqs) == total and all(
        isinstance(a, int) and b == a + 1 for a, b in itertools.pairwise(seqs)
    )
    sizes = sorted(len(p) for p in payloads)
    return {"probe_in_order": in_order, "frame_bytes": sizes[len(sizes) // 2] if sizes else 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--target", choices=["ours", "baseline"], required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--clients", type=int, required=True)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--parent", type=int, help="ours: the org the villages go under")
    parser.add_argument("--frame-bytes", type=int, default=400, help="baseline: frame size")
    parser.add_argument("--concurrency", type=int, default=100, help="handshakes at a time")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--gap", type=float, default=0.2, help="seconds between broadcasts")
    parser.add_argument("--publish-log", help="the server's '<seq> <perf_counter>' lines")
    args = parser.parse_args()
    args.token = os.environ.get("BENCH_TOKEN", "")
    raise_nofile()
    try:
        import uvloop  # the loop uvicorn gives our server; the harness wants it as much
    except ImportError:
        result = asyncio.run(run(args))
    else:
        result = uvloop.run(run(args))
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
