"""Migrations run up, down and up again on the test backend."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import sqlalchemy as sa

from service.db import Database
from service.migrate import downgrade, upgrade
from tests.conftest import PG_SERVER_URL, pg_admin, pg_dsn


async def _tables(url: str) -> set[str]:
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            names = await conn.run_sync(lambda c: sa.inspect(c).get_table_names())
    finally:
        await db.dispose()
    return set(names) - {"alembic_version"}


def test_upgrade_downgrade_upgrade(tmp_path: Path) -> None:
    if PG_SERVER_URL:
        name = f"yingji_mig_{uuid.uuid4().hex[:8]}"
        asyncio.run(pg_admin(f'CREATE DATABASE "{name}"'))
        url = pg_dsn(PG_SERVER_URL, name)
    else:
        url = f"sqlite:///{tmp_path / 'm.db'}"
    try:
        upgrade(url)
        first = asyncio.run(_tables(url))
        assert {"org", "person", "auth_user", "audit_log", "outbox_event"} <= first
        downgrade(url, "base")
        assert asyncio.run(_tables(url)) == set()
        upgrade(url)
        assert asyncio.run(_tables(url)) == first
    finally:
        if PG_SERVER_URL:
            asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _diff(url: str) -> list[object]:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    import service.tables  # noqa: F401

    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            return await conn.run_sync(
                lambda c: compare_metadata(
                    MigrationContext.configure(c, opts={"compare_type": True}), SQLModel.metadata
                )
            )
    finally:
        await db.dispose()


async def test_migrations_match_the_models(template_url: str) -> None:
    assert await _diff(template_url) == []
