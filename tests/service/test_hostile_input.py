"""Input a bad network or a careless client sends: never a 500, never a wrong answer."""

from __future__ import annotations

import httpx
import pytest

from service.auth.permissions import Role
from service.db import Database
from tests.factories import World, bearer, make_user

HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", f"/api/v1/orgs/{HUGE}", None),
        ("GET", "/api/v1/people/2147483648", None),
        ("DELETE", f"/api/v1/auth/api-tokens/{HUGE}", None),
        ("GET", f"/api/v1/orgs?parent_id={HUGE}", None),
        ("GET", f"/api/v1/orgs?offset={HUGE}", None),
        ("GET", f"/api/v1/events?since={HUGE}", None),
        ("GET", f"/api/v1/audit?org_id={HUGE}", None),
        ("POST", "/api/v1/people", {"name": "x", "org_id": 2**40}),
        ("POST", "/api/v1/orgs", {"name": "x", "kind": "village", "parent_id": 2**64}),
        ("POST", "/api/v1/auth/api-tokens", {"name": "x", "user_id": 0}),
        ("POST", "/api/v1/auth/api-tokens", {"name": "x", "expires_at": "2030-01-01T00:00:00"}),
        (
            "POST",
            "/api/v1/auth/api-tokens",
            {"name": "x", "expires_at": "9999-12-31T23:59:59-14:00"},
        ),
        ("GET", "/api/v1/audit?start=0001-01-01T00:00:00%2B14:00", None),
        ("POST", "/api/v1/people", {"name": "a\u0000b", "org_id": 1}),
        ("POST", "/api/v1/people", {"name": "a", "org_id": 1, "tags": ["x\u0000"]}),
        ("POST", "/api/v1/orgs", {"name": "x", "kind": "county", "timezone": "Asia"}),
    ],
)
async def test_out_of_range_input_is_422(
    client: httpx.AsyncClient, world: World, method: str, path: str, body: object
) -> None:
    response = await client.request(method, path, json=body, headers=bearer(world.root_admin))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("query", ["q=a%00b", "tag=x%00", "topic=a%00"])
async def test_nul_in_query_is_400(client: httpx.AsyncClient, world: World, query: str) -> None:
    for path in ("/api/v1/people", "/api/v1/events"):
        response = await client.get(f"{path}?{query}", headers=bearer(world.root_admin))
        assert response.status_code == 400 and response.json()["code"] == "nul_character"


@pytest.mark.parametrize("username", ["a\u0000b", "x" * 300])
async def test_impossible_login_names_are_just_wrong(
    client: httpx.AsyncClient, username: str
) -> None:
    response = await client.post(
        "/api/v1/auth/token", data={"username": username, "password": "whatever-123"}
    )
    assert response.status_code == 401 and response.json()["code"] == "bad_credentials"


async def test_a_deleted_users_token_never_becomes_a_new_user(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    async with db.session() as s:
        temp = await make_user(s, "temp", [Role.viewer], world.town_a)
    old = bearer(temp)
    root = bearer(world.root_admin)
    assert (await client.delete(f"/api/v1/users/{temp.id}", headers=root)).status_code == 204
    created = await client.post(
        "/api/v1/users",
        headers=root,
        json={
            "username": "new-admin",
            "password": "long-enough-1",
            "grants": [{"role": "admin", "org_id": None}],
        },
    )
    assert created.json()["id"] != temp.id
    assert (await client.get("/api/v1/auth/me", headers=old)).status_code == 401
