"""The broadcast baseline: a bare ``websockets`` server and nothing else.

Clients connect to ``/ws``, send a subscribe message and get ``{"op": "subscribed"}`` back,
as with our server. A message ``{"i": N, "size": BYTES}`` on the ``/control`` connection
makes it call ``websockets.broadcast()`` with one JSON event frame of about BYTES to every
subscriber, and note the instant it did in the file named by ``BENCH_PUBLISH_LOG``. It
prints its port on stdout once it listens, then serves until killed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import time
from datetime import UTC, datetime

import websockets
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

subscribers: set[ServerConnection] = set()
# "<seq> <perf_counter>" per broadcast, as bench.broadcast_server notes ours
publish_log = open(os.environ["BENCH_PUBLISH_LOG"], "a", buffering=1)


def event_frame(i: int, size: int) -> str:
    """An event shaped like ours (seq, topic, type, data, at, org_id), padded to ``size``."""
    event = {
        "seq": i,
        "topic": "orgs",
        "type": "org.created",
        "data": {"pad": ""},
        "at": datetime.now(UTC).isoformat(),
        "org_id": i,
    }
    bare = len(json.dumps(event, separators=(",", ":")))
    event["data"] = {"pad": "x" * max(0, size - bare)}
    return json.dumps(event, separators=(",", ":"))


async def handler(ws: ServerConnection) -> None:
    assert ws.request is not None
    if ws.request.path.startswith("/control"):
        with contextlib.suppress(ConnectionClosed):  # the harness hangs up when done
            async for message in ws:
                request = json.loads(message)
                frame = event_frame(int(request["i"]), int(request["size"]))
                published = time.perf_counter()
                websockets.broadcast(subscribers, frame)
                publish_log.write(f"{request['i']} {published}\n")
        return
    request = json.loads(await ws.recv())
    topics = request.get("topics", []) if isinstance(request, dict) else []
    await ws.send(json.dumps({"op": "subscribed", "topics": topics, "since": 0}))
    subscribers.add(ws)
    try:
        await ws.wait_closed()
    finally:
        subscribers.discard(ws)


async def main(port: int) -> None:
    # the same accept backlog as uvicorn's default; it only matters while connecting
    async with serve(handler, "127.0.0.1", port, backlog=2048, max_size=64 * 1024) as server:
        print(server.sockets[0].getsockname()[1], flush=True)
        await asyncio.get_running_loop().create_future()  # serve until killed


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--loop", choices=["uvloop", "asyncio"], default="uvloop")
    args = parser.parse_args()
    if args.loop == "uvloop":
        import uvloop  # uvicorn runs our server on uvloop too

        uvloop.run(main(args.port))
    else:
        asyncio.run(main(args.port))
