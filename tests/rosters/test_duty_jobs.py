"""Timers and daily jobs of the roster: a missed check-in survives a restart; the daily
check extends the horizon and reports gaps; key periods send a daily dispatch report."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import sqlalchemy as sa
from asgi_lifespan import LifespanManager

from rosters import jobs
from service.app import create_app
from service.auth.permissions import Role
from service.clock import service as clock
from service.clock.models import Timer
from service.db import Database
from service.notify.models import Channel, Delivery
from service.realtime.models import OutboxEvent
from service.settings import Settings
from tests.factories import make_person, make_user
from tests.rosters.conftest import Roster, post

API = "/api/v1/duty"


async def events(db: Database, type_: str) -> list[dict]:
    async with db.session() as s:
        rows = await s.execute(sa.select(OutboxEvent.data).where(OutboxEvent.type == type_))
        return [r[0] for r in rows]


async def test_a_missed_check_in_fires_after_a_restart(
    settings: Settings, db: Database, roster: Roster, client: httpx.AsyncClient
) -> None:
    on_duty = (
        await client.get(f"{API}/now", params={"org_id": roster.org_id}, headers=roster.duty)
    ).json()
    stand_in = next(p for p in roster.leaders if p.id != on_duty["leader"]["id"])
    async with db.session() as s:
        s.add(Channel(person_id=stand_in.id, kind="sms", address="+8613900000999"))
    now = datetime.now(UTC)
    # take the leader post over from in two seconds: a fresh shift with its own check-in
    await post(
        client,
        f"{API}/overrides",
        {
            "org_id": roster.org_id,
            "post_id": roster.posts["leader"],
            "person_id": stand_in.id,
            "start_at": (now + timedelta(seconds=2)).isoformat(),
            "end_at": (now + timedelta(hours=1)).isoformat(),
        },
        roster.duty,
    )
    # the app of the fixture runs no clock; after a "restart" with a clock the timer fires
    # (today's daily check counts as proposed: it would only compete for the writer here)
    async with db.session() as s:
        later = datetime.now(UTC) + timedelta(days=1)
        await clock.schedule_once(s, jobs.DAILY, f"day:{datetime.now(UTC).date()}", later)
    await asyncio.sleep(3)
    clocked = settings.model_copy(
        update={"clock_enabled": True, "clock_tick_s": 0.2, "duty_checkin_grace_s": 0}
    )
    async with LifespanManager(create_app(clocked), shutdown_timeout=30):
        for _ in range(300):
            missed = [
                e for e in await events(db, "duty.checkin_missed") if e["person_id"] == stand_in.id
            ]
            if missed:
                break
            await asyncio.sleep(0.1)
    assert len(missed) == 1 and stand_in.id in missed[0]["notified"]
    async with db.session() as s:
        targets = (await s.execute(sa.select(Delivery.ref))).all()
    assert any(r[0].startswith("duty.checkin_missed:") for r in targets)


async def test_the_daily_check_reports_gaps_to_admins_and_leaders(
    db: Database, roster: Roster, client: httpx.AsyncClient
) -> None:
    async with db.session() as s:
        person = await make_person(s, roster.world.town_a, "县领导")
        boss = await make_user(s, "boss", [Role.leader], roster.world.town_a, person)
        s.add(Channel(person_id=person.id, kind="sms", address="+8613900000998"))
    assert boss.id
    async with db.session() as s:
        assert await jobs.daily_check(s) == 0  # fully covered
    officer = (
        await client.get(
            f"{API}/rotations", params={"post_id": roster.posts["officer"]}, headers=roster.duty
        )
    ).json()["data"][0]
    await client.delete(f"{API}/rotations/{officer['id']}", headers=roster.duty)
    async with db.session() as s:
        assert await jobs.daily_check(s) == 1
    found = await events(db, "duty.gap_detected")
    assert found[-1]["org_id"] == roster.org_id and found[-1]["count"] >= 1
    async with db.session() as s:
        refs = [r[0] for r in (await s.execute(sa.select(Delivery.ref))).all()]
    assert any(r.startswith(f"duty.gaps:{roster.org_id}:") for r in refs)


async def test_a_key_period_sends_its_daily_report(
    settings: Settings, db: Database, roster: Roster, client: httpx.AsyncClient
) -> None:
    async with db.session() as s:
        s.add(Channel(org_id=roster.org_id, kind="webhook", address="http://127.0.0.1:9/hook"))
    soon = datetime.now(UTC) + timedelta(minutes=1)
    local = soon.astimezone(
        roster.world.town_a and __import__("zoneinfo").ZoneInfo("Asia/Shanghai")
    )
    body = {
        "org_id": roster.org_id,
        "name": "国庆假期",
        "start_date": local.date().isoformat(),
        "end_date": (local.date() + timedelta(days=7)).isoformat(),
        "report_time": local.strftime("%H:%M"),
    }
    period = await post(client, f"{API}/key-periods", body, roster.duty)
    async with db.session() as s:
        from service.clock.models import Timer

        timer = (
            await s.execute(sa.select(Timer).where(Timer.kind == "duty.daily_report"))
        ).scalar_one()
        assert timer.ref.startswith(f"period:{period['id']}:")
        timer.due_at = datetime.now(UTC)  # do not wait a minute in a test
    clocked = settings.model_copy(update={"clock_enabled": True, "clock_tick_s": 0.2})
    async with LifespanManager(create_app(clocked), shutdown_timeout=30):
        for _ in range(300):
            reports = await events(db, "duty.daily_report")
            if reports:
                break
            await asyncio.sleep(0.1)
    assert reports and "国庆假期" in reports[0]["text"]
    async with db.session() as s:
        refs = [r[0] for r in (await s.execute(sa.select(Delivery.ref))).all()]
        upcoming = (
            await s.execute(
                sa.select(Timer.ref).where(
                    Timer.kind == "duty.daily_report", Timer.state == "pending"
                )
            )
        ).all()
    assert any(r.startswith(f"duty.daily_report:{period['id']}:") for r in refs)
    assert len(upcoming) == 1  # tomorrow's


async def test_an_instance_starting_after_the_daily_cron_time_runs_the_day_s_check(
    settings: Settings, db: Database, roster: Roster
) -> None:
    """No instance was up at 00:05 UTC: the one that starts proposes today's run at once,
    and a second instance starting later does not run it again."""
    clocked = settings.model_copy(update={"clock_enabled": True, "clock_tick_s": 0.2})
    ref = f"day:{datetime.now(UTC).date()}"

    async def states() -> list[str]:
        async with db.session(write=False) as s:
            rows = await s.execute(
                sa.select(Timer.state).where(Timer.kind == jobs.DAILY, Timer.ref == ref)
            )
            return [r[0] for r in rows]

    for _ in range(2):  # two instances, one after the other
        async with LifespanManager(create_app(clocked), shutdown_timeout=30):
            for _ in range(300):
                if await states() == ["done"]:
                    break
                await asyncio.sleep(0.1)
        assert await states() == ["done"]
