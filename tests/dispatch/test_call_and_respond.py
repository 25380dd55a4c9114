"""The clock calls again and escalates along the org tree to the leaders on duty from the
roster; an answer stops that recipient's chain only. Over real WebSockets, phones answer
with the ``ack`` op and the duty room sees the answers live."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime

import httpx
import pytest
import sqlalchemy as sa
from asgi_lifespan import LifespanManager

from dispatch.warnings.models import EscalationTask
from service.app import create_app
from service.auth.security import create_access_token
from service.db import Database
from service.realtime.models import OutboxEvent
from service.settings import Settings
from tests.dispatch.conftest import County, issue
from tests.factories import SECRET
from tests.service.realtime.conftest import Live, receive_events, serve, subscribe

API = "/api/v1/warnings"


async def events(db: Database, type_: str) -> list[dict]:
    async with db.session() as s:
        rows = await s.execute(
            sa.select(OutboxEvent.data).where(OutboxEvent.type == type_).order_by(OutboxEvent.seq)
        )
        return [r[0] for r in rows]


async def wait_for_events(db: Database, type_: str, count: int, within: float = 20) -> list[dict]:
    async with asyncio.timeout(within):
        while len(found := await events(db, type_)) < count:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
    return found


async def test_no_answer_is_called_again_then_escalated_up_to_the_county(
    settings: Settings, client: httpx.AsyncClient, county: County, db: Database
) -> None:
    silent, answering = county.responsible["va"]
    w = await issue(
        client,
        county,
        rules=[{"rule": "responsible_persons", "org_ids": [county.world.village_a.id]}],
        respond_within_s=1,
        recall_count=1,
        recall_interval_s=1,
    )
    r = await client.post(
        f"{API}/{w['id']}/acks", json={"person_id": answering.id}, headers=county.person(answering)
    )
    assert r.json()["state"] == "acknowledged"
    clocked = settings.model_copy(update={"clock_enabled": True, "clock_tick_s": 0.2})
    async with LifespanManager(create_app(clocked), shutdown_timeout=30):
        escalated = await wait_for_events(db, "warning.escalated", 2)
        await wait_for_events(db, "warning.escalation_exhausted", 1)
    calls = [e for e in await events(db, "warning.called") if e["person_id"] == silent.id]
    assert [c["call"] for c in calls] == [1, 2]  # called, then called again
    # the village's township leader on duty first, then the county's
    assert [(e["assignee_id"], e["step"], e["via"]) for e in escalated] == [
        (county.leaders["a"].id, 1, "duty"),
        (county.leaders["county"].id, 2, "duty"),
    ]
    assert all(e["person_id"] == silent.id and e["phones"] for e in escalated)
    assert not [e for e in await events(db, "warning.called") if e["person_id"] == answering.id][1:]
    status = (await client.get(f"{API}/{w['id']}", headers=county.duty)).json()
    mine = next(r for r in status["recipients"] if r["person_id"] == silent.id)
    assert mine["state"] == "escalated" and [t["step"] for t in mine["chain"]] == [1, 2]
    assert status["totals"] == {
        "org_id": None,
        "name": None,
        "recipients": 2,
        "answered": 1,
        "late": 0,
        "pending": 0,
        "escalated": 1,
    }
    # the late answer is taken, marked late, and stops nothing else (the chain has ended)
    r = await client.post(
        f"{API}/{w['id']}/acks", json={"person_id": silent.id}, headers=county.person(silent)
    )
    assert r.json()["state"] == "late" and r.json()["late"] is True


async def test_an_answer_during_escalation_stops_the_chain_and_the_leader_answers_the_task(
    settings: Settings, client: httpx.AsyncClient, county: County, db: Database
) -> None:
    silent = county.responsible["vb"][0]
    w = await issue(
        client,
        county,
        rules=[{"rule": "responsible_persons", "org_ids": [county.world.village_b.id]}],
        # the leader's task is due as long after the escalation: 3 s for the test to see it
        # and answer, even on a loaded machine (with 1 s it once climbed first)
        respond_within_s=3,
        recall_count=0,
        recall_interval_s=1,
    )
    clocked = settings.model_copy(update={"clock_enabled": True, "clock_tick_s": 0.2})
    async with LifespanManager(create_app(clocked), shutdown_timeout=30):
        (first,) = await wait_for_events(db, "warning.escalated", 1)
        leader = county.leaders["b"]
        assert first["assignee_id"] == leader.id
        r = await client.post(
            f"{API}/{w['id']}/acks", json={"person_id": leader.id}, headers=county.person(leader)
        )
        assert r.json()["tasks_acknowledged"] == 1 and r.json()["state"] is None
        r = await client.post(
            f"{API}/{w['id']}/acks", json={"person_id": silent.id}, headers=county.person(silent)
        )
        assert r.json()["state"] == "late"
        await asyncio.sleep(3.5)  # the task's deadline passes: nothing climbs
    assert len(await events(db, "warning.escalated")) == 1
    async with db.session() as s:
        states = (await s.execute(sa.select(EscalationTask.state))).all()
    assert [s[0] for s in states] == ["acknowledged"]


@pytest.fixture
async def live(settings: Settings) -> AsyncIterator[Live]:
    async for server in serve(settings):
        yield server


def token(county: County, person_key: int) -> str:
    return create_access_token(county.users[person_key].id or 0, SECRET, 60)[0]


async def test_phones_answer_over_the_websocket_and_the_duty_room_sees_it(
    live: Live, county: County
) -> None:
    phones = county.responsible["va"]
    async with httpx.AsyncClient(base_url=live.http) as http:
        room = await live.client(token(county, 0))
        await subscribe(room, ["warnings"])
        sockets = []
        for p in phones:
            ws = await live.client(token(county, p.id or 0))
            await subscribe(ws, ["warnings"])
            sockets.append(ws)
        w = await issue(
            http,
            county,
            rules=[{"rule": "responsible_persons", "org_ids": [county.world.village_a.id]}],
        )
        for p, ws in zip(phones, sockets, strict=True):
            # a phone sees its village's calls; the page shows the one naming its person
            called = [e for e in await receive_events(ws, 2) if e["data"]["person_id"] == p.id]
            assert called and called[0]["type"] == "warning.called"
            for _ in range(3):  # a bad network: the same answer three times
                await ws.send(
                    json.dumps({"op": "ack", "warning_id": w["id"], "person_id": p.id, "ref": "a1"})
                )
            replies = []
            async with asyncio.timeout(10):
                while len(replies) < 3:
                    frame = json.loads(await ws.recv())
                    if frame.get("op") == "acked":
                        replies.append(frame)
            assert {r["state"] for r in replies} == {"acknowledged"} and replies[0]["ref"] == "a1"
            # each reply has the first answer's time, in ISO 8601 as over HTTP
            at = replies[0]["acked_at"]
            assert {r["acked_at"] for r in replies} == {at, datetime.fromisoformat(at).isoformat()}
        seen = []
        async with asyncio.timeout(10):
            while len(seen) < 2:
                frame = json.loads(await room.recv())
                if frame.get("type") == "warning.acked":
                    seen.append(frame["data"]["person_id"])
        assert sorted(seen) == sorted(p.id for p in phones)
        # a stranger's ack is refused with a problem, not a crash
        await sockets[0].send(
            json.dumps({"op": "ack", "warning_id": w["id"], "person_id": county.leaders["b"].id})
        )
        async with asyncio.timeout(10):
            while (frame := json.loads(await sockets[0].recv())).get("op") != "error":
                pass
        assert frame["status"] == 404
        # a bad frame is answered at once, with the field and the client's ref
        # (an id beyond the 32-bit ids is bad input too, not a failed batch on PostgreSQL)
        bad_frames = (
            ({"warning_id": "x"}, "warning_id"),
            ({"warning_id": 2**31}, "warning_id"),
            ({"person_id": -1}, "person_id"),
        )
        for bad, field in bad_frames:
            frame = {"op": "ack", "warning_id": w["id"], "person_id": phones[0].id, "ref": field}
            await sockets[0].send(json.dumps(frame | bad))
            async with asyncio.timeout(10):
                while (reply := json.loads(await sockets[0].recv())).get("op") != "error":
                    pass
            assert reply["status"] == 422 and reply["ref"] == field
            assert [e["field"] for e in reply["errors"]] == [field]
            if bad == {"person_id": -1}:  # the rule, in the handshake's language (zh-CN)
                assert reply["errors"][0]["code"] == "greater_than_equal"
                assert reply["errors"][0]["message"] == "应不小于 1"
                assert reply["detail"] == "1 处输入不合规"
        for ws in [room, *sockets]:
            await ws.close()
