"""Reminders at T-7 days, T-1 day and T-1 hour are clock timers: scheduled with the drill,
moved with it, fired by the clock of a later process (as after a restart) once each, to
every participant's channels; offsets come from the settings. Corrective actions remind
their owner before the due date and once it has passed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
import sqlalchemy as sa
from asgi_lifespan import LifespanManager
from sqlmodel import col

from plans.drills import actions, reminders
from service.app import create_app
from service.clock.models import Timer
from service.db import Database
from service.notify.models import Delivery
from service.realtime.models import OutboxEvent
from service.settings import Settings
from tests.plans.drills.conftest import Drills, call, drill_body, soon
from tests.service.clock.helpers import wait_for


async def timers(db: Database, kind: str) -> dict[str, tuple[datetime, str]]:
    async with db.session(write=False) as s:
        rows = await s.exec(
            sa.select(Timer.ref, Timer.due_at, Timer.state).where(Timer.kind == kind)
        )
        return {r[0]: (r[1], r[2]) for r in rows.all()}


async def fired(db: Database, type_: str) -> list[dict]:
    async with db.session(write=False) as s:  # a reader: the clock's writes go first
        rows = await s.exec(
            sa.select(OutboxEvent.data).where(OutboxEvent.type == type_).order_by(OutboxEvent.seq)
        )
        return [r[0] for r in rows.all()]


async def test_reminders_are_due_at_the_right_times(
    client: httpx.AsyncClient, drills: Drills, db: Database
) -> None:
    start = soon(days=2)  # too late for T-7: that one is never set
    body = drill_body(
        drills, start_at=start.isoformat(), end_at=(start + timedelta(hours=2)).isoformat()
    )
    d = await call(client, "POST", "", drills.h(), body, 201)
    due = await timers(db, reminders.REMINDER)
    assert due == {
        f"drill:{d['id']}:T-86400": (start - timedelta(days=1), "pending"),
        f"drill:{d['id']}:T-3600": (start - timedelta(hours=1), "pending"),
    }
    later = start + timedelta(days=10)
    moved = {"start_at": later.isoformat(), "end_at": (later + timedelta(hours=2)).isoformat()}
    await call(client, "PATCH", f"/{d['id']}", drills.h(), moved)
    due = await timers(db, reminders.REMINDER)
    assert {ref: at for ref, (at, state) in due.items() if state == "pending"} == {
        f"drill:{d['id']}:T-604800": later - timedelta(days=7),
        f"drill:{d['id']}:T-86400": later - timedelta(days=1),
        f"drill:{d['id']}:T-3600": later - timedelta(hours=1),
    }


async def test_a_reminder_fires_after_a_restart_once_to_every_participant(
    client: httpx.AsyncClient, drills: Drills, db: Database, settings: Settings
) -> None:
    d = await call(client, "POST", "", drills.h(), drill_body(drills), 201)
    ref = f"drill:{d['id']}:T-86400"
    async with db.session() as s:  # as if nine days had passed while the service was down
        await s.exec(sa.update(Timer).where(col(Timer.ref) == ref).values(due_at=datetime.now(UTC)))
    clocked = settings.model_copy(update={"clock_enabled": True, "clock_tick_s": 0.2})
    async with LifespanManager(create_app(clocked), shutdown_timeout=30):

        async def done() -> bool:
            return bool(await fired(db, "drill.reminder"))

        await wait_for(done)
    async with LifespanManager(create_app(clocked), shutdown_timeout=30):
        pass  # a second process start fires nothing again
    (event,) = await fired(db, "drill.reminder")
    assert event["drill_id"] == d["id"] and event["offset_s"] == 86400
    # the named people, the team's leader and its member
    assert event["people"] == 4
    due = await timers(db, reminders.REMINDER)
    assert due[ref][1] == "done"
    assert due[f"drill:{d['id']}:T-3600"][1] == "pending"
    assert due[f"drill:{d['id']}:T-604800"][1] == "pending"
    async with db.session() as s:
        refs = (await s.exec(sa.select(Delivery.ref, Delivery.message))).all()
    mine = [m for r, m in refs if r.startswith(ref)]
    assert len(mine) == 4 and all("1 天后" in str(m) for m in mine)


async def test_offsets_come_from_the_settings(
    drills: Drills, db: Database, settings: Settings
) -> None:
    custom = settings.model_copy(update={"drill_reminder_offsets_s": [3 * 86400, 1800]})
    app = create_app(custom)
    async with LifespanManager(app, shutdown_timeout=30):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            d = await call(c, "POST", "", drills.h(), drill_body(drills), 201)
    assert [r["offset_s"] for r in d["reminders"]] == [3 * 86400, 1800]


async def test_corrective_actions_remind_their_owner(
    client: httpx.AsyncClient, drills: Drills, db: Database, settings: Settings
) -> None:
    d = await call(client, "POST", "", drills.h(), drill_body(drills), 201)
    path = f"/{d['id']}"
    await call(client, "POST", f"{path}/start", drills.h())
    await call(client, "POST", f"{path}/complete", drills.h())
    finding = await call(client, "POST", f"{path}/findings", drills.h(), {"text": "通信中断"}, 201)
    due = date.today() + timedelta(days=10)
    body = {
        "text": "配备卫星电话",
        "owner_person_id": drills.leader.id,
        "due_date": due.isoformat(),
    }
    a = await call(
        client, "POST", f"{path}/findings/{finding['id']}/actions", drills.h(), body, 201
    )
    ref = f"drill_action:{a['id']}"
    assert ref in await timers(db, actions.DUE) and ref in await timers(db, actions.OVERDUE)
    async with db.session() as s:  # the due date has passed
        moved = sa.update(Timer).where(col(Timer.ref) == ref, col(Timer.kind) == actions.OVERDUE)
        await s.exec(moved.values(due_at=datetime.now(UTC)))
    clocked = settings.model_copy(update={"clock_enabled": True, "clock_tick_s": 0.2})
    async with LifespanManager(create_app(clocked), shutdown_timeout=30):

        async def told() -> bool:
            return bool(await fired(db, "drill_action.overdue"))

        await wait_for(told)
    (event,) = await fired(db, "drill_action.overdue")
    assert event["id"] == a["id"] and event["status"] == "open"
    async with db.session() as s:
        refs = (await s.exec(sa.select(Delivery.ref))).all()
    assert any(r[0].startswith(f"drill.action_overdue:{a['id']}") for r in refs)
    # done: the notice before the due date (still pending) is never sent
    await call(client, "PATCH", f"{path}/actions/{a['id']}", drills.h(), {"status": "done"})
    assert (await timers(db, actions.DUE))[ref][1] == "cancelled"
