"""Every write leaves one audit row and one event, in the same transaction as the change."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.exc import DBAPIError

from service.auth.permissions import Role
from service.db import Database
from service.realtime import outbox
from tests.factories import World, bearer


async def _counts(db: Database) -> tuple[int, int]:
    async with db.session(write=False) as s:
        audit = await s.scalar(sa.text("SELECT count(*) FROM audit_log"))
        events = await s.scalar(sa.text("SELECT count(*) FROM outbox_event"))
    return int(audit or 0), int(events or 0)


async def test_every_write_is_audited_and_published(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    root = bearer(world.root_admin)
    base_audit, base_events = await _counts(db)
    last_seq = (await client.get("/api/v1/events", headers=root, params={"limit": 1000})).json()[
        "last_seq"
    ]

    org = (
        await client.post(
            "/api/v1/orgs",
            headers=root,
            json={"name": "审计村", "kind": "village", "parent_id": world.town_a.id},
        )
    ).json()
    person = (
        await client.post(
            "/api/v1/people",
            headers=root,
            json={"name": "审某", "org_id": org["id"], "phones": ["13900005555"]},
        )
    ).json()
    user = (
        await client.post(
            "/api/v1/users",
            headers=root,
            json={
                "username": "audited",
                "password": "long-enough-1",
                "person_id": person["id"],
                "grants": [{"role": "viewer", "org_id": org["id"]}],
            },
        )
    ).json()
    token = (
        await client.post(
            "/api/v1/auth/api-tokens", headers=root, json={"name": "t", "user_id": user["id"]}
        )
    ).json()
    writes: list[tuple[str, str, Any]] = [
        ("PATCH", f"/api/v1/orgs/{org['id']}", {"name": "审计新村"}),
        ("PATCH", f"/api/v1/people/{person['id']}", {"title": "村主任"}),
        ("PATCH", f"/api/v1/users/{user['id']}", {"password": "another-long-1"}),
        ("DELETE", f"/api/v1/auth/api-tokens/{token['id']}", None),
        ("DELETE", f"/api/v1/users/{user['id']}", None),
        ("DELETE", f"/api/v1/people/{person['id']}", None),
        ("DELETE", f"/api/v1/orgs/{org['id']}", None),
    ]
    for method, path, body in writes:
        response = await client.request(method, path, headers=root, json=body)
        assert response.status_code < 300, (path, response.text)

    audit, events = await _counts(db)
    assert (audit - base_audit, events - base_events) == (11, 11)

    entries = (await client.get("/api/v1/audit", headers=root, params={"limit": 11})).json()[
        "data"
    ][::-1]
    assert [(e["object_type"], e["action"]) for e in entries] == [
        ("org", "created"),
        ("person", "created"),
        ("user", "created"),
        ("api_token", "created"),
        ("org", "updated"),
        ("person", "updated"),
        ("user", "updated"),
        ("api_token", "revoked"),
        ("user", "deleted"),
        ("person", "deleted"),
        ("org", "deleted"),
    ]
    assert all(e["actor_username"] == "root" and e["request_id"] for e in entries)
    renamed = entries[4]
    assert renamed["before"]["name"] == "审计村" and renamed["after"]["name"] == "审计新村"
    password_change = entries[6]
    assert password_change["after"]["password_changed"] is True
    assert "long-enough" not in str(entries) and "password_hash" not in str(entries)
    assert token["token"] not in str(entries)

    feed = (await client.get("/api/v1/events", headers=root, params={"since": last_seq})).json()
    assert [e["type"] for e in feed["data"]] == [
        "org.created",
        "person.created",
        "user.created",
        "api_token.created",
        "org.updated",
        "person.updated",
        "user.updated",
        "api_token.revoked",
        "user.deleted",
        "person.deleted",
        "org.deleted",
    ]
    seqs = [e["seq"] for e in feed["data"]]
    assert seqs == list(range(last_seq + 1, last_seq + 12))  # one by one, no holes
    assert feed["data"][0]["data"]["name"] == "审计村"
    assert feed["data"][-1]["data"]["id"] == org["id"]


async def test_a_write_that_fails_leaves_neither_row_audit_nor_event(
    app: FastAPI, db: Database, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Make the event append fail after the org row and audit row were flushed."""
    before = await _counts(db)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    client = httpx.AsyncClient(transport=transport, base_url="http://test")

    async def broken_append(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(outbox, "append", broken_append)
    response = await client.post(
        "/api/v1/orgs",
        headers=bearer(world.root_admin),
        json={"name": "半截村", "kind": "village", "parent_id": world.town_a.id},
    )
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "outbox unavailable" not in response.text
    monkeypatch.undo()
    assert await _counts(db) == before
    found = await client.get("/api/v1/orgs", headers=bearer(world.root_admin), params={"q": "半截"})
    assert found.json()["count"] == 0
    await client.aclose()


async def test_rolled_back_events_leave_no_hole_in_seq(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    root = bearer(world.root_admin)
    first = await client.post(
        "/api/v1/orgs",
        headers=root,
        json={"name": "一村", "kind": "village", "parent_id": world.town_a.id},
    )
    failed = await client.patch(
        f"/api/v1/orgs/{world.village_b.id}",
        headers=root,
        json={"parent_id": world.town_a.id, "lat": 1.0},
    )
    assert failed.status_code == 422
    second = await client.post(
        "/api/v1/orgs",
        headers=root,
        json={"name": "二村", "kind": "village", "parent_id": world.town_a.id},
    )
    assert first.status_code == second.status_code == 201
    feed = (await client.get("/api/v1/events", headers=root, params={"limit": 1000})).json()
    seqs = [e["seq"] for e in feed["data"]]
    assert seqs == list(range(1, len(seqs) + 1))


async def test_audit_rows_cannot_be_changed_or_deleted(db: Database, world: World) -> None:
    for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with db.session() as s:
                await s.exec(sa.text(statement))  # type: ignore[call-overload]
    async with db.session(write=False) as s:
        assert int(await s.scalar(sa.text("SELECT count(*) FROM audit_log")) or 0) > 0


async def test_events_page_by_since_and_topic(client: httpx.AsyncClient, world: World) -> None:
    headers = world.headers(Role.viewer)
    page1 = (await client.get("/api/v1/events", headers=headers, params={"limit": 2})).json()
    assert page1["count"] == 2
    page2 = (
        await client.get(
            "/api/v1/events", headers=headers, params={"since": page1["last_seq"], "limit": 1000}
        )
    ).json()
    assert page2["data"][0]["seq"] > page1["last_seq"]
    people = (
        await client.get("/api/v1/events", headers=headers, params={"topic": "people"})
    ).json()
    assert people["count"] >= 1 and {e["topic"] for e in people["data"]} == {"people"}
    # user-management events need user.read; a viewer does not see them
    users = await client.get("/api/v1/events", headers=headers, params={"topic": "users"})
    assert users.json()["count"] == 0
    bad = await client.get("/api/v1/events", headers=headers, params={"since": -1})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "since"


async def test_a_failed_commit_is_not_reported_as_success(
    app: FastAPI, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlmodel.ext.asyncio.session import AsyncSession

    async def failing_commit(self: AsyncSession) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(AsyncSession, "commit", failing_commit)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.post(
            "/api/v1/people",
            headers=bearer(world.root_admin),
            json={"name": "未提交", "org_id": world.town_a.id},
        )
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
