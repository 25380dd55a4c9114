"""Per-request context as plain ASGI middleware: request id, language, metrics, access log."""

from __future__ import annotations

import time
import uuid
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import problem
from service.i18n import current_language, pick_language, t
from service.metrics import LATENCY, REQUESTS

log = structlog.get_logger("yingji.http")
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _template(scope: Scope) -> str:
    """The route template (``/api/v1/orgs/{org_id}``), so metrics do not grow per id."""
    if scope.get("route") is None:
        return "unmatched"
    params: dict[str, Any] = scope.get("path_params") or {}
    by_value = {str(v): k for k, v in params.items()}
    return "/".join(
        f"{{{by_value[part]}}}" if part in by_value else part for part in scope["path"].split("/")
    )


class RequestContext:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        if b"%00" in scope.get("query_string", b"") and scope["type"] == "http":
            token = current_language.set(pick_language(_header(scope, b"accept-language")))
            try:
                response = problem(400, "nul_character", t("nul_character"))
            finally:
                current_language.reset(token)
            await response(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if incoming and len(incoming) <= 64 else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        language = current_language.set(pick_language(_header(scope, b"accept-language")))
        structlog.contextvars.bind_contextvars(request_id=request_id)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            template = _template(scope)
            method = scope.get("method", "WS")
            if scope["type"] == "http":
                REQUESTS.labels(method, template, str(status)).inc()
                LATENCY.labels(method, template).observe(elapsed)
                if scope["path"] not in QUIET_PATHS:
                    log.info(
                        "request",
                        method=method,
                        path=scope["path"],
                        status=status,
                        ms=round(elapsed * 1000, 1),
                    )
            structlog.contextvars.unbind_contextvars("request_id")
            current_language.reset(language)
