"""Bad input anywhere gets problem+json naming the field; a lost database gets 503."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from service.app import create_app
from service.migrate import upgrade
from service.settings import Settings
from tests.conftest import PG_SERVER_URL, pg_admin, pg_dsn
from tests.factories import SECRET, World, bearer

PROBLEM = "application/problem+json"

WRITE_ENDPOINTS = [
    ("POST", "/api/v1/orgs"),
    ("PATCH", "/api/v1/orgs/{org}"),
    ("POST", "/api/v1/people"),
    ("PATCH", "/api/v1/people/{person}"),
    ("POST", "/api/v1/users"),
    ("PATCH", "/api/v1/users/{user}"),
    ("POST", "/api/v1/auth/api-tokens"),
]
# a body with a wrong type for the main fields of each endpoint
WRONG_TYPES = {
    "/api/v1/orgs": {"name": 12, "kind": ["county"], "lat": "north", "lon": "east"},
    "/api/v1/orgs/{org}": {"name": {"x": 1}, "lat": "north"},
    "/api/v1/people": {"name": None, "org_id": "first", "phones": "13900001111"},
    "/api/v1/people/{person}": {"phones": [1], "tags": "x"},
    "/api/v1/users": {"username": "a b", "password": "short", "grants": [{"role": "king"}]},
    "/api/v1/users/{user}": {"is_active": "maybe", "grants": {}},
    "/api/v1/auth/api-tokens": {"name": "", "expires_at": "tomorrow"},
}


def _path(template: str, world: World) -> str:
    return template.format(
        org=world.town_a.id,
        person=world.person_a.id,
        user=world.users_a[next(iter(world.users_a))].id,
    )


@pytest.mark.parametrize(("method", "path"), WRITE_ENDPOINTS)
async def test_malformed_json_is_400(
    client: httpx.AsyncClient, world: World, method: str, path: str
) -> None:
    response = await client.request(
        method,
        _path(path, world),
        content=b'{"name": "x",',
        headers={**bearer(world.root_admin), "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "invalid_json"


@pytest.mark.parametrize(("method", "path"), WRITE_ENDPOINTS)
async def test_wrong_types_name_every_field(
    client: httpx.AsyncClient, world: World, method: str, path: str
) -> None:
    body = WRONG_TYPES[path]
    response = await client.request(
        method, _path(path, world), json=body, headers=bearer(world.root_admin)
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert response.headers["content-type"] == PROBLEM
    assert {"type", "title", "status", "detail", "errors"} <= set(problem)
    named = {e["field"].split(".")[0] for e in problem["errors"]}
    assert set(body) <= named, set(body) - named
    assert all(e["message"] for e in problem["errors"])


@pytest.mark.parametrize("path", ["/api/v1/orgs/abc", "/api/v1/people/1.5", "/api/v1/users/x"])
async def test_bad_path_ids(client: httpx.AsyncClient, world: World, path: str) -> None:
    response = await client.get(path, headers=bearer(world.root_admin))
    assert response.status_code == 422
    assert response.json()["errors"][0]["in"] == "path"


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 100000}, {"offset": -1}, {"kind": "planet"}, {"limit": "many"}],
)
async def test_bad_list_parameters(
    client: httpx.AsyncClient, world: World, params: dict[str, object]
) -> None:
    response = await client.get("/api/v1/orgs", headers=bearer(world.root_admin), params=params)
    assert response.status_code == 422
    assert response.json()["errors"][0]["in"] == "query"


async def test_login_form_missing_fields(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/auth/token", data={"username": "x"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "password"


async def test_unknown_route_and_method_are_problems(client: httpx.AsyncClient) -> None:
    missing = await client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
    wrong = await client.put("/api/v1/orgs")
    assert wrong.status_code == 405 and wrong.headers["content-type"] == PROBLEM


async def test_the_same_rule_in_english(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(
        "/api/v1/people",
        json={"org_id": world.town_a.id},
        headers={**bearer(world.root_admin), "Accept-Language": "en"},
    )
    assert response.json()["title"] == "Invalid input"
    assert response.json()["errors"] == [
        {"field": "name", "message": "Field required", "code": "missing"}
    ]
    zh = await client.post(
        "/api/v1/people", json={"org_id": world.town_a.id}, headers=bearer(world.root_admin)
    )
    assert zh.json()["title"] == "输入数据不合规" and zh.json()["errors"][0]["message"] == "必填"


async def test_database_gone_is_503_not_500(tmp_path: Path, world: World) -> None:
    """Start a service on its own database, then take that database away."""
    if PG_SERVER_URL:
        name = f"yingji_gone_{uuid.uuid4().hex[:8]}"
        await pg_admin(f'CREATE DATABASE "{name}"')
        url = pg_dsn(PG_SERVER_URL, name)
    else:
        (tmp_path / "db").mkdir()
        url = f"sqlite:///{tmp_path / 'db' / 'gone.db'}"
    import asyncio

    await asyncio.to_thread(upgrade, url)
    settings = Settings(env="test", data_dir=tmp_path, database_url=url, secret_key=SECRET)
    app = create_app(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            assert (await client.get("/readyz")).status_code == 200
            if PG_SERVER_URL:
                await pg_admin(f'DROP DATABASE "{name}" WITH (FORCE)')
            else:
                shutil.rmtree(tmp_path / "db")
            await app.state.db.engine.dispose()
            ready = await client.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["checks"]["database"].startswith("unavailable")
            api = await client.get("/api/v1/orgs", headers=bearer(1))
            assert api.status_code == 503, api.text
            assert api.headers["content-type"] == PROBLEM
            assert api.json()["code"] == "database_unavailable"
            assert (await client.get("/healthz")).status_code == 200


async def test_null_for_a_required_value_says_required(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.post(
        "/api/v1/people",
        json={"name": None, "org_id": None},
        headers=bearer(world.root_admin),
    )
    assert response.status_code == 422, response.text
    errors = {e["field"]: e for e in response.json()["errors"]}
    assert errors["name"]["code"] == "missing" and errors["name"]["message"] == "必填"
    assert errors["org_id"]["code"] == "missing"
    # null where null is allowed is no error
    body = {"name": "新村", "kind": "county", "parent_id": None, "lat": None, "lon": None}
    response = await client.post("/api/v1/orgs", json=body, headers=bearer(world.root_admin))
    assert response.status_code == 201, response.text
