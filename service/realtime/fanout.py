"""Fan-out between instances over Redis pub/sub.

After a commit, the writing process publishes the new high ``seq``; every process wakes
its pump, which reads the outbox from its own high-water mark. A message lost while
Redis is away costs nothing: after reconnecting (with backoff) the pump catches up from
the outbox, and it also polls every ``outbox_poll_s`` seconds in any case.
"""

from __future__ import annotations

import asyncio
import json

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from service.realtime.hub import Hub

log = structlog.get_logger("yingji.fanout")
CHANNEL = "yingji:outbox"
MAX_BACKOFF_S = 10.0
STOP_WAIT_S = 1.0


class RedisFanout:
    def __init__(self, url: str, hub: Hub) -> None:
        self.redis = Redis.from_url(
            url, socket_connect_timeout=2, socket_timeout=None, health_check_interval=15
        )
        self.hub = hub
        self._task: asyncio.Task[None] | None = None
        self._sending: set[asyncio.Task[None]] = set()
        self._down = False  # known unreachable: do not make writers wait for a timeout

    async def start(self) -> None:
        self.hub.notifiers.append(self.publish)
        self._task = asyncio.create_task(self._listen(), name="redis-fanout")

    async def stop(self) -> None:
        """Stop listening and publishing; bounded, so Redis can never hold up a shutdown
        (cancelling the pub/sub mid-read can leave its close waiting on the connection)."""
        tasks = [task for task in (self._task, *self._sending) if task is not None]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=STOP_WAIT_S)
        # asyncio.wait, not wait_for: it never waits on a close that ignores cancellation
        closing = asyncio.create_task(self.redis.aclose())
        await asyncio.wait({closing}, timeout=STOP_WAIT_S)

    async def ping(self) -> None:
        await self.redis.ping()

    async def publish(self, last_seq: int) -> None:
        """Tell the other instances, in the background: a write never waits for Redis."""
        if self._down:
            return  # they catch up from the outbox when Redis is back
        task = asyncio.create_task(self._send(last_seq))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _send(self, last_seq: int) -> None:
        try:
            await self.redis.publish(CHANNEL, json.dumps({"seq": last_seq}))
        except (RedisError, OSError) as exc:
            self._down = True
            log.warning("redis publish failed; other instances will poll", error=str(exc))

    async def _listen(self) -> None:
        delay = 0.2
        while True:
            try:
                async with self.redis.pubsub() as pubsub:
                    await pubsub.subscribe(CHANNEL)
                    self._down = False
                    self.hub.wake()  # catch up on whatever was written while we were away
                    # and let the others catch up on what we wrote while Redis was away
                    await self.redis.publish(CHANNEL, json.dumps({"seq": self.hub.high_water}))
                    delay = 0.2
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            self.hub.wake()
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                self._down = True
                log.warning("redis unavailable; retrying", error=str(exc), retry_s=delay)
                await asyncio.sleep(delay)
                delay = min(MAX_BACKOFF_S, delay * 2)
