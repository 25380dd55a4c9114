"""Two instances with Redis: what one writes reaches the other's clients, even when Redis
goes away and comes back in the middle of a stream."""

from __future__ import annotations

import asyncio
import contextlib
import time

import httpx

from service.settings import Settings
from tests.factories import World, bearer
from tests.service.realtime.conftest import drain, receive_events, serve, subscribe
from tests.system.conftest import RedisProcess


async def _create_villages(
    base: str,
    headers: dict[str, str],
    parent: int,
    count: int,
    pause: float = 0.0,
    timings: list[float] | None = None,
) -> list[int]:
    """Create villages one by one; each write's duration goes to ``timings``."""
    ids = []
    async with httpx.AsyncClient(base_url=base, headers=headers) as http:
        for i in range(count):
            started = time.monotonic()
            response = await http.post(
                "/api/v1/orgs", json={"name": f"村{i}", "kind": "village", "parent_id": parent}
            )
            if timings is not None:
                timings.append(time.monotonic() - started)
            assert response.status_code == 201, response.text
            ids.append(response.json()["id"])
            await asyncio.sleep(pause)
    return ids


async def test_an_event_written_on_a_reaches_a_client_on_b_through_redis(
    settings: Settings, private_redis: RedisProcess, world: World
) -> None:
    # polling is slowed right down: only Redis can deliver within the time allowed
    shared = settings.model_copy(update={"redis_url": private_redis.url, "outbox_poll_s": 60})
    root = bearer(world.root_admin)
    async with contextlib.AsyncExitStack() as stack:
        a = await stack.enter_async_context(contextlib.asynccontextmanager(serve)(shared))
        b = await stack.enter_async_context(contextlib.asynccontextmanager(serve)(shared))
        ws = await b.client(root["Authorization"].split()[1])
        await subscribe(ws, ["orgs"])
        [created] = await _create_villages(a.http, root, world.town_a.id, 1)
        [event] = await receive_events(ws, 1, within=3)
        assert event["type"] == "org.created" and event["data"]["id"] == created
        ready = (await httpx.AsyncClient().get(f"{b.http}/readyz")).json()
        assert ready["checks"] == {"database": "ok", "redis": "ok"}
        await ws.close()


async def test_redis_restarted_mid_stream_loses_nothing(
    settings: Settings, private_redis: RedisProcess, world: World
) -> None:
    shared = settings.model_copy(update={"redis_url": private_redis.url, "outbox_poll_s": 60})
    root = bearer(world.root_admin)
    async with contextlib.AsyncExitStack() as stack:
        a = await stack.enter_async_context(contextlib.asynccontextmanager(serve)(shared))
        b = await stack.enter_async_context(contextlib.asynccontextmanager(serve)(shared))
        ws = await b.client(root["Authorization"].split()[1])
        await subscribe(ws, ["orgs"])
        timings: list[float] = []
        writer = asyncio.create_task(
            _create_villages(a.http, root, world.town_a.id, 60, pause=0.05, timings=timings)
        )
        await asyncio.sleep(1.0)
        private_redis.stop()  # publishes fail; B's subscription breaks
        await asyncio.sleep(1.0)
        private_redis.start()  # B reconnects with backoff and catches up from the outbox
        written = await writer
        assert max(timings) < 1.0  # writes never wait for the missing Redis
        events = await receive_events(ws, 60, within=20)
        assert [e["data"]["id"] for e in events] == written
        seqs = [e["seq"] for e in events]
        assert seqs == sorted(seqs) and len(set(seqs)) == 60
        assert await drain(ws, quiet=0.5) == []
        await ws.close()
