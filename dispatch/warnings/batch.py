"""Answers in bulk: when thousands of phones answer at once, their answers share
transactions. One worker per process takes whatever has queued up (up to ``MAX_BATCH``)
and stores it in one transaction: one read of the recipients, one batched update, one
delete of their deadline timers, one append of the events. Each phone's reply is sent
only after that transaction has committed, so an answer that was confirmed is durable.

Answers that need more than a plain recipient's answer (feedback, escalation tasks,
someone answering for another person) take the one-by-one path, each in a savepoint of
the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import structlog
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch.warnings import answers, calls, service
from dispatch.warnings.answers import Answer
from dispatch.warnings.models import Recipient, RecipientState, Warning
from service import jsontext
from service.auth.permissions import Principal
from service.batching import Batcher
from service.clock import service as clock
from service.clock.models import TimerState
from service.db import Database, UTCDateTime, one_of, utcnow
from service.errors import NotFound, ProblemError, ServiceUnavailable
from service.orgs.models import Org
from service.realtime import outbox

log = structlog.get_logger("yingji.warnings")
MAX_BATCH = 1000
STATES = {str(s): s for s in RecipientState}  # a stored state as its member, cheaply


@dataclass(slots=True)  # not frozen: a frozen dataclass is made three times slower
class AckRequest:
    actor: Principal
    warning_id: int
    person_id: int
    feedback: str | None = None


Result = Answer | ProblemError


@dataclass(slots=True)
class Called:
    """What a batch needs of a recipient row (read without ORM objects: thousands at once)."""

    id: int
    warning_id: int
    person_id: int
    org_id: int
    org_path: str
    township_id: int | None
    state: str
    due_at: datetime | None
    acked_at: datetime | None
    on_behalf: bool


async def ack_many(session: AsyncSession, requests: list[AckRequest]) -> list[Result]:
    results: list[Result | None] = [None] * len(requests)
    rows = (  # the warnings with their issuing orgs, in one read
        await session.exec(
            select(Warning, Org)
            .outerjoin(Org, col(Org.id) == col(Warning.org_id))
            .where(col(Warning.id).in_({r.warning_id for r in requests}))
        )
    ).all()
    warnings = {w.id: (w, issuer) for w, issuer in rows}
    found = await _recipients(session, requests)
    now = utcnow()
    answered: list[Called] = []  # answering now, with their new state
    answered_by: list[int | None] = []
    escalated: list[int] = []
    events: list[dict[str, Any]] = []
    slow: list[int] = []
    # per warning: what its events share, and its issuer (thousands of answers, one warning)
    shared: dict[int, tuple[dict[str, Any], Org | None]] = {}
    for i, request in enumerate(requests):
        warning, issuer = warnings.get(request.warning_id, (None, None))
        recipient = found.get((request.warning_id, request.person_id))
        if warning is None:
            results[i] = NotFound("warning")
            continue
        if recipient is None or request.feedback or request.actor.person_id != request.person_id:
            slow.append(i)
            continue
        if recipient.acked_at is None:
            if recipient.state == RecipientState.escalated:
                escalated.append(recipient.id)
            late = recipient.due_at is not None and now > recipient.due_at
            recipient.state = RecipientState.late if late else RecipientState.acknowledged
            recipient.acked_at = now
            answered.append(recipient)
            answered_by.append(request.actor.user_id)
            common = shared.get(request.warning_id)
            if common is None:
                about = calls.acked_about(warning, on_behalf=False, acked_at=now)
                common = shared[request.warning_id] = (about, issuer)
            events += calls.acked_events(
                recipient, common[1], state=recipient.state, about=common[0]
            )
        results[i] = Answer(
            request.warning_id,
            recipient.person_id,
            STATES[recipient.state],
            recipient.acked_at,
            recipient.state == RecipientState.late,
            recipient.on_behalf,
            0,
        )
    if answered:
        # when the events come next (no escalation tasks to stop, no answer left for the
        # slow path: nothing that waits for other locks), the answers' statement also takes
        # the outbox lock, one round trip less
        last = not escalated and not slow
        await _store_answers(session, answered, answered_by, now, lock_outbox=last)
        await calls.stop_tasks_of(session, escalated)
    await outbox.append_many(session, events)
    for i in slow:
        results[i] = await _one(session, requests[i])
    return [r if r is not None else NotFound("recipient") for r in results]


async def _store_answers(
    session: AsyncSession,
    answered: list[Called],
    by: list[int | None],
    now: datetime,
    *,
    lock_outbox: bool,
) -> None:
    """The answers, and no more calls for whoever answered (``calls.stop_deadlines_of``)."""
    connection = await session.connection()
    if connection.dialect.name == "postgresql":  # one statement, one array per column
        await connection.execute(
            _ANSWER_LOCK_PG if lock_outbox else _ANSWER_PG,
            {
                "rid": [r.id for r in answered],
                "st": [r.state for r in answered],
                "by": by,
                "now": now,
                "kind": calls.DEADLINE,
                "refs": [calls.recipient_ref(r.id) for r in answered],
                "ended": _ENDED_TIMER,
            },
        )
        if lock_outbox:
            outbox.locked(session)
        return
    # SQLite: one statement too, the rows as one JSON document. An executemany is slower
    # here, even of rows converted beforehand (8 against 4-5 µs per answer; unlike the
    # outbox's insert, whose seven columns cost seven JSON parses per row)
    rows = jsontext.dumps([[r.id, r.state, u] for r, u in zip(answered, by, strict=True)])
    await connection.execute(_UPDATE_JSON, {"rows": rows, "now": now})
    await calls.stop_deadlines_of(session, [r.id for r in answered])


# the answers and ``calls.stop_deadlines_of`` in one round trip; the timers' state as
# in ``clock.in_state`` (NOT IN the ended states: through the ref index)
_ENDED_TIMER = clock.states_but(TimerState.pending, TimerState.running)
_ANSWERS_PG = (
    "WITH answered AS (UPDATE warning_recipient AS r SET state = v.st, acked_by = v.by, "
    "acked_at = :now, updated_at = :now, on_behalf = false "
    "FROM unnest(CAST(:rid AS integer[]), CAST(:st AS varchar[]), CAST(:by AS integer[])) "
    "AS v(rid, st, by) WHERE r.id = v.rid), "
    "stopped AS (DELETE FROM clock_timer WHERE id IN (SELECT id FROM clock_timer "
    "WHERE kind = :kind AND ref = ANY(CAST(:refs AS varchar[])) "
    "AND state <> ALL(CAST(:ended AS varchar[])) FOR UPDATE SKIP LOCKED)) "
)
_ANSWER_PG = sa.text(_ANSWERS_PG + "SELECT 1")
_ANSWER_LOCK_PG = sa.text(_ANSWERS_PG + "SELECT " + outbox.LOCK_EXPRESSION)
_UPDATE_JSON = sa.text(
    "UPDATE warning_recipient SET state = v.st, acked_by = v.uid, acked_at = :now, "
    "updated_at = :now, on_behalf = 0 FROM (SELECT json_extract(value, '$[0]') AS rid, "
    "json_extract(value, '$[1]') AS st, json_extract(value, '$[2]') AS uid "
    "FROM json_each(:rows)) AS v WHERE warning_recipient.id = v.rid"
).bindparams(sa.bindparam("now", type_=UTCDateTime()))


async def _recipients(
    session: AsyncSession, requests: list[AckRequest]
) -> dict[tuple[int, int], Called]:
    wanted = {(r.warning_id, r.person_id) for r in requests}
    t = Recipient.__table__  # type: ignore[attr-defined]
    query = sa.select(
        t.c.id,
        t.c.warning_id,
        t.c.person_id,
        t.c.org_id,
        t.c.org_path,
        t.c.township_id,
        t.c.state,
        t.c.due_at,
        t.c.acked_at,
        t.c.on_behalf,
    )
    connection = await session.connection()
    dialect = connection.dialect.name
    query = query.where(
        one_of(t.c.warning_id, sorted({w for w, _ in wanted}), dialect),
        one_of(t.c.person_id, sorted({p for _, p in wanted}), dialect),
    )
    if dialect == "postgresql":  # another batch (or instance) waits for this one
        query = query.order_by(t.c.id).with_for_update()  # locks taken in one order
    found: dict[tuple[int, int], Called] = {}
    for row in (await connection.execute(query)).all():  # in one call, not row by row
        key = (row[1], row[2])  # by position: thousands of rows
        if key in wanted:
            found[key] = Called(*row)  # type: ignore[call-arg]  # columns in field order
    return found


async def _one(session: AsyncSession, request: AckRequest) -> Result:
    """The full rules for one answer, in a savepoint: its failure touches nothing else."""
    try:
        async with session.begin_nested():
            warning, _ = await service.get_visible(session, request.actor, request.warning_id)
            return await answers.ack(
                session, request.actor, warning, request.person_id, request.feedback
            )
    except ProblemError as exc:
        return exc


class AckBatcher(Batcher[AckRequest, Answer]):
    """The process's answers, stored in batches of up to ``MAX_BATCH``; on PostgreSQL on a
    thread of their own (they come in floods over the WebSocket)."""

    max_batch = MAX_BATCH
    own_thread = True

    async def _store(self, db: Database, requests: list[AckRequest]) -> list[Result]:
        try:
            async with db.session() as session:
                return await ack_many(session, requests)
        except Exception:  # the batch's transaction failed as a whole: one by one
            log.exception("answer batch failed; storing one by one", size=len(requests))
        results: list[Result] = []
        for request in requests:
            try:
                async with db.session() as session:
                    results.append(await _one(session, request))
            except Exception:
                log.exception("answer failed", warning_id=request.warning_id)
                results.append(ServiceUnavailable("database_unavailable"))
        return results
