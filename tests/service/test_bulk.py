"""Many rows in one insert: the ids come back in the rows' order, every value as written
(time zones and microseconds, nested JSON, Chinese, nulls, enums), also while another
transaction inserts into the same table, and on PostgreSQL with one statement text for
any number of rows."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa

from service.bulk import _statement, insert_returning_ids
from service.clock.models import Timer, TimerState
from service.db import Database

TABLE = Timer.__table__  # type: ignore[attr-defined]
SHANGHAI = timezone(timedelta(hours=8))


def row(i: int, tag: str) -> dict[str, Any]:
    return {
        "kind": "bulk.test",
        "ref": f"{tag}:{i}",
        "due_at": datetime(2026, 12, 6, 20, 0, 1, 123456, tzinfo=SHANGHAI) + timedelta(seconds=i),
        "state": TimerState.pending,
        "attempts": i % 3,
        "max_attempts": 8,
        "payload": {"名称": f"暴雨 {i}", "levels": [1, None, True], "nested": {"x": i / 4}},
        "last_error": None if i % 2 else "超时",
        "created_at": datetime.now(UTC),
    }


async def stored(db: Database, ids: list[int]) -> list[dict[str, Any]]:
    async with db.session(write=False) as s:
        found = (await s.execute(sa.select(TABLE).where(TABLE.c.id.in_(ids)))).mappings().all()
    by_id = {r["id"]: dict(r) for r in found}
    return [by_id[i] for i in ids]


async def test_the_ids_come_back_in_the_rows_order_with_every_value_as_written(
    db: Database,
) -> None:
    rows = [row(i, "a") for i in range(150)]
    async with db.session() as s:
        ids = await insert_returning_ids(await s.connection(), TABLE, rows)
    assert len(set(ids)) == 150
    for written, read in zip(rows, await stored(db, ids), strict=True):
        assert read["ref"] == written["ref"]
        assert read["due_at"] == written["due_at"] and read["due_at"].tzinfo is not None
        assert read["payload"] == written["payload"]
        assert read["last_error"] == written["last_error"]
        assert (read["state"], read["attempts"]) == ("pending", written["attempts"])
    async with db.session() as s:
        assert await insert_returning_ids(await s.connection(), TABLE, []) == []


async def test_two_transactions_inserting_at_once_each_get_their_own_ids_in_order(
    db: Database,
) -> None:
    async def insert(tag: str) -> list[int]:
        ids: list[int] = []
        for n in range(5):
            async with db.session() as s:
                rows = [row(i, f"{tag}{n}") for i in range(40)]
                ids += await insert_returning_ids(await s.connection(), TABLE, rows)
                await asyncio.sleep(0)
        return ids

    first, second = await asyncio.gather(insert("x"), insert("y"))
    for tag, ids in (("x", first), ("y", second)):
        expected = [f"{tag}{n}:{i}" for n in range(5) for i in range(40)]
        assert [r["ref"] for r in await stored(db, ids)] == expected


async def test_one_statement_text_for_any_number_of_rows() -> None:
    statement = _statement(TABLE, tuple(row(0, "a")))
    assert statement is _statement(TABLE, tuple(row(1, "b")))
    assert "json_to_recordset" in statement.text and "ORDER BY _position" in statement.text


async def test_a_naive_time_is_refused_not_written_in_the_servers_zone(db: Database) -> None:
    bad = row(0, "naive") | {"due_at": datetime(2026, 12, 6, 20, 0)}
    with pytest.raises((ValueError, sa.exc.StatementError)):
        async with db.session() as s:
            await insert_returning_ids(await s.connection(), TABLE, [bad])
    async with db.session(write=False) as s:
        assert await s.scalar(sa.select(sa.func.count()).where(TABLE.c.ref == "naive:0")) == 0
