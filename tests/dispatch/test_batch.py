"""Answers stored in batches: one transaction for many phones, each answer exactly once,
and every other case (for someone else, with feedback, a stranger, an unknown warning)
with the same result as one by one."""

from __future__ import annotations

import asyncio

import httpx
import sqlalchemy as sa
from sqlmodel import col

from dispatch.warnings import calls
from dispatch.warnings.answers import Answer
from dispatch.warnings.batch import AckBatcher, AckRequest, ack_many
from dispatch.warnings.models import Recipient
from service.auth import service as auth
from service.auth.permissions import Principal
from service.clock.models import Timer, TimerState
from service.db import Database
from service.errors import Forbidden, NotFound
from service.realtime.models import OutboxEvent
from tests.dispatch.conftest import County, issue


async def principal(db: Database, county: County, key: int) -> Principal:
    async with db.session(write=False) as s:
        found = await auth.load_principal(s, county.users[key].id or 0)
    assert found is not None
    return found


async def test_a_mixed_batch(client: httpx.AsyncClient, county: County, db: Database) -> None:
    w = await issue(client, county)
    a, b = county.responsible["va"]
    c = county.responsible["vb"][0]
    pa, pb, pc = [await principal(db, county, p.id or 0) for p in (a, b, c)]
    room = await principal(db, county, 0)
    requests = [
        AckRequest(pa, w["id"], a.id or 0),
        AckRequest(pa, w["id"], a.id or 0),  # the same phone again in the same batch
        AckRequest(pb, w["id"], b.id or 0, feedback="收到，已通知村民"),
        AckRequest(room, w["id"], c.id or 0),  # the duty room for someone, by phone
        AckRequest(pa, w["id"], c.id or 0),  # a for c: not allowed
        AckRequest(pa, 999_999, a.id or 0),  # no such warning
        AckRequest(pc, w["id"], county.leaders["b"].id or 0),  # not a recipient
    ]
    async with db.session() as s:
        results = await ack_many(s, requests)
    assert [type(r) for r in results] == [
        Answer,
        Answer,
        Answer,
        Answer,
        Forbidden,
        NotFound,
        NotFound,
    ]
    first, again, fed, behalf = results[:4]
    assert isinstance(first, Answer) and isinstance(again, Answer) and isinstance(behalf, Answer)
    assert first.state == again.state == "acknowledged" and first.acked_at == again.acked_at
    assert behalf.on_behalf is True and isinstance(fed, Answer) and not fed.on_behalf
    async with db.session(write=False) as s:
        acked = await s.scalar(
            sa.select(sa.func.count()).where(OutboxEvent.type == "warning.acked")
        )
        feedback = await s.scalar(
            sa.select(sa.func.count()).where(OutboxEvent.type == "warning.feedback")
        )
    assert (acked, feedback) == (3, 1)
    status = (await client.get(f"/api/v1/warnings/{w['id']}", headers=county.duty)).json()
    assert status["totals"]["answered"] == 3


async def test_the_batcher_stores_a_burst_once_each(
    client: httpx.AsyncClient, county: County, db: Database
) -> None:
    w = await issue(client, county)
    people = [p for ps in county.responsible.values() for p in ps]
    batcher = AckBatcher(db)
    batcher.start()
    try:
        actors = {p.id: await principal(db, county, p.id or 0) for p in people}
        answers = await asyncio.gather(
            *(
                batcher.submit(AckRequest(actors[p.id], w["id"], p.id or 0))
                for p in people
                for _ in range(3)
            )
        )
    finally:
        await batcher.stop()
    assert len(answers) == 3 * len(people) and {a.state for a in answers} == {"acknowledged"}
    async with db.session(write=False) as s:
        acked = await s.scalar(
            sa.select(sa.func.count()).where(OutboxEvent.type == "warning.acked")
        )
    assert acked == len(people)
    async with db.session(write=False) as s:  # each row as written, every column
        rows = (
            await s.execute(
                sa.select(Recipient).where(
                    Recipient.warning_id == w["id"], col(Recipient.person_id).in_(actors)
                )
            )
        ).scalars()
        stored = {r.person_id: r for r in rows}
    assert len(stored) == len(people)
    for person_id, row in stored.items():
        assert (row.state, row.on_behalf) == ("acknowledged", False)
        assert row.acked_by == actors[person_id].user_id
        assert row.acked_at is not None and row.acked_at.utcoffset() is not None
        assert row.acked_at == row.updated_at
    async with db.session(write=False) as s:  # nobody who answered is called again
        timers = (
            await s.execute(sa.select(Timer.ref, Timer.state).where(Timer.kind == calls.DEADLINE))
        ).all()
    status = (await client.get(f"/api/v1/warnings/{w['id']}", headers=county.duty)).json()
    total = status["totals"]["recipients"]
    answered = {calls.recipient_ref(r.id) for r in stored.values()}
    assert not [ref for ref, _ in timers if ref in answered]  # their deadlines are gone
    assert [state for _, state in timers] == [TimerState.pending] * (total - len(people))
