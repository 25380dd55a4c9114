"""The outbox: events appended in the writer's transaction, read back in ``seq`` order.

``seq`` must grow in commit order, or a client resuming with ``since`` could skip an
event that committed late. A transaction stages its events as it goes; just before it
commits, they are numbered and written in one insert. SQLite has one writer at a time
(write sessions begin IMMEDIATE). On PostgreSQL, the writer takes a transaction-scoped
advisory lock before taking the next number, so numbers are handed out in commit order
with no holes, and the lock is held only for the last step of the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from service import jsontext
from service.auth.permissions import TOPIC_PERMISSIONS, Principal
from service.db import BEFORE_COMMIT, PENDING_EVENTS, stage, take_staged, utcnow
from service.realtime.models import OutboxEvent

OUTBOX_LOCK_KEY = 0x59_494E_474A  # "YINGJ": one advisory lock for the outbox sequence
# PostgreSQL: the lock, as the last step of a statement of the writer's own (``locked``)
LOCK_EXPRESSION = f"pg_advisory_xact_lock({OUTBOX_LOCK_KEY})"
LOCKED = "outbox_locked"  # session.info key: the transaction holds the lock already
STAGED_KIND = "outbox_event"


@dataclass(slots=True)
class Event:
    """An event of this process: staged by ``append`` (``seq`` None until it is written just
    before the commit), then handed to the hub after the commit. A plain object, not a table
    row: every write of the service makes a few."""

    topic: str
    type: str
    data: dict[str, Any] | jsontext.Raw  # Raw: read back by ``after``, passed on as stored
    org_id: int | None
    org_path: str | None
    at: datetime
    seq: int | None = None


async def append(
    session: AsyncSession,
    *,
    topic: str,
    type: str,
    data: dict[str, Any],
    org_id: int | None,
    org_path: str | None,
) -> Event:
    """Stage an event of the caller's transaction. It is numbered and written, with every
    other event the transaction staged, in one insert just before the commit
    (``write_staged``); its ``seq`` is set then."""
    event = Event(topic, type, data, org_id, org_path, utcnow())
    stage(session, STAGED_KIND, event)
    return event


def locked(session: AsyncSession) -> None:
    """The transaction's last statement took the outbox lock (``LOCK_EXPRESSION``), which
    saves a round trip: the events are numbered without taking it again. For a statement
    right before the events are written: the lock is held until the commit."""
    session.info[LOCKED] = True


async def _write(session: AsyncSession, events: list[Event]) -> None:
    """Number ``events`` after every event written so far and insert them in one statement
    (under the outbox lock: on SQLite the one writer holds the database; on PostgreSQL a
    transaction-scoped advisory lock, held until the commit)."""
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        if not session.info.get(LOCKED):
            await connection.execute(_LOCK, {"key": OUTBOX_LOCK_KEY})
        # numbered by the insert itself, after the last seq this statement sees (its
        # snapshot is taken once the lock is held, so it sees every event committed)
        records = [
            {
                "n": n,
                "topic": e.topic,
                "type": e.type,
                "data": e.data,
                "org_id": e.org_id,
                "org_path": e.org_path,
                "at": e.at,
            }
            for n, e in enumerate(events, 1)
        ]
        first = await connection.scalar(_INSERT_JSON_PG, {"rows": jsontext.dumps(records)})
        _number(events, int(first))
    else:  # SQLite: an executemany of rows converted here (as the columns store them)
        _number(events, await latest_seq(session) + 1)
        table = OutboxEvent.__table__  # type: ignore[attr-defined]
        at_type = table.c.at.type.dialect_impl(connection.dialect)
        stamp = at_type.bind_processor(connection.dialect)  # as the column stores it
        stamps: dict[datetime, str] = {}  # the events of a transaction share a few times
        rows = [
            (
                e.seq,
                e.topic,
                e.type,
                jsontext.dumps(e.data),
                e.org_id,
                e.org_path,
                stamps.get(e.at) or stamps.setdefault(e.at, stamp(e.at)),
            )
            for e in events
        ]
        await connection.exec_driver_sql(_INSERT_ROWS, rows)
    session.info.setdefault(PENDING_EVENTS, []).extend(events)


def _number(events: list[Event], first: int) -> None:
    for offset, event in enumerate(events):
        event.seq = first + offset


_LOCK = sa.text("SELECT pg_advisory_xact_lock(:key)")

# PostgreSQL: the rows of many events as one JSON document (one parameter: asyncpg checks
# every element of an array parameter), numbered in their order after the last seq; the
# first seq comes back
_INSERT_JSON_PG = sa.text(
    "WITH written AS (INSERT INTO outbox_event (seq, topic, type, data, org_id, org_path, at) "
    "SELECT last.seq + v.n, v.topic, v.type, v.data, v.org_id, v.org_path, v.at "
    "FROM (SELECT COALESCE(max(seq), 0) AS seq FROM outbox_event) AS last, "
    "json_to_recordset(CAST(:rows AS json)) AS v(n integer, topic varchar, type varchar, "
    "data json, org_id integer, org_path varchar, at timestamptz) RETURNING seq) "
    "SELECT min(seq) FROM written"
)


# SQLite: plain rows; a JSON document (json_each) cost seven json_extract parses per event
_INSERT_ROWS = (
    "INSERT INTO outbox_event (seq, topic, type, data, org_id, org_path, at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)


async def write_staged(session: AsyncSession) -> None:
    """Number and insert the staged events (before the commit: the lock is held only for
    the end of the transaction)."""
    staged: list[Event] = take_staged(session, STAGED_KIND)
    if staged:
        await _write(session, staged)


BEFORE_COMMIT.append(write_staged)


async def append_many(session: AsyncSession, events: list[dict[str, Any]]) -> list[Event]:
    """``append`` for many events of one transaction, written at once (after the events
    staged earlier in the transaction): one lock, one sequence read, one batched insert.
    Thousands of answers at once are its use. Each dict has the keyword arguments of
    ``append``."""
    if not events:
        return []
    now = utcnow()
    written = take_staged(session, STAGED_KIND) + [
        Event(e["topic"], e["type"], e["data"], e.get("org_id"), e.get("org_path"), now)
        for e in events
    ]
    await _write(session, written)
    return written[-len(events) :]


def visibility(principal: Principal) -> sa.ColumnElement[bool]:
    """SQL condition: events the principal may see (by topic permission and org scope)."""
    default = principal.scope("event.read")
    special = set(TOPIC_PERMISSIONS)
    conditions = [sa.and_(col(OutboxEvent.topic).not_in(special), _in_scope(default))]
    for topic, permission in TOPIC_PERMISSIONS.items():
        conditions.append(
            sa.and_(col(OutboxEvent.topic) == topic, _in_scope(principal.scope(permission)))
        )
    return sa.or_(*conditions)


def _in_scope(scope: Any) -> sa.ColumnElement[bool]:
    return scope.clause(col(OutboxEvent.org_path)) if not scope.everything else sa.true()


async def since(
    session: AsyncSession,
    principal: Principal,
    *,
    after: int,
    limit: int,
    topics: list[str] | None = None,
) -> list[OutboxEvent]:
    """The events after ``after`` that ``principal`` may see, as rows (data parsed): for
    the HTTP catch-up, which returns them in its own model."""
    query = _after(select(OutboxEvent), after, limit, principal, topics)
    return list(await session.exec(query))  # type: ignore[call-overload]


async def after(
    session: AsyncSession,
    seq: int,
    limit: int,
    *,
    principal: Principal | None = None,
    topics: list[str] | None = None,
) -> list[Event]:
    """The events after ``seq`` in order (those ``principal`` may see, of ``topics``, when
    given), each with its data as the JSON text stored (``jsontext.Raw``): the hub's pump
    and the WebSocket replay pass events on, and parsing thousands of them only to encode
    them again cost more than everything else they do with them."""
    query = _after(sa.select(*_RAW_COLUMNS), seq, limit, principal, topics)
    rows = (await (await session.connection()).execute(query)).all()
    return [
        Event(topic, type_, jsontext.Raw(data), org_id, org_path, at, n)
        for n, topic, type_, data, org_id, org_path, at in rows
    ]


def _after(
    query: sa.Select[Any],
    seq: int,
    limit: int,
    principal: Principal | None,
    topics: list[str] | None,
) -> sa.Select[Any]:
    query = query.where(col(OutboxEvent.seq) > seq)
    if principal is not None:
        query = query.where(visibility(principal))
    if topics:
        query = query.where(col(OutboxEvent.topic).in_(topics))
    return query.order_by(col(OutboxEvent.seq)).limit(limit)


_T = OutboxEvent.__table__  # type: ignore[attr-defined]
_RAW_COLUMNS = (
    _T.c.seq,
    _T.c.topic,
    _T.c.type,
    sa.cast(_T.c.data, sa.Text),  # as stored (PostgreSQL's json type keeps the text)
    _T.c.org_id,
    _T.c.org_path,
    _T.c.at,
)


async def latest_seq(session: AsyncSession) -> int:
    return int(await session.scalar(select(sa.func.max(OutboxEvent.seq))) or 0)


def render(event: OutboxEvent | Event) -> dict[str, Any]:
    """The wire form of an event, over HTTP and WebSocket alike."""
    return {
        "seq": event.seq,
        "topic": event.topic,
        "type": event.type,
        "data": event.data,
        "at": event.at.isoformat(),
        "org_id": event.org_id,
    }
