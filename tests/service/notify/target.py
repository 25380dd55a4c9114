"""A real HTTP server on 127.0.0.1 that records what it receives and answers as told."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import uvicorn

ROBOT_OK = {"errcode": 0, "errmsg": "ok"}


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, str]
    raw_query: str
    headers: dict[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        return json.loads(self.body)


class Target:
    """Answers 200 with WeCom/DingTalk's ``{"errcode": 0}`` unless told otherwise per path."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self._plans: dict[str, deque[tuple[Any, ...]]] = defaultdict(deque)
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self.port = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answer(self, path: str, *answers: tuple[Any, ...]) -> None:
        """The next answers to requests for ``path``, in order; then the default.

        Each is ``(status, body)`` or ``(status, body, delay_s)``."""
        self._plans[path].extend(answers)

    def to(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        raw_query = scope["query_string"].decode()
        self.received.append(
            Received(
                method=scope["method"],
                path=scope["path"],
                query={k: v[0] for k, v in parse_qs(raw_query).items()},
                raw_query=raw_query,
                headers={k.decode().lower(): v.decode() for k, v in scope["headers"]},
                body=body,
                at=time.monotonic(),
            )
        )
        plan = self._plans[scope["path"]]
        status, answer, *delay = plan.popleft() if plan else (200, ROBOT_OK)
        if delay:
            await asyncio.sleep(delay[0])
        data = answer.encode() if isinstance(answer, str) else json.dumps(answer).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": data})

    async def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        # the receiving side's access log would show the URLs (and keys) it was called with
        logging.getLogger("uvicorn.access").disabled = True
        config = uvicorn.Config(self, lifespan="off", log_config=None, access_log=False)
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        async with asyncio.timeout(10):
            while not self._server.started:  # noqa: ASYNC110  (uvicorn offers a flag only)
                await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
