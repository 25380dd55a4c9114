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


def _fresh(tmp_path: Path, tag: str) -> tuple[str, str | None]:
    if PG_SERVER_URL:
        name = f"yingji_mig_{tag}_{uuid.uuid4().hex[:8]}"
        asyncio.run(pg_admin(f'CREATE DATABASE "{name}"'))
        return pg_dsn(PG_SERVER_URL, name), name
    return f"sqlite:///{tmp_path / f'{tag}.db'}", None


async def _run(url: str, *statements: str) -> list[list[tuple[object, ...]]]:
    db = Database(url)
    out = []
    try:
        async with db.engine.begin() as conn:
            for sql in statements:
                result = await conn.execute(sa.text(sql))
                out.append([tuple(r) for r in result.all()] if result.returns_rows else [])
    finally:
        await db.dispose()
    return out


def test_0012_moves_attachments_into_the_file_store_and_items_onto_the_catalogue(
    tmp_path: Path,
) -> None:
    """A database with a plan attachment and name-only required items, upgraded: the file
    keeps its id and bytes in the shared store; each item names a catalogue entry (matched
    by name, or added). Downgraded again: both as they were."""
    import json

    url, name = _fresh(tmp_path, "m12")
    now = "2026-12-01 00:00:00.000000+00:00" if PG_SERVER_URL else "2026-12-01T00:00:00+00:00"
    content = {
        "sections": [],
        "levels": [
            {
                "level": "IV",
                "triggers": ["x"],
                "resources": {
                    "teams": [],
                    "items": [
                        {"name": "编织袋", "quantity": 5000.0, "unit": "条"},
                        {"name": "铜锣", "quantity": 2.5, "unit": "面"},
                    ],
                },
            }
        ],
    }
    data = "'\\x255044462d'::bytea" if PG_SERVER_URL else "X'255044462D'"
    try:
        upgrade(url, "0008")
        asyncio.run(
            _run(
                url,
                "INSERT INTO org (id, name, kind, path, timezone, created_at, updated_at) "  # noqa: S608
                f"VALUES (1, '县', 'county', '/1/', 'Asia/Shanghai', '{now}', '{now}')",
                "INSERT INTO resource_item (id, category, name, spec, unit, created_at) "  # noqa: S608
                f"VALUES (7, '防汛', '编织袋', '50×80cm', '条', '{now}')",
                "INSERT INTO plan (id, org_id, kind, title, hazards, latest_version, withdrawn, "  # noqa: S608
                f"search_text, created_at, updated_at) VALUES (1, 1, 'special', 'p', '[]', 1, "
                f"false, '', '{now}', '{now}')",
                "INSERT INTO plan_version (id, plan_id, number, status, content, "  # noqa: S608
                "revision_triggers, filing_overdue, created_at, updated_at) VALUES (1, 1, 1, "
                f"'draft', '{json.dumps(content, ensure_ascii=False)}', '[]', false, '{now}', "
                f"'{now}')",
                "INSERT INTO plan_attachment (id, version_id, filename, media_type, size_bytes, "  # noqa: S608
                f"sha256, data, created_at) VALUES (5, 1, 'a.pdf', 'application/pdf', 5, 'h', "
                f"{data}, '{now}')",
            )
        )
        upgrade(url)
        files, blobs, versions, items = asyncio.run(
            _run(
                url,
                "SELECT id, owner_type, owner_id, org_id, filename FROM stored_file",
                "SELECT file_id, data FROM stored_file_data",
                "SELECT content FROM plan_version",
                "SELECT id, category, name, unit FROM resource_item ORDER BY id",
            )
        )
        assert files == [(5, "plan_version", 1, 1, "a.pdf")]
        assert [(b[0], bytes(b[1])) for b in blobs] == [(5, b"%PDF-")]
        stored = versions[0][0]
        needs = (json.loads(stored) if isinstance(stored, str) else stored)["levels"][0]
        gong = next(i for i in items if i[2] == "铜锣")
        assert gong[1:] == ("预案", "铜锣", "面")
        assert needs["resources"]["items"] == [
            {
                "item_id": 7,
                "quantity": 5000,
                "note": None,
                "name": "编织袋",
                "spec": "50×80cm",
                "unit": "条",
            },
            {
                "item_id": gong[0],
                "quantity": 3,
                "note": None,
                "name": "铜锣",
                "spec": "",
                "unit": "面",
            },
        ]
        # the next stored file gets a new id after the copied one
        asyncio.run(
            _run(
                url,
                "INSERT INTO stored_file (owner_type, owner_id, filename, media_type, "  # noqa: S608
                f"size_bytes, sha256, created_at) VALUES ('x', 1, 'b', 'x', 1, 'h', '{now}')",
            )
        )
        assert asyncio.run(_run(url, "SELECT max(id) FROM stored_file"))[0] == [(6,)]
        downgrade(url, "0008")
        back, versions = asyncio.run(
            _run(
                url, "SELECT id, filename FROM plan_attachment", "SELECT content FROM plan_version"
            )
        )
        assert back == [(5, "a.pdf")]
        stored = versions[0][0]
        needs = (json.loads(stored) if isinstance(stored, str) else stored)["levels"][0]
        assert needs["resources"]["items"][0] == {"name": "编织袋", "quantity": 5000, "unit": "条"}
    finally:
        if name:
            asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_0013_existing_warnings_and_incidents_are_real(tmp_path: Path) -> None:
    url, name = _fresh(tmp_path, "m13")
    now = "2026-12-01 00:00:00"
    try:
        upgrade(url, "0012")
        asyncio.run(
            _run(
                url,
                "INSERT INTO org (id, name, kind, path, timezone, created_at, updated_at) "  # noqa: S608
                f"VALUES (1, '县', 'county', '/1/', 'Asia/Shanghai', '{now}', '{now}')",
                "INSERT INTO warning (id, org_id, status, hazard, level, title, content, org_ids, "  # noqa: S608
                "rules, effective_at, expires_at, respond_within_s, recall_count, "
                "recall_interval_s, version, created_at, updated_at) VALUES (1, 1, 'issued', "
                f"'rainstorm', 'red', 't', 'c', '[]', '[]', '{now}', '{now}', 600, 2, 300, 1, "
                f"'{now}', '{now}')",
                "INSERT INTO incident (id, org_id, title, type, source, status, occurred_at, "  # noqa: S608
                "reported_at, deaths, missing, serious_injuries, injuries, trapped, "
                "direct_loss_yuan, attachments, grade, computed_grade, grade_manual, created_at, "
                f"updated_at) VALUES (1, 1, 't', 'fire', 'duty', 'reported', '{now}', '{now}', "
                f"0, 0, 0, 0, 0, 0, '[]', 'general', 'general', false, '{now}', '{now}')",
            )
        )
        upgrade(url)
        warning, incident = asyncio.run(
            _run(url, "SELECT exercise FROM warning", "SELECT exercise FROM incident")
        )
        assert [bool(r[0]) for r in warning + incident] == [False, False]
        downgrade(url, "0012")
        assert asyncio.run(_run(url, "SELECT count(*) FROM incident_log"))[0] == [(0,)]
        assert asyncio.run(_run(url, "SELECT id FROM incident"))[0] == [(1,)]
    finally:
        if name:
            asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
