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
from sqlalchemy import event as orm_event
from sqlalchemy.orm import Session, SessionTransaction
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from service.auth.permissions import TOPIC_PERMISSIONS, Principal
from service.db import BEFORE_COMMIT, PENDING_EVENTS, utcnow
from service.realtime.models import OutboxEvent

OUTBOX_LOCK_KEY = 0x59_494E_474A  # "YINGJ": one advisory lock for the outbox sequence
STAGED_EVENTS = "outbox_staged"  # session.info key: events waiting for the commit
SAVEPOINT_MARKS = "outbox_savepoints"  # session.info key: staged count at each savepoint


async def append(
    session: AsyncSession,
    *,
    topic: str,
    type: str,
    data: dict[str, Any],
    org_id: int | None,
    org_path: str | None,
) -> OutboxEvent:
    """Stage an event of the caller's transaction. It is numbered and written, with every
    other event the transaction staged, in one insert just before the commit
    (``write_staged``); its ``seq`` is set then."""
    event = OutboxEvent(
        topic=topic, type=type, data=data, org_id=org_id, org_path=org_path, at=utcnow()
    )
    session.info.setdefault(STAGED_EVENTS, []).append(event)
    return event


async def _next_seq(session: AsyncSession) -> int:
    """The first free seq, under the outbox lock (SQLite: the one writer holds the
    database; PostgreSQL: a transaction-scoped advisory lock, held until the commit)."""
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        await connection.execute(
            sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": OUTBOX_LOCK_KEY}
        )
    return int(await session.scalar(select(sa.func.max(OutboxEvent.seq))) or 0) + 1


async def write_staged(session: AsyncSession) -> None:
    """Number and insert the staged events (before the commit: the lock is held only for
    the end of the transaction)."""
    staged: list[OutboxEvent] = session.info.pop(STAGED_EVENTS, [])
    if not staged:
        return
    first = await _next_seq(session)
    for offset, event in enumerate(staged):
        event.seq = first + offset
    table = OutboxEvent.__table__  # type: ignore[attr-defined]
    connection = await session.connection()
    await connection.execute(
        sa.insert(table),
        [
            {
                "seq": e.seq,
                "topic": e.topic,
                "type": e.type,
                "data": e.data,
                "org_id": e.org_id,
                "org_path": e.org_path,
                "at": e.at,
            }
            for e in staged
        ],
    )
    session.info.setdefault(PENDING_EVENTS, []).extend(staged)


BEFORE_COMMIT.append(write_staged)


@orm_event.listens_for(Session, "after_transaction_create")
def _mark_savepoint(session: Session, transaction: SessionTransaction) -> None:
    """Remember how many events were staged when a savepoint began…"""
    if transaction.nested:
        marks = session.info.setdefault(SAVEPOINT_MARKS, {})
        marks[id(transaction)] = len(session.info.get(STAGED_EVENTS, []))


@orm_event.listens_for(Session, "after_soft_rollback")
def _discard_rolled_back(session: Session, previous: SessionTransaction) -> None:
    """…so that rolling it back drops the events staged inside it, as the rows they
    describe are dropped (a full rollback drops them all)."""
    staged = session.info.get(STAGED_EVENTS)
    if not staged:
        return
    if not previous.nested:
        session.info.pop(STAGED_EVENTS, None)
        return
    mark = session.info.get(SAVEPOINT_MARKS, {}).pop(id(previous), None)
    if mark is not None:
        del staged[mark:]


@dataclass(frozen=True)
class Written:
    """An event written by ``append_many``: what the hub and ``render`` read of it."""

    seq: int
    topic: str
    type: str
    data: dict[str, Any]
    org_id: int | None
    org_path: str | None
    at: datetime


async def append_many(session: AsyncSession, events: list[dict[str, Any]]) -> list[Written]:
    """``append`` for many events of one transaction: one lock, one sequence read, one
    batched insert (no ORM objects: thousands of answers at once are its use). Each dict
    has the keyword arguments of ``append``."""
    if not events:
        return []
    await write_staged(session)  # events staged earlier in the transaction come first
    now = utcnow()
    rows = [{**e, "at": now} for e in events]
    table = OutboxEvent.__table__  # type: ignore[attr-defined]
    connection = await session.connection()
    first = await _next_seq(session)
    seqs = list(range(first, first + len(rows)))
    for seq, row in zip(seqs, rows, strict=True):
        row["seq"] = seq
    await connection.execute(sa.insert(table), rows)
    written = [
        Written(seq, r["topic"], r["type"], r["data"], r.get("org_id"), r.get("org_path"), now)
        for seq, r in zip(seqs, rows, strict=True)
    ]
    session.info.setdefault(PENDING_EVENTS, []).extend(written)
    return written


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
    where = [col(OutboxEvent.seq) > after, visibility(principal)]
    if topics:
        where.append(col(OutboxEvent.topic).in_(topics))
    rows = await session.exec(
        select(OutboxEvent).where(*where).order_by(col(OutboxEvent.seq)).limit(limit)
    )
    return list(rows)


async def latest_seq(session: AsyncSession) -> int:
    return int(await session.scalar(select(sa.func.max(OutboxEvent.seq))) or 0)


def render(event: OutboxEvent | Written) -> dict[str, Any]:
    """The wire form of an event, over HTTP and WebSocket alike."""
    return {
        "seq": event.seq,
        "topic": event.topic,
        "type": event.type,
        "data": event.data,
        "at": event.at.isoformat(),
        "org_id": event.org_id,
    }
