"""Roster rebuilds at the same moment in several transactions (on PostgreSQL truly
concurrent, on SQLite queued by the process's writer lock): no duplicate rows, and no
person on two overlapping shifts across orgs."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

import httpx
import sqlalchemy as sa

from rosters import materialise
from rosters.models import DutyOverride, DutyShift
from service.auth.permissions import SYSTEM
from service.db import Database
from service.errors import Conflict
from service.orgs import service as orgs
from tests.factories import bearer
from tests.rosters.conftest import Roster

API = "/api/v1/duty"


async def _duplicates(db: Database) -> int:
    async with db.session() as s:
        keys = (
            sa.select(DutyShift.org_id)
            .group_by(DutyShift.org_id, DutyShift.post_id, DutyShift.person_id, DutyShift.start_at)
            .having(sa.func.count() > 1)
        )
        return int(await s.scalar(sa.select(sa.func.count()).select_from(keys.subquery())) or 0)


async def test_two_rebuilds_of_one_org_at_once_insert_each_shift_once(
    db: Database, roster: Roster
) -> None:
    later = datetime.now(UTC) + timedelta(days=2)
    async with db.session() as s:
        removed = (
            await s.execute(
                sa.delete(DutyShift).where(
                    DutyShift.org_id == roster.org_id, DutyShift.start_at > later
                )
            )
        ).rowcount
    assert removed > 100

    async def rebuild() -> materialise.Outcome:
        async with db.session() as s:
            org = await orgs.get(s, roster.org_id)
            assert org is not None
            return await materialise.regenerate(s, SYSTEM, org, reason="horizon")

    outcomes = await asyncio.gather(*(rebuild() for _ in range(3)))
    assert sorted(o.inserted for o in outcomes) == [0, 0, removed]
    assert await _duplicates(db) == 0


async def test_rebuilds_of_two_orgs_at_once_never_put_one_person_on_both(
    db: Database, roster: Roster, client: httpx.AsyncClient
) -> None:
    """Each org's rules put the same person on its leader post at the same hours; both
    rebuilds run at once, each before the other commits (as the daily job does)."""
    root = bearer(roster.world.root_admin)
    county = roster.world.county.id or 0
    r = await client.put(f"{API}/schedules/{county}", json={"changeovers": ["08:30"]}, headers=root)
    assert r.status_code == 200, r.text
    posts = {county: next(p["id"] for p in r.json()["posts"] if p["key"] == "leader")}
    posts[roster.org_id] = roster.posts["leader"]
    person = roster.world.person_a  # of the township, on no rotation
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    end = start + timedelta(hours=2)
    async with db.session() as s:  # the rules, written without a rebuild
        for org_id, post_id in posts.items():
            s.add(
                DutyOverride(
                    org_id=org_id,
                    post_id=post_id,
                    person_id=person.id or 0,
                    start_at=start,
                    end_at=end,
                )
            )
    done: list[int] = []
    both = asyncio.Event()

    async def rebuild(org_id: int) -> str:
        try:
            async with db.session() as s:
                org = await orgs.get(s, org_id)
                assert org is not None
                await materialise.regenerate(s, SYSTEM, org, reason="horizon")
                done.append(org_id)
                if len(done) == 2:
                    both.set()
                # commit only once the other has written too (or waits for this one)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(both.wait(), 2)
        except Conflict as exc:
            return exc.code
        return "ok"

    results = await asyncio.gather(rebuild(county), rebuild(roster.org_id))
    assert sorted(results) == ["duty_person_overlap", "ok"]
    async with db.session() as s:
        rows = (
            await s.execute(
                sa.select(DutyShift.org_id).where(
                    DutyShift.person_id == person.id,
                    DutyShift.start_at < end,
                    DutyShift.end_at > start,
                )
            )
        ).all()
    # one org holds those hours (in one shift, or two where a changeover falls inside them)
    assert len({org_id for (org_id,) in rows}) == 1, rows
