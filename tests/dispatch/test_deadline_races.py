"""An answer, or a lift, stored while a batch of deadlines is firing: neither waits for the
other until PostgreSQL breaks a deadlock, and nobody is called again after answering (or
after the warning ended). On SQLite the two take turns at the one writer."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from dispatch.warnings import calls
from dispatch.warnings.batch import AckRequest, ack_many
from dispatch.warnings.models import Recipient
from service.auth.permissions import Principal
from service.clock.models import Timer, TimerState
from service.clock.runner import Clock
from service.db import Database, utcnow
from service.realtime.models import OutboxEvent
from tests.dispatch.conftest import County, issue

API = "/api/v1/warnings"


async def _store(
    how: str, client: httpx.AsyncClient, county: County, db: Database, warning_id: int
) -> None:
    person = county.responsible["vb"][0]
    if how == "answer over HTTP":
        r = await client.post(
            f"{API}/{warning_id}/acks", json={"person_id": person.id}, headers=county.person(person)
        )
        assert r.status_code == 200, r.text
    elif how == "answer in a batch":
        user = county.users[person.id or 0]
        actor = Principal(user.id, user.username, (), person_id=person.id)
        async with db.session() as s:
            [answer] = await ack_many(s, [AckRequest(actor, warning_id, person.id or 0)])
        assert not isinstance(answer, Exception)
    else:
        r = await client.post(f"{API}/{warning_id}/lift", headers=county.duty)
        assert r.status_code == 200, r.text


@pytest.mark.parametrize("how", ["answer over HTTP", "answer in a batch", "lift"])
async def test_stored_while_its_deadline_fires(
    client: httpx.AsyncClient, county: County, db: Database, how: str
) -> None:
    w = await issue(
        client,
        county,
        rules=[{"rule": "responsible_persons", "org_ids": [county.world.village_b.id]}],
        respond_within_s=600,
        recall_count=1,
        recall_interval_s=600,
    )
    async with db.session() as s:  # the deadline falls due now
        await (await s.connection()).execute(
            sa.update(Timer).where(Timer.kind == calls.DEADLINE).values(due_at=utcnow())
        )
    holding, go = asyncio.Event(), asyncio.Event()

    async def held(session: Any, timers: list[Timer]) -> None:
        holding.set()  # the batch has marked its timer done: it holds it
        await go.wait()
        await calls.deadlines_passed(session, timers)

    clock = Clock(db, tick_s=0.1, batch_handlers={calls.DEADLINE: held})
    clock.start()
    try:
        await asyncio.wait_for(holding.wait(), 10)
        stored = asyncio.create_task(_store(how, client, county, db, w["id"]))
        await asyncio.sleep(0.3)  # PostgreSQL: stored meanwhile, without waiting for the batch
        go.set()
        # a deadlock would be broken by PostgreSQL after 1 s, by failing the waiting one (the
        # answer or lift: an error here)
        await asyncio.wait_for(stored, 10)
        async with asyncio.timeout(10):
            while clock._in_flight:  # noqa: ASYNC110
                await asyncio.sleep(0.02)
    finally:
        await clock.stop()
    async with db.session(write=False) as s:
        timers = (await s.exec(select(Timer).where(Timer.kind == calls.DEADLINE))).all()
        events = (
            await s.exec(select(OutboxEvent.type, OutboxEvent.data).order_by(col(OutboxEvent.seq)))
        ).all()
        recipient = (await s.exec(select(Recipient))).one()
    assert sum(t.state == TimerState.done for t in timers) == 1  # the deadline fired once
    kinds = [type_ for type_, data in events if type_ != "warning.called" or data["call"] > 1]
    stop = "warning.lifted" if how == "lift" else "warning.acked"
    assert kinds.count(stop) == 1
    # called again before it (SQLite: the batch went first), never after it
    assert "warning.called" not in kinds[kinds.index(stop) :]
    assert not [t for t in timers if t.state in (TimerState.pending, TimerState.running)]
    assert (recipient.acked_at is not None) == (how != "lift")
