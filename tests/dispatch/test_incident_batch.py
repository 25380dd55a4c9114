"""Incidents recorded at the same time share a transaction: each caller still gets its own
answer, a refused incident saves nothing and does not hold up the others, and a batch whose
transaction fails is written again one by one, never half."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from dispatch.incidents import batch
from dispatch.incidents.schemas import IncidentCreate
from service.auth.permissions import Role
from service.auth.service import load_principal
from service.db import Database
from service.errors import Invalid
from tests.dispatch.incident_helpers import API, ago, incident_body
from tests.factories import World, bearer


async def _rows(db: Database, table: str, where: str = "") -> int:
    async with db.session(write=False) as s:
        return int(await s.scalar(sa.text(f"SELECT count(*) FROM {table} {where}")))  # noqa: S608


async def test_concurrent_incidents_each_answered_and_written_whole(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    duty_a = world.headers(Role.duty_officer)
    duty_b = bearer(world.user_b)
    posts: list[tuple[dict[str, str], dict[str, Any]]] = [
        (duty_a, incident_body(world, title=f"甲镇事故 {i}", deaths=i)) for i in range(6)
    ]
    posts += [
        (duty_b, incident_body(world, title="乙镇越权")),  # town A is not B's
        (duty_a, incident_body(world, title="先报后发", reported_at=ago(hours=2))),
        (duty_b, incident_body(world, title="乙镇事故", org_id=world.town_b.id)),
    ]
    answers = await asyncio.gather(*(client.post(API, json=b, headers=h) for h, b in posts))
    assert [r.status_code for r in answers] == [201] * 6 + [422, 422, 201]
    assert answers[6].json()["errors"][0]["field"] == "org_id"
    assert answers[7].json()["errors"][0]["field"] == "reported_at"
    made = [r.json() for r in answers if r.status_code == 201]
    titles = [b["title"] for _, b in posts]
    assert [m["title"] for m in made] == [*titles[:6], titles[8]]
    assert [m["grade"] for m in made[:6]] == ["general"] * 3 + ["large"] * 3
    assert len({m["id"] for m in made}) == 7
    root = bearer(world.root_admin)
    for m in made:  # each with its first grade, its reports due and its log entry
        detail = (await client.get(f"{API}/{m['id']}", headers=root)).json()
        assert detail["grades"][0]["grade"] == m["grade"] and len(detail["grades"]) == 1
        assert {r["level"] for r in detail["reports"]} >= {"county", "city"}
    assert await _rows(db, "incident") == 7
    page = (await client.get(f"{API}?open=true&limit=2", headers=root)).json()
    assert (
        page["count"] == 7
        and [i["id"] for i in page["data"]] == sorted((m["id"] for m in made), reverse=True)[:2]
    )
    past = (await client.get(f"{API}?open=true&offset=100", headers=root)).json()
    assert past == {"data": [], "count": 7}
    mine = (await client.get(f"{API}?org_id={world.town_b.id}", headers=root)).json()
    assert mine["count"] == 1 and mine["data"][0]["title"] == "乙镇事故"
    assert await _rows(db, "incident_log", "WHERE kind = 'created'") == 7
    assert await _rows(db, "audit_log", "WHERE object_type = 'incident'") == 7
    events = (await client.get("/api/v1/events?topic=incidents", headers=root)).json()["data"]
    created = [e["data"]["id"] for e in events if e["type"] == "incident.created"]
    assert sorted(created) == sorted(m["id"] for m in made)
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


async def test_a_viewer_is_refused_before_the_body_is_read(
    client: httpx.AsyncClient, world: World
) -> None:
    viewer = world.headers(Role.viewer)
    r = await client.post(API, json={"title": ""}, headers=viewer)
    assert r.status_code == 403
    assert (await client.post(API, json=incident_body(world))).status_code == 401


async def test_a_failed_batch_is_written_again_one_by_one(
    world: World, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = batch.create_many
    sizes: list[int] = []

    async def failing_once(session: Any, requests: list[batch.CreateRequest]) -> list[Any]:
        results = await real(session, requests)  # written, then the transaction fails
        sizes.append(len(requests))
        if len(sizes) == 1:
            raise RuntimeError("the database went away")
        return results

    monkeypatch.setattr(batch, "create_many", failing_once)
    async with db.session(write=False) as s:
        duty = await load_principal(s, world.users_a[Role.duty_officer].id or 0)
    assert duty is not None
    bodies = [
        IncidentCreate.model_validate(incident_body(world, title=f"事故 {i}")) for i in range(4)
    ]
    bodies.append(IncidentCreate.model_validate(incident_body(world, org_id=world.town_b.id)))
    batcher = batch.IncidentBatcher(db)
    waiting = [asyncio.ensure_future(batcher.create(duty, b)) for b in bodies]
    await asyncio.sleep(0)  # all five queued before the worker starts: one batch
    batcher.start()
    try:
        answers = await asyncio.gather(*waiting, return_exceptions=True)
    finally:
        await batcher.stop()
    assert sizes == [5]  # the batch failed; then each alone, outside create_many
    assert [a.title for a in answers[:4]] == [f"事故 {i}" for i in range(4)]  # type: ignore[union-attr]
    assert isinstance(answers[4], Invalid)  # town B is not theirs
    assert await _rows(db, "incident") == 4
    assert await _rows(db, "incident_grade") == 4
    assert await _rows(db, "incident_log") == 4
    assert await _rows(db, "audit_log", "WHERE object_type = 'incident'") == 4
