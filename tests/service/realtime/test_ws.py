"""The WebSocket channel: auth, protocol, resume with no gap and no duplicate, scope."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import httpx
import jwt
import pytest
from websockets.exceptions import ConnectionClosed

from service.auth.permissions import Role
from service.auth.security import JWT_ALGORITHM
from service.db import Database, utcnow
from service.errors import Forbidden
from service.realtime import ws as ws_module
from tests.factories import SECRET, World, bearer
from tests.service.realtime.conftest import (
    Live,
    drain,
    receive_events,
    subscribe,
    write_events,
)


def token_of(headers: dict[str, str]) -> str:
    return headers["Authorization"].split()[1]


@pytest.mark.parametrize("token", ["", "garbage", "yj_not-a-real-token"])
async def test_bad_token_closes_4401(live: Live, token: str) -> None:
    ws = await live.client(token)
    with pytest.raises(ConnectionClosed) as closed:
        await asyncio.wait_for(ws.recv(), 5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


async def test_protocol_errors_keep_the_connection(live: Live, world: World) -> None:
    ws = await live.client(token_of(world.headers(Role.viewer)))
    await ws.send("{not json")
    assert json.loads(await ws.recv())["code"] == "invalid_json"
    await ws.send(json.dumps({"op": "dance"}))
    assert json.loads(await ws.recv())["code"] == "unknown_op"
    await ws.send(json.dumps({"op": "subscribe", "topics": [], "since": -1}))
    error = json.loads(await ws.recv())
    assert error["code"] == "invalid_subscribe"
    assert {e["field"] for e in error["errors"]} == {"topics", "since"}
    await ws.send(json.dumps({"op": "ping"}))
    assert json.loads(await ws.recv()) == {"op": "pong"}
    await ws.close()


async def test_a_request_that_fails_is_answered_and_the_connection_stays(
    live: Live, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whichever way an op answers (at once, in a task, or later from a future), a bug in
    it is answered ``internal_error`` with the client's ref, a refusal with its problem."""

    def broken(state: Any, principal: Any, message: dict[str, Any]) -> Any:
        raise RuntimeError("a bug")

    async def broken_later(state: Any, principal: Any, message: dict[str, Any]) -> Any:
        raise RuntimeError("a bug, later")

    def refused_later(state: Any, principal: Any, message: dict[str, Any]) -> Any:
        future = asyncio.get_running_loop().create_future()
        future.set_result(Forbidden("role_required", roles="admin"))
        return ws_module.Later(future, lambda result: {"op": "done"})

    for name, handler in (("t_now", broken), ("t_task", broken_later), ("t_fut", refused_later)):
        monkeypatch.setitem(ws_module.OPS, name, handler)
    ws = await live.client(token_of(world.headers(Role.viewer)))
    for name, code, status in (
        ("t_now", "internal_error", 500),
        ("t_task", "internal_error", 500),
        ("t_fut", "role_required", 403),
    ):
        await ws.send(json.dumps({"op": name, "ref": name}))
        reply = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert (reply["op"], reply["code"], reply["status"], reply["ref"]) == (
            "error",
            code,
            status,
            name,
        )
    await ws.send(json.dumps({"op": "ping"}))
    assert json.loads(await asyncio.wait_for(ws.recv(), 5)) == {"op": "pong"}
    await ws.close()


async def test_oversized_frame_closes_1009(live: Live, world: World) -> None:
    ws = await live.client(token_of(world.headers(Role.viewer)))
    await ws.send(json.dumps({"op": "ping", "pad": "x" * 100_000}))
    with pytest.raises(ConnectionClosed) as closed:
        await asyncio.wait_for(ws.recv(), 5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


async def test_live_events_after_commit_only(live: Live, world: World) -> None:
    root = bearer(world.root_admin)
    ws = await live.client(token_of(root))
    await subscribe(ws, ["orgs"])
    async with httpx.AsyncClient(base_url=live.http, headers=root) as http:
        failed = await http.patch(
            f"/api/v1/orgs/{world.village_b.id}", json={"parent_id": world.town_a.id, "lat": 1.0}
        )
        assert failed.status_code == 422  # rolled back: must never be sent
        created = await http.post(
            "/api/v1/orgs", json={"name": "实时村", "kind": "village", "parent_id": world.town_a.id}
        )
    [event] = await receive_events(ws, 1)
    assert event["type"] == "org.created" and event["data"]["id"] == created.json()["id"]
    assert set(event) >= {"seq", "topic", "type", "data", "at"}
    with pytest.raises(TimeoutError):
        await receive_events(ws, 1, within=0.5)
    await ws.close()


async def test_resume_gets_exactly_what_was_missed(live: Live, db: Database, world: World) -> None:
    token = token_of(bearer(world.root_admin))
    ws = await live.client(token)
    await subscribe(ws, ["*"])
    first = await write_events(db, 3)
    seen = await receive_events(ws, 3)
    assert [e["seq"] for e in seen] == first
    await ws.close()
    missed = await write_events(db, 50)
    ws = await live.client(token)
    await subscribe(ws, ["*"], since=seen[-1]["seq"])
    replayed = await receive_events(ws, 50)
    assert [e["seq"] for e in replayed] == missed
    with pytest.raises(TimeoutError):
        await receive_events(ws, 1, within=0.5)
    await ws.close()


async def test_events_written_during_replay_are_neither_lost_nor_doubled(
    live: Live, db: Database, world: World
) -> None:
    token = token_of(bearer(world.root_admin))
    before = await write_events(db, 300)
    ws = await live.client(token)
    writer = asyncio.create_task(write_events(db, 200))
    await subscribe(ws, ["people"], since=before[0] - 1)
    during = await writer
    received = await receive_events(ws, 500, within=30)
    assert [e["seq"] for e in received] == before + during
    with pytest.raises(TimeoutError):
        await receive_events(ws, 1, within=0.5)
    await ws.close()


async def test_a_township_never_receives_another_townships_events(
    live: Live, db: Database, world: World
) -> None:
    ws_a = await live.client(token_of(world.headers(Role.duty_officer)))
    ws_b = await live.client(token_of(bearer(world.user_b)))
    await subscribe(ws_a, ["*"], since=0)  # replay of everything so far, then live
    await subscribe(ws_b, ["*"], since=0)
    await write_events(db, 5, org_id=world.town_a.id, org_path=world.town_a.path)
    await write_events(db, 5, org_id=world.village_b.id, org_path=world.village_b.path)
    await write_events(db, 2)  # no org: only for those who hold every org
    township_of = {
        world.town_a.id: "a",
        world.village_a.id: "a",
        world.town_b.id: "b",
        world.village_b.id: "b",
    }
    seen_a = [township_of.get(e["org_id"], "?") for e in await drain(ws_a)]
    seen_b = [township_of.get(e["org_id"], "?") for e in await drain(ws_b)]
    assert seen_a.count("a") >= 5 and set(seen_a) == {"a"}
    assert seen_b.count("b") >= 5 and set(seen_b) == {"b"}
    await ws_a.close()
    await ws_b.close()


async def test_a_connection_is_closed_when_its_token_expires(live: Live, world: World) -> None:
    now = utcnow()
    short = jwt.encode(
        {
            "sub": str(world.users_a[Role.viewer].id),
            "exp": now + timedelta(seconds=6),  # long enough to connect on a loaded machine
            "iat": now,
            "typ": "access",
        },
        SECRET,
        algorithm=JWT_ALGORITHM,
    )
    ws = await live.client(short)
    await subscribe(ws, ["*"])
    with pytest.raises(ConnectionClosed) as closed:
        async with asyncio.timeout(20):
            while True:
                await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
    assert "expired" in closed.value.rcvd.reason


async def test_live_connections_get_every_event_once_across_pings_and_resubscribes(
    live: Live, world: World
) -> None:
    """Live connections are written by the pump per audience; a ping or a new subscription
    hands a connection back to its writer and then to the pump, with nothing lost or
    doubled on the way."""
    token = token_of(bearer(world.root_admin))
    db = live.app.state.db  # written through the app: dispatched as each commit returns
    same = [await live.client(token) for _ in range(3)]  # one audience
    narrow = await live.client(token)  # the same grants, other topics: another audience
    for ws in same:
        await subscribe(ws, ["*"])
    await subscribe(narrow, ["orgs"])
    written: list[int] = []
    for round_ in range(5):
        written += await write_events(db, 4)
        await same[round_ % 3].send('{"op": "ping"}')  # back to its writer, then live again
        written += await write_events(db, 3, topic="orgs")
    orgs_events = [seq for i, seq in enumerate(written) if i % 7 >= 4]  # 3 of every 7
    for ws, expected in [*((ws, written) for ws in same), (narrow, orgs_events)]:
        assert [e["seq"] for e in await receive_events(ws, len(expected))] == expected
        assert await drain(ws, quiet=0.5) == []
    await subscribe(narrow, ["people"], since=written[-1])  # a new audience, from here on
    more = await write_events(db, 2)
    assert [e["seq"] for e in await receive_events(narrow, 2)] == more
    for ws in [*same, narrow]:
        await ws.close()
    hub = live.app.state.hub
    async with asyncio.timeout(5):
        while hub.connections:  # noqa: ASYNC110  (the server notices the closes by itself)
            await asyncio.sleep(0.05)
    assert (hub.live_count, hub.subscribed_count, hub.audiences) == (0, 0, {})


async def test_a_storm_of_reconnects_logs_in_a_few_at_a_time_and_all_get_in(
    live: Live, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Phones coming back all at once take turns reading their principal, a few at a
    time, instead of queueing for the pool's connections (where, at 10,000, the unlucky
    ones timed out after 30 s and were dropped)."""
    real = ws_module.auth.principal_for_token
    busy = peak = 0

    async def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal busy, peak
        busy += 1
        peak = max(peak, busy)
        try:
            await asyncio.sleep(0.01)
            return await real(*args, **kwargs)
        finally:
            busy -= 1

    monkeypatch.setattr(ws_module.auth, "principal_for_token", counted)
    token = token_of(world.headers(Role.viewer))

    async def phone() -> dict[str, Any]:
        ws = await live.client(token)
        try:
            return await subscribe(ws, ["*"])
        finally:
            await ws.close()

    acks = await asyncio.gather(*(phone() for _ in range(60)))
    assert [a["op"] for a in acks] == ["subscribed"] * 60
    assert 2 <= peak <= ws_module.LOGINS_AT_ONCE
