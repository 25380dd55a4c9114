"""The ``yingji`` command, settings, health and metrics."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from service.db import Database, async_url
from service.settings import Settings, SettingsError
from tests.factories import World

YINGJI = [sys.executable, "-m", "service.cli"]


def run(args: list[str], env: dict[str, str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*YINGJI, *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        **kwargs,
    )  # type: ignore[call-overload]


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "YINGJI_DATABASE_URL": database_url,
        "YINGJI_DATA_DIR": str(tmp_path / "var"),
        "YINGJI_ENV": "development",
    }


async def test_users_create_bootstraps_an_empty_database(
    cli_env: dict[str, str], client: httpx.AsyncClient
) -> None:
    created = run(
        ["users", "create", "boss", "--password", "very-long-pass", "--role", "admin"], cli_env
    )
    assert created.returncode == 0, created.stderr
    assert "created user boss" in created.stdout
    login = await client.post(
        "/api/v1/auth/token", data={"username": "boss", "password": "very-long-pass"}
    )
    assert login.status_code == 200
    me = await client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"}
    )
    assert me.json()["grants"] == [{"role": "admin", "org_id": None}]
    again = run(
        ["users", "create", "boss", "--password", "very-long-pass", "--role", "admin"], cli_env
    )
    assert again.returncode == 2 and "boss" in again.stderr
    weak = run(["users", "create", "x1", "--password", "short", "--role", "viewer"], cli_env)
    assert weak.returncode == 2 and "password" in weak.stderr
    bad_role = run(
        ["users", "create", "x2", "--password", "long-enough", "--role", "king"], cli_env
    )
    assert bad_role.returncode == 2 and "role" in bad_role.stderr


async def test_demo_is_idempotent(cli_env: dict[str, str], client: httpx.AsyncClient) -> None:
    first = run(["demo"], cli_env)
    assert first.returncode == 0, first.stderr
    assert "admin" in first.stdout and "yingji-demo" in first.stdout
    second = run(["demo"], cli_env)
    assert second.returncode == 0 and second.stdout.splitlines()[0] == first.stdout.splitlines()[0]
    login = await client.post(
        "/api/v1/auth/token", data={"username": "fengcheng", "password": "yingji-demo"}
    )
    token = login.json()["access_token"]
    orgs = await client.get(
        "/api/v1/orgs", headers={"Authorization": f"Bearer {token}"}, params={"limit": 500}
    )
    names = {o["name"] for o in orgs.json()["data"]}
    assert names == {"凤城镇", "东关社区", "西关村"}  # a township duty officer sees their own
    admin = await client.post(
        "/api/v1/auth/token", data={"username": "admin", "password": "yingji-demo"}
    )
    all_orgs = await client.get(
        "/api/v1/orgs",
        params={"kind": "township"},
        headers={"Authorization": f"Bearer {admin.json()['access_token']}"},
    )
    assert all_orgs.json()["count"] == 17


def test_production_refuses_a_missing_or_placeholder_secret(tmp_path: Path) -> None:
    for secret in ("", "change-me", "short"):
        settings = Settings(env="production", secret_key=secret, data_dir=tmp_path)
        with pytest.raises(SettingsError, match="YINGJI_SECRET_KEY"):
            settings.resolved_secret_key()
    refused = run(
        ["db", "upgrade"],
        {"YINGJI_ENV": "production", "YINGJI_SECRET_KEY": "dev", "YINGJI_DATA_DIR": str(tmp_path)},
    )
    assert refused.returncode == 2 and "YINGJI_SECRET_KEY" in refused.stderr


def test_development_secret_is_generated_once(tmp_path: Path) -> None:
    first = Settings(env="development", data_dir=tmp_path).resolved_secret_key()
    second = Settings(env="development", data_dir=tmp_path).resolved_secret_key()
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("plain", "driver"),
    [
        ("sqlite:///var/x.db", "sqlite+aiosqlite"),
        ("postgresql://u@h/db", "postgresql+asyncpg"),
        ("postgres://u@h/db", "postgresql+asyncpg"),
    ],
)
def test_plain_database_urls_get_our_drivers(plain: str, driver: str) -> None:
    assert async_url(plain).drivername == driver


async def test_postgresql_connections_are_kept_and_statements_stay_prepared(
    database_url: str,
) -> None:
    """20 connections stay open (a busy duty room would otherwise fork a PostgreSQL backend
    per request), 10 more at peaks; 500 prepared statements per connection unless the URL
    says otherwise (batched inserts have a text per number of rows)."""
    db = Database("postgresql://u@h/db")
    pool = db.engine.sync_engine.pool
    assert (pool.size(), pool._max_overflow) == (20, 10)  # type: ignore[attr-defined]
    args = db.engine.sync_engine.dialect.create_connect_args(db.engine.url)[1]
    assert (args | db.connect_args)["prepared_statement_cache_size"] == 500
    told = Database("postgresql://u@h/db?prepared_statement_cache_size=0")
    assert "prepared_statement_cache_size" not in told.connect_args
    if not database_url.startswith("postgresql"):
        return
    db = Database(database_url, pool_size=8)

    async def backend() -> int:
        async with db.session(write=False) as session:
            pid = int(await session.scalar(sa.text("SELECT pg_backend_pid()")))
            await asyncio.sleep(0.05)  # all eight at once
            return pid

    try:
        first = set(await asyncio.gather(*(backend() for _ in range(8))))
        again = set(await asyncio.gather(*(backend() for _ in range(8))))
    finally:
        await db.dispose()
    assert len(first) == 8 and again == first  # the same backends, none opened again


def test_unsupported_database_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        async_url("mysql://u@h/db")


async def test_health_and_metrics(client: httpx.AsyncClient, world: World) -> None:
    assert (await client.get("/healthz")).json()["status"] == "ok"
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["database"] == "ok"
    assert ready.json()["checks"].get("redis", "ok") == "ok"
    await client.get(
        f"/api/v1/orgs/{world.town_a.id}",
        headers={"Authorization": "Bearer nope", "X-Request-ID": "trace-me-1"},
    )
    metrics = (await client.get("/metrics")).text
    assert 'route="/api/v1/orgs/{org_id}"' in metrics
    assert "yingji_http_request_duration_seconds_bucket" in metrics
    assert "yingji_events_written_total" in metrics
    landing = await client.get("/")
    assert landing.status_code == 200 and "应急" in landing.text  # the UI (or its placeholder)
    docs = await client.get("/openapi.json")
    assert "/api/v1/auth/token" in docs.json()["paths"]


async def test_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
    generated = await client.get("/healthz")
    assert len(generated.headers["x-request-id"]) == 32
