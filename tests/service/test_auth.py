"""Login, throttling, the caller's profile and API tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import jwt

from service.auth.permissions import Role
from service.db import Database
from tests.factories import PASSWORD, SECRET, World, bearer, make_user

PROBLEM = "application/problem+json"


async def login(
    client: httpx.AsyncClient, username: str, password: str = PASSWORD, **headers: str
) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/token", data={"username": username, "password": password}, headers=headers
    )


async def test_login_then_me(client: httpx.AsyncClient, world: World) -> None:
    response = await login(client, "a-duty_officer")
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    me = await client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200
    assert me.json()["username"] == "a-duty_officer"
    assert me.json()["roles"] == ["duty_officer"]
    assert me.json()["grants"] == [{"role": "duty_officer", "org_id": world.town_a.id}]
    assert "password_hash" not in me.text


async def test_wrong_password_is_a_problem_in_the_callers_language(
    client: httpx.AsyncClient, world: World
) -> None:
    zh = await login(client, "a-viewer", "wrong-password")
    assert zh.status_code == 401
    assert zh.headers["content-type"] == PROBLEM
    assert zh.headers["www-authenticate"] == "Bearer"
    assert zh.json()["detail"] == "用户名或密码错误"
    en = await login(client, "a-viewer", "wrong-password", **{"Accept-Language": "en-US,en;q=0.8"})
    assert en.json()["detail"] == "Wrong username or password"
    unknown = await login(client, "nobody", "wrong-password")
    assert unknown.status_code == 401 and unknown.json()["code"] == "bad_credentials"


async def test_repeated_failures_are_throttled_even_with_the_right_password(
    client: httpx.AsyncClient, world: World
) -> None:
    for _ in range(5):
        assert (await login(client, "a-leader", "nope-nope")).status_code == 401
    throttled = await login(client, "a-leader")
    assert throttled.status_code == 429
    assert throttled.headers["content-type"] == PROBLEM
    retry_after = int(throttled.headers["retry-after"])
    assert 1 <= retry_after <= 901
    assert str(retry_after) in throttled.json()["detail"]
    # another account from the same address is not locked by these five failures
    assert (await login(client, "a-viewer")).status_code == 200


async def test_inactive_user_cannot_log_in_or_use_a_token(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    async with db.session() as s:
        user = await make_user(s, "retired", [Role.viewer], world.town_a, active=False)
    assert (await login(client, "retired")).status_code == 401
    assert (await client.get("/api/v1/orgs", headers=bearer(user))).status_code == 401


async def test_bad_and_expired_tokens(client: httpx.AsyncClient, world: World) -> None:
    assert (await client.get("/api/v1/orgs")).status_code == 401
    bad = await client.get("/api/v1/orgs", headers={"Authorization": "Bearer garbage"})
    assert bad.status_code == 401 and bad.json()["code"] == "bad_token"
    expired = jwt.encode(
        {
            "sub": str(world.root_admin.id),
            "typ": "access",
            "exp": datetime.now(UTC) - timedelta(minutes=1),
        },
        SECRET,
        "HS256",
    )
    response = await client.get("/api/v1/orgs", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    forged = jwt.encode(
        {
            "sub": str(world.root_admin.id),
            "typ": "access",
            "exp": datetime.now(UTC) + timedelta(minutes=5),
        },
        "other" * 10,
        "HS256",
    )
    response = await client.get("/api/v1/orgs", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


async def test_api_token_acts_as_its_user_until_revoked(
    client: httpx.AsyncClient, world: World
) -> None:
    admin = world.headers(Role.admin)
    machine = world.users_a[Role.duty_officer]
    created = await client.post(
        "/api/v1/auth/api-tokens",
        headers=admin,
        json={"name": "110 alarm platform", "user_id": machine.id},
    )
    assert created.status_code == 201, created.text
    token = created.json()["token"]
    assert token.startswith("yj_") and created.json()["prefix"] == token[:10]
    auth = {"Authorization": f"Bearer {token}"}
    me = await client.get("/api/v1/auth/me", headers=auth)
    assert me.json()["username"] == "a-duty_officer"
    # the token is never shown again
    listed = await client.get("/api/v1/auth/api-tokens", headers=admin)
    assert listed.json()["count"] == 1 and "token" not in listed.json()["data"][0]
    assert token not in listed.text
    revoked = await client.delete(f"/api/v1/auth/api-tokens/{created.json()['id']}", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert (await client.get("/api/v1/auth/me", headers=auth)).status_code == 401
    again = await client.delete(f"/api/v1/auth/api-tokens/{created.json()['id']}", headers=admin)
    assert again.status_code == 200


async def test_api_tokens_for_others_need_admin_scope(
    client: httpx.AsyncClient, world: World
) -> None:
    viewer = world.headers(Role.viewer)
    own = await client.post("/api/v1/auth/api-tokens", headers=viewer, json={"name": "mine"})
    assert own.status_code == 201
    other = await client.post(
        "/api/v1/auth/api-tokens",
        headers=viewer,
        json={"name": "x", "user_id": world.users_a[Role.leader].id},
    )
    assert other.status_code == 404
    foreign = await client.post(
        "/api/v1/auth/api-tokens",
        headers=world.headers(Role.admin),
        json={"name": "x", "user_id": world.user_b.id if world.user_b else 0},
    )
    assert foreign.status_code == 404
    past = await client.post(
        "/api/v1/auth/api-tokens",
        headers=viewer,
        json={"name": "old", "expires_at": "2020-01-01T00:00:00+08:00"},
    )
    assert past.status_code == 422 and past.json()["errors"][0]["field"] == "expires_at"


async def test_expired_api_token_is_refused(client: httpx.AsyncClient, world: World) -> None:
    soon = (datetime.now(UTC) + timedelta(seconds=5)).isoformat()  # a loaded machine is slow
    created = await client.post(
        "/api/v1/auth/api-tokens",
        headers=world.headers(Role.viewer),
        json={"name": "brief", "expires_at": soon},
    )
    token = created.json()["token"]
    import asyncio

    await asyncio.sleep(
        max(0.0, (datetime.fromisoformat(soon) - datetime.now(UTC)).total_seconds()) + 0.1
    )
    response = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
