"""Structured logs: JSON in production, readable in development; a request id on every line.

Every record, ours and the libraries' (uvicorn, SQLAlchemy), goes through structlog's
formatter. Query strings are never logged (WebSocket tokens travel in them).
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

import structlog

# libraries whose chatty levels would log secrets: httpx logs each request URL at INFO
# (robot URLs carry their keys), aiosqlite every SQL statement with its values at DEBUG
QUIET_LIBRARIES = {
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "aiosqlite": logging.INFO,
    "apscheduler": logging.WARNING,  # it logs every clock tick at INFO
}

SECRET_PATTERN = re.compile(r"(?i)(password|token|secret|authorization)([\"']?\s*[:=]\s*)\S+")


def _redact(_logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
    for key in list(event):
        if any(word in key.lower() for word in ("password", "token", "secret", "authorization")):
            event[key] = "[redacted]"
    message = event.get("event")
    if isinstance(message, str):
        event["event"] = SECRET_PATTERN.sub(r"\1\2[redacted]", message)
    return event


def quiet_libraries() -> None:
    for name, level in QUIET_LIBRARIES.items():
        logging.getLogger(name).setLevel(level)


def configure(level: str = "INFO", *, json: bool = False) -> None:
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _redact,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # our middleware logs requests
    quiet_libraries()


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
