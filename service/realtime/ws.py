"""``GET /ws``: the realtime channel (see docs/api.md, "Realtime").

Client ops: ``subscribe`` (topics, optional ``since``), ``ping``, and the request ops that
domains register in ``OPS`` (``ack``: answer a warning). Server frames are events
``{"seq", "topic", "type", "data", "at", "org_id"}`` and control frames ``{"op", ...}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

import structlog
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, Field, ValidationError

from service import jsontext
from service.auth import service as auth
from service.auth.permissions import Principal
from service.db import Database, utcnow
from service.errors import ProblemError, ServiceUnavailable, validation_errors
from service.i18n import t
from service.realtime import outbox
from service.realtime.hub import CLOSE_LAGGING, Connection, Hub, Lagging, encode
from service.realtime.transport import EXTENSION
from service.schemas import MAX_SEQ
from service.settings import Settings

log = structlog.get_logger("yingji.ws")
router = APIRouter()

CLOSE_UNAUTHORIZED = 4401
REPLAY_BATCH = 500
CLOSE_WAIT_S = 60.0
LOGINS_AT_ONCE = 4  # connections reading their principal from the database at one time
LAGGING_REASON = "too slow; resume with since"
EXPIRED_REASON = "token expired; reconnect with a new one and resume with since"


async def _until(at: datetime | None) -> None:
    """Returns when the connection's credential expires (never, for one without expiry)."""
    if at is None:
        await asyncio.Event().wait()
        return
    await asyncio.sleep(max(0.0, (at - utcnow()).total_seconds()))


class Subscribe(BaseModel):
    op: str
    topics: list[str] = Field(min_length=1, max_length=50)
    since: int | None = Field(default=None, ge=0, le=MAX_SEQ)


def _control(op: str, **fields: Any) -> str:
    return jsontext.dumps({"op": op, **fields})


@router.websocket("/ws")
async def realtime(websocket: WebSocket, token: str | None = None) -> None:
    settings: Settings = websocket.app.state.settings
    db: Database = websocket.app.state.db
    hub: Hub = websocket.app.state.hub
    await websocket.accept()
    principal = None
    if token:
        # a few at a time, in order: thousands of phones reconnecting at once would
        # otherwise queue for the pool's connections, and the unlucky ones time out
        async with websocket.app.state.ws_logins, db.session(write=False) as session:
            principal = await auth.principal_for_token(
                session,
                token,
                secret=settings.resolved_secret_key(),
                ip=websocket.client.host if websocket.client else None,
            )
    if principal is None:
        await websocket.close(CLOSE_UNAUTHORIZED, "invalid or expired token")
        return
    connection = hub.attach(principal, websocket.scope.get("extensions", {}).get(EXTENSION))
    expiry = asyncio.create_task(_until(principal.expires_at))
    tasks = {
        asyncio.create_task(_read(websocket, connection)),
        asyncio.create_task(_write(websocket, connection, hub, db)),
        asyncio.create_task(connection.lagging.wait()),
        expiry,
    }
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        hub.detach(connection)
    if expiry.done() and not expiry.cancelled():
        log.info("closing a connection whose token expired", user=principal.username)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(
                websocket.close(CLOSE_UNAUTHORIZED, EXPIRED_REASON), CLOSE_WAIT_S
            )
        return
    if connection.lagging.is_set():
        log.info("closing a lagging client", user=principal.username)
        if connection.raw is not None:
            connection.raw.close_now(CLOSE_LAGGING, LAGGING_REASON)
            return
        with contextlib.suppress(Exception):
            await asyncio.wait_for(websocket.close(CLOSE_LAGGING, LAGGING_REASON), CLOSE_WAIT_S)


@dataclass(frozen=True, slots=True)
class Later:
    """A request's reply that comes when ``future`` is done: ``render`` of its result, or
    the problem it holds. An op that queues its work (answers, for the batcher) returns one
    instead of waiting in a task of its own: thousands may wait at once."""

    future: asyncio.Future[Any]
    render: Callable[[Any], dict[str, Any]]


# op -> handler of a client request frame; domains register theirs (``"ack"``: warnings).
# The handler gets the app's state (database …), the caller and the frame, and returns the
# reply frame: as a coroutine (run in a task of its own) or as a ``Later``.
OpHandler = Callable[[Any, Principal, dict[str, Any]], Awaitable[dict[str, Any]] | Later]
OPS: dict[str, OpHandler] = {}
_IN_FLIGHT: set[asyncio.Task[None]] = set()  # requests finish even if their socket closes


def op(name: str) -> Callable[[OpHandler], OpHandler]:
    def register(func: OpHandler) -> OpHandler:
        OPS[name] = func
        return func

    return register


def _problem(exc: BaseException) -> dict[str, Any]:
    """The error frame of a request that failed."""
    if isinstance(exc, ProblemError):
        errors = [e.render() for e in exc.errors] if exc.errors else None
        reply = {"op": "error", "code": exc.code, "status": exc.status, "detail": exc.detail()}
        if errors:
            reply["errors"] = errors
        return reply
    if isinstance(exc, ValidationError):
        errors = validation_errors(list(exc.errors()))  # in the connection's language
        return {
            "op": "error",
            "code": "validation_failed",
            "status": 422,
            "detail": t("validation_failed", count=len(errors)),
            "errors": errors,
        }
    log.error("request failed", exc_info=exc)
    return {"op": "error", "code": "internal_error", "status": 500}


def _reply(connection: Connection, message: dict[str, Any], reply: dict[str, Any]) -> None:
    _reply_to(connection, message.get("ref", _NO_REF), reply)


_NO_REF = object()  # the request had no ``ref`` (``None`` is a ref a client may send)


def _reply_to(connection: Connection, ref: Any, reply: dict[str, Any]) -> None:
    if ref is not _NO_REF:
        reply["ref"] = ref  # the client's id for matching replies to requests
    connection.offer("control", jsontext.dumps(reply))


def _request(state: Any, connection: Connection, message: dict[str, Any]) -> None:
    """A request frame: its reply (or problem) goes back as a control frame."""
    try:
        outcome = OPS[str(message["op"])](state, connection.principal, message)
    except Exception as exc:  # the connection stays open whatever the op did
        _reply(connection, message, _problem(exc))
        return
    if isinstance(outcome, Later):
        # thousands may wait at once: the callback keeps only what the reply needs (not the
        # frame), and runs in the connection's context rather than a copy made per request
        settled = partial(_settled, connection, message.get("ref", _NO_REF), outcome.render)
        outcome.future.add_done_callback(settled, context=connection.context)
        return
    task = asyncio.create_task(_run_op(connection, message, outcome))
    _IN_FLIGHT.add(task)
    task.add_done_callback(_IN_FLIGHT.discard)


def _settled(
    connection: Connection,
    ref: Any,
    render: Callable[[Any], dict[str, Any]],
    future: asyncio.Future[Any],
) -> None:
    """A ``Later`` is done: its reply."""
    if future.cancelled():
        result: Any = ServiceUnavailable("shutting_down")
    else:
        result = future.exception() or future.result()
    failed = isinstance(result, BaseException)
    _reply_to(connection, ref, _problem(result) if failed else render(result))


async def _run_op(
    connection: Connection, message: dict[str, Any], reply: Awaitable[dict[str, Any]]
) -> None:
    try:
        answer = await reply
    except Exception as exc:
        answer = _problem(exc)
    _reply(connection, message, answer)


async def _read(websocket: WebSocket, connection: Connection) -> None:
    while True:
        try:
            text = await websocket.receive_text()
        except (WebSocketDisconnect, RuntimeError):
            return
        except KeyError:  # a binary frame
            connection.offer(
                "control", _control("error", code="not_text", detail="frames must be JSON text")
            )
            continue
        try:
            message = json.loads(text)
            op = message.get("op") if isinstance(message, dict) else None
        except json.JSONDecodeError:
            connection.offer(
                "control",
                _control("error", code="invalid_json", detail="the frame is not valid JSON"),
            )
            continue
        if op == "ping":
            connection.offer("control", _control("pong"))
        elif op == "subscribe":
            try:
                request = Subscribe.model_validate(message)
            except ValidationError as exc:
                connection.offer(
                    "control",
                    _control(
                        "error",
                        code="invalid_subscribe",
                        errors=validation_errors(list(exc.errors())),
                    ),
                )
                continue
            connection.offer("subscribe", request)
        elif isinstance(op, str) and op in OPS:
            _request(websocket.app.state, connection, message)
        else:
            connection.offer(
                "control",
                _control(
                    "error",
                    code="unknown_op",
                    detail=f"unknown op {op!r}",
                    known=["subscribe", "ping", *sorted(OPS)],
                ),
            )


async def _write(websocket: WebSocket, connection: Connection, hub: Hub, db: Database) -> None:
    """Control frames, replays and catching up from the ring, in order. Once caught up the
    connection goes live and the pump writes its events directly (whole frames, so the two
    writers never interleave within a frame); whatever wakes the writer takes it back."""
    while True:
        if not connection.control.empty():
            kind, payload = connection.control.get_nowait()
            if kind == "control":
                await websocket.send_text(payload)
            else:
                await _subscribe(websocket, connection, hub, db, payload)
        elif connection.topics and hub.high_water > connection.cursor:
            try:
                frames = hub.frames_after(connection.cursor)
            except Lagging:
                connection.lagging.set()
                return
            for frame in frames:
                if connection.wants(frame):
                    await websocket.send_text(frame.text)
                connection.cursor = frame.seq
        else:
            hub.go_live(connection)  # caught up: the pump writes straight to the socket
            connection.parked = True  # replies too are written straight to the socket
            try:
                await connection.wake.wait()
            finally:
                connection.parked = False
            connection.wake.clear()
            hub.leave_live(connection)  # the cursor is the writer's again


async def _subscribe(
    websocket: WebSocket, connection: Connection, hub: Hub, db: Database, request: Subscribe
) -> None:
    if request.since is not None:
        connection.cursor = request.since
    elif not connection.topics:  # first subscription, live only: from the newest event
        async with db.session(write=False) as session:
            connection.cursor = max(connection.cursor, await outbox.latest_seq(session))
    hub.subscribe(connection, frozenset(request.topics))
    await websocket.send_text(
        _control("subscribed", topics=sorted(connection.topics), since=connection.cursor)
    )
    if request.since is not None:
        await _replay(websocket, connection, hub, db)


async def _replay(websocket: WebSocket, connection: Connection, hub: Hub, db: Database) -> None:
    """Send the stored events after the cursor that the client may see, oldest first, until
    the ring covers the rest; live frames the replay already covered are then skipped."""
    topics = None if "*" in connection.topics else sorted(connection.topics)
    connection.replaying = True
    try:
        await _replay_from_table(websocket, connection, hub, db, topics)
    finally:
        connection.replaying = False


async def _replay_from_table(
    websocket: WebSocket, connection: Connection, hub: Hub, db: Database, topics: list[str] | None
) -> None:
    while connection.cursor < hub.first_seq - 1:
        async with db.session(write=False) as session:
            last = await outbox.latest_seq(session)  # first: all up to it is in what follows
            events = await outbox.after(
                session,
                connection.cursor,
                REPLAY_BATCH,
                principal=connection.principal,
                topics=topics,
            )
        for event in events:
            assert event.seq is not None
            await websocket.send_text(encode(event))
            connection.cursor = event.seq
        if len(events) < REPLAY_BATCH:
            # nothing more the client may see up to ``last``: jump over the rest
            connection.cursor = max(connection.cursor, min(last, hub.first_seq - 1))
            return
