"""Real databases for every test.

SQLite always: a template migrated once through Alembic, copied per test. With
``YINGJI_TEST_REDIS_URL`` every app also fans its events out through that Redis. PostgreSQL
when ``YINGJI_TEST_DATABASE_URL`` names a server (any database on it): the run creates
its own database, migrates it through Alembic, truncates it between tests and drops it
at the end. Tests commit for real, as the service does.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from service.app import create_app
from service.db import Database
from service.migrate import upgrade
from service.settings import Settings
from tests.factories import SECRET, World, build_world

PG_SERVER_URL = os.environ.get("YINGJI_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("YINGJI_TEST_REDIS_URL")  # every app fans out through it


def pg_dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def pg_admin(sql: str) -> None:
    assert PG_SERVER_URL
    conn = await asyncpg.connect(pg_dsn(PG_SERVER_URL))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def template_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if PG_SERVER_URL:
        import asyncio

        name = f"yingji_test_{uuid.uuid4().hex[:10]}"
        asyncio.run(pg_admin(f'CREATE DATABASE "{name}"'))
        url = pg_dsn(PG_SERVER_URL, name)
        upgrade(url)
        yield url
        asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    else:
        path = tmp_path_factory.mktemp("template") / "yingji.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        yield url


TABLES_TO_KEEP = {"alembic_version"}


@pytest.fixture
async def database_url(template_url: str, tmp_path: Path) -> str:
    """A clean, migrated database for this test."""
    if PG_SERVER_URL:
        conn = await asyncpg.connect(template_url)
        try:
            tables = [
                r["tablename"]
                for r in await conn.fetch(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                )
                if r["tablename"] not in TABLES_TO_KEEP
            ]
            await conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        finally:
            await conn.close()
        return template_url
    source = Path(make_url(template_url).database or "")
    target = tmp_path / "yingji.db"
    shutil.copyfile(source, target)
    return f"sqlite:///{target}"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        clock_enabled=False,
        env="test",
        data_dir=tmp_path,
        database_url=database_url,
        secret_key=SECRET,
        login_max_failures=5,
        login_window_s=900,
        redis_url=REDIS_URL,
    )


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings.database_url)
    yield database
    await database.dispose()


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    # a graceful shutdown (pump, Redis, pool) may take a few seconds on a loaded machine
    async with LifespanManager(application, shutdown_timeout=30):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


@pytest.fixture
async def world(db: Database) -> World:
    """County → townships A and B → a village each; people and users of every role."""
    return await build_world(db)
