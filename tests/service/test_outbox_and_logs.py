"""The outbox under concurrent writers, and logs that keep secrets out."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from service import jsontext, logs
from service.auth import service as auth
from service.auth.permissions import Role
from service.db import Database
from service.realtime import outbox
from service.realtime.hub import encode
from service.realtime.models import OutboxEvent
from tests.factories import PASSWORD, World, bearer


async def test_concurrent_writers_get_consecutive_seqs_in_commit_order(
    client: httpx.AsyncClient, world: World
) -> None:
    root = bearer(world.root_admin)
    before = (await client.get("/api/v1/events", headers=root, params={"limit": 1000})).json()

    async def create(i: int) -> httpx.Response:
        return await client.post(
            "/api/v1/people",
            headers=root,
            json={"name": f"并发{i}", "org_id": world.town_a.id, "phones": [f"1390001{i:04d}"]},
        )

    responses = await asyncio.gather(*(create(i) for i in range(30)))
    assert [r.status_code for r in responses] == [201] * 30
    after = (
        await client.get(
            "/api/v1/events", headers=root, params={"since": before["last_seq"], "limit": 1000}
        )
    ).json()
    seqs = [e["seq"] for e in after["data"]]
    assert seqs == list(range(before["last_seq"] + 1, before["last_seq"] + 31))
    assert {e["data"]["id"] for e in after["data"]} == {r.json()["id"] for r in responses}


async def test_logs_carry_request_ids_and_no_secrets(
    client: httpx.AsyncClient, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    logs.configure("INFO", json=True)
    try:
        await client.post("/api/v1/auth/token", data={"username": "a-viewer", "password": PASSWORD})
        await client.post(
            "/api/v1/auth/token", data={"username": "a-viewer", "password": "a-wrong-password"}
        )
        headers = world.headers(Role.viewer)
        await client.get("/api/v1/orgs?token=should-not-appear", headers=headers)
        logs.get_logger("yingji.test").info("login", password="hunter2", api_token="yj_x")
    finally:
        logs.configure("WARNING", json=False)
    err = capsys.readouterr().err
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("event") == "request"]
    assert len(requests) == 3 and all(len(line["request_id"]) == 32 for line in requests)
    for secret in (
        PASSWORD,
        "a-wrong-password",
        "should-not-appear",
        "hunter2",
        "yj_x",
        headers["Authorization"].split()[1],
    ):
        assert secret not in err


async def test_events_staged_in_a_rolled_back_savepoint_are_dropped(db: Database) -> None:
    """An event is written with its transaction, and only with the part of it that stands."""

    async def stage(session: AsyncSession, name: str) -> None:
        await outbox.append(session, topic="test", type=name, data={}, org_id=None, org_path=None)

    async with db.session() as session:
        await stage(session, "kept.before")
        with pytest.raises(ValueError):
            async with session.begin_nested():
                await stage(session, "dropped")
                raise ValueError
        async with session.begin_nested():
            await stage(session, "kept.inside")
        await stage(session, "kept.after")
    with pytest.raises(RuntimeError):
        async with db.session() as session:
            await stage(session, "rolled.back")
            raise RuntimeError
    async with db.session(write=False) as session:
        rows = await session.exec(select(OutboxEvent.type).order_by(col(OutboxEvent.seq)))
        assert list(rows.all()) == ["kept.before", "kept.inside", "kept.after"]


async def test_events_are_stored_as_written(db: Database) -> None:
    """Every value of many events in one insert comes back as it was: nested data with
    Chinese text, nulls and numbers, the org, and the time to the microsecond."""
    data = {"标题": "暴雨红色预警", "levels": [1, None, True, 2.5], "nested": {"村": "甲村"}}
    async with db.session() as session:
        written = await outbox.append_many(
            session,
            [
                {"topic": "test", "type": f"bulk.{i}", "data": data | {"i": i}, "org_id": i}
                | ({"org_path": f"/1/{i}/"} if i % 2 else {})
                for i in range(300)
            ],
        )
    async with db.session(write=False) as session:
        rows = list(
            await session.exec(
                select(OutboxEvent)
                .where(OutboxEvent.topic == "test")
                .order_by(col(OutboxEvent.seq))
            )
        )
    assert [r.seq for r in rows] == [e.seq for e in written]
    for row, event in zip(rows, written, strict=True):
        assert (row.type, row.data, row.org_id, row.org_path) == (
            event.type,
            event.data,
            event.org_id,
            event.org_path,
        )
        assert row.at == event.at and row.at.utcoffset() is not None
    # read back as the hub's pump reads them (the data as stored, not parsed), each event's
    # frame is the very text of the one this process committed
    async with db.session(write=False) as session:
        read = await outbox.after(session, (written[0].seq or 0) - 1, 1000)
    assert [e.seq for e in read] == [e.seq for e in written]
    assert all(isinstance(e.data, jsontext.Raw) for e in read)
    assert [encode(e) for e in read] == [encode(e) for e in written]
    assert json.loads(encode(read[1]))["data"] == data | {"i": 1}


async def test_the_raw_read_sees_what_the_rows_read_sees(db: Database, world: World) -> None:
    """``outbox.after`` (the pump and the WebSocket replay) keeps to the caller's scope and
    topics exactly as ``outbox.since`` (the HTTP catch-up) does, with the same frames."""
    places = [(world.town_a.id, world.town_a.path), (world.village_b.id, world.village_b.path)]
    async with db.session() as session:
        await outbox.append_many(
            session,
            [
                {"topic": topic, "type": "t", "data": {"n": i}, "org_id": org, "org_path": path}
                for i, (topic, (org, path)) in enumerate(
                    (topic, place) for topic in ("people", "orgs") for place in places * 3
                )
            ]
            + [{"topic": "people", "type": "t", "data": {"n": -1}}],  # no org
        )
    assert world.user_b is not None
    async with db.session(write=False) as session:
        township_b = await auth.load_principal(session, world.user_b.id or 0)
        assert township_b is not None
        for topics in (None, ["people"]):
            rows = await outbox.since(session, township_b, after=0, limit=100, topics=topics)
            raw = await outbox.after(session, 0, 100, principal=township_b, topics=topics)
            assert rows and [encode(e) for e in raw] == [encode(e) for e in rows]
            paths = {e.org_path or "" for e in raw}  # township b's (the fixture's too)
            assert world.village_b.path in paths
            assert all(p.startswith(world.town_b.path) for p in paths)
