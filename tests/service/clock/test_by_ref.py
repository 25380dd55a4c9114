"""Timers found by ref (cancel, discard, schedule): only live ones, through the ref index."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import select

from service.clock import service as clock
from service.clock.models import Timer, TimerState
from service.db import Database, utcnow

KIND = "test.by_ref"


async def _make(db: Database, count: int) -> list[str]:
    refs = [f"item:{n}" for n in range(count)]
    async with db.session() as s:
        await clock.schedule_new(s, KIND, [(ref, utcnow() + timedelta(hours=1)) for ref in refs])
    return refs


async def test_discard_deletes_the_live_timers_of_the_refs_only(db: Database) -> None:
    refs = await _make(db, 6)
    async with db.session() as s:  # one of them has fired already
        await s.exec(sa.update(Timer).where(Timer.ref == refs[0]).values(state=TimerState.done))
    async with db.session() as s:
        gone = await clock.discard_many(s, KIND, refs[:3])
        again = await clock.discard_many(s, KIND, refs[:3])
    async with db.session(write=False) as s:
        left = {t.ref: t.state for t in await s.exec(select(Timer).where(Timer.kind == KIND))}
    assert (gone, again) == (2, 0)
    assert left == {refs[0]: TimerState.done} | {ref: TimerState.pending for ref in refs[3:]}


async def test_lookups_by_ref_go_through_the_ref_index(db: Database) -> None:
    """A plan over the (state, due_at) index compared every pending timer with each ref
    asked for: PostgreSQL chose it for prepared statements planned generically, and then a
    batch of 1,000 answers took 0.25 s to find its timers among 10,000."""
    refs = await _make(db, 10_000)  # as many as one warning may call
    statements: list[tuple[str, Any]] = []

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "clock_timer" in statement:
            statements.append((statement, parameters))

    sa.event.listen(db.engine.sync_engine, "before_cursor_execute", seen)
    try:
        async with db.session() as s:
            await clock.cancel_many(s, KIND, refs[:500])
            await clock.discard_many(s, KIND, refs[500:1000], skip_locked=True)
            await clock.schedule_many(s, KIND, [(refs[1500], utcnow())])
            await clock.cancel(s, KIND, refs[9999])
    finally:
        sa.event.remove(db.engine.sync_engine, "before_cursor_execute", seen)
    lookups = [(sql, p) for sql, p in statements if "clock_timer.ref" in sql]  # not by id
    assert len(lookups) == 4
    async with db.engine.connect() as conn:
        for sql, parameters in lookups:
            plan = await _plan(conn, sql, parameters)
            assert "ix_clock_timer_ref" in plan, (sql, plan)
            assert "ix_clock_timer_due" not in plan, (sql, plan)


async def _plan(conn: Any, sql: str, parameters: Any) -> str:
    """The statement's plan; on PostgreSQL the generic one, as a prepared statement run
    many times may get."""
    if conn.dialect.name != "postgresql":
        rows = await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, parameters)
        return " ".join(str(row[-1]) for row in rows)
    await conn.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
    await conn.exec_driver_sql("PREPARE by_ref AS " + sql)
    try:
        values = ", ".join(_literal(value) for value in parameters)
        rows = await conn.exec_driver_sql(f"EXPLAIN EXECUTE by_ref({values})")
        return " ".join(str(row[0]) for row in rows)
    finally:
        await conn.exec_driver_sql("DEALLOCATE by_ref")
        await conn.exec_driver_sql("RESET plan_cache_mode")


def _literal(value: Any) -> str:
    """A parameter of these statements as SQL (strings, times, numbers, arrays of refs)."""
    if isinstance(value, list | tuple):
        return _literal("{" + ",".join(f'"{item}"' for item in value) + "}")
    if isinstance(value, datetime):
        return _literal(value.isoformat())
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"
