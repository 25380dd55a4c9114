"""A real uvicorn serving the app on a free loopback port, in the test's event loop."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import uvicorn
from websockets.asyncio.client import ClientConnection, connect

from service.app import create_app
from service.db import Database
from service.realtime import outbox
from service.realtime.transport import uvicorn_config
from service.settings import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Live:
    http: str
    ws: str
    app: Any

    async def client(self, token: str, **kwargs: Any) -> ClientConnection:
        return await connect(f"{self.ws}/ws?token={token}", **kwargs)


async def serve(settings: Settings) -> AsyncIterator[Live]:
    app = create_app(settings)
    port = free_port()
    config = uvicorn_config(app, settings, host="127.0.0.1", port=port, lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110  (uvicorn offers no event for it)
        await asyncio.sleep(0.02)
    try:
        yield Live(f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}", app)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 15)


@pytest.fixture
async def live(settings: Settings) -> AsyncIterator[Live]:
    async for server in serve(settings):
        yield server


async def subscribe(
    ws: ClientConnection, topics: list[str], since: int | None = None
) -> dict[str, Any]:
    message: dict[str, Any] = {"op": "subscribe", "topics": topics}
    if since is not None:
        message["since"] = since
    await ws.send(json.dumps(message))
    ack = json.loads(await asyncio.wait_for(ws.recv(), 5))
    assert ack["op"] == "subscribed", ack
    return ack


async def receive_events(
    ws: ClientConnection, count: int, within: float = 10.0
) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    async with asyncio.timeout(within):
        while len(events) < count:
            frame = json.loads(await ws.recv())
            if "seq" in frame:
                events.append(frame)
    return events


async def write_events(
    db: Database,
    count: int,
    *,
    org_id: int | None = None,
    org_path: str | None = None,
    topic: str = "people",
    size: int = 0,
) -> list[int]:
    """Write events one transaction each, as the service's writers do."""
    seqs = []
    for i in range(count):
        async with db.session() as session:
            event = await outbox.append(
                session,
                topic=topic,
                type="test.written",
                data={"i": i, "pad": "x" * size},
                org_id=org_id,
                org_path=org_path,
            )
        seqs.append(int(event.seq or 0))  # numbered at the commit
    return seqs


async def drain(ws: ClientConnection, quiet: float = 1.0) -> list[dict[str, Any]]:
    """Every event that arrives until nothing has come for ``quiet`` seconds."""
    events: list[dict[str, Any]] = []
    while True:
        try:
            frame = json.loads(await asyncio.wait_for(ws.recv(), quiet))
        except TimeoutError:
            return events
        if "seq" in frame:
            events.append(frame)
