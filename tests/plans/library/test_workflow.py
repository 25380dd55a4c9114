"""The workflow end to end (SQLite and PostgreSQL): immutability once submitted, approval
by another leader, filing by the parent org within 20 working days, publication and
supersession, every step audited with an event."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import httpx
import sqlalchemy as sa
from asgi_lifespan import LifespanManager

from plans.library import workflow
from service.app import create_app
from service.audit.models import AuditEntry
from service.clock.models import Timer
from service.db import Database
from service.notify.models import Channel, Delivery
from service.realtime.models import OutboxEvent
from service.settings import Settings
from tests.plans.library.conftest import API, Library, call, level, new_plan, to_published, today


async def events(db: Database, prefix: str) -> list[tuple[str, dict]]:
    async with db.session() as s:
        rows = await s.execute(
            sa.select(OutboxEvent.type, OutboxEvent.data)
            .where(OutboxEvent.type.like(f"{prefix}%"))  # type: ignore[attr-defined]
            .order_by(OutboxEvent.seq)  # type: ignore[arg-type]
        )
        return [(r[0], r[1]) for r in rows]


async def test_the_whole_workflow(
    client: httpx.AsyncClient, library: Library, db: Database
) -> None:
    plan = await new_plan(client, library)
    v1 = f"/{plan['id']}/versions/1"
    duty, leader = library.h("a_duty"), library.h("a_leader")
    edited = await call(client, "PATCH", v1, duty, {"change_note": "初稿"})
    assert edited["change_note"] == "初稿"
    await call(client, "POST", f"{v1}/submit", duty)
    # immutable once submitted: nothing changes
    r = await client.patch(f"{API}{v1}", json={"change_note": "改"}, headers=duty)
    assert r.status_code == 409 and r.json()["code"] == "plan_version_locked"
    assert (await call(client, "GET", v1, duty))["change_note"] == "初稿"
    r = await client.post(f"{API}{v1}/submit", headers=duty)
    assert r.status_code == 409 and r.json()["code"] == "plan_version_state"
    approved = await call(client, "POST", f"{v1}/approve", leader, {"note": "同意"})
    assert (
        approved["status"] == "approved" and approved["decided_by"] == library.users["a_leader"].id
    )
    approved_on = date.fromisoformat(today())
    assert approved["filing_due_date"] == workflow.add_working_days(approved_on, 20).isoformat()
    # filing: not by the township itself, only by the county above it
    filing = {"filing_number": "阳应急备〔2026〕7号", "filing_date": today()}
    for who in ("a_duty", "a_leader"):
        r = await client.post(f"{API}{v1}/file", json=filing, headers=library.h(who))
        assert r.status_code == 403 and r.json()["code"] == "plan_filing_parent_org", r.text
    r = await client.post(
        f"{API}{v1}/file", json={**filing, "filing_date": "2020-01-01"}, headers=library.h("c_duty")
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "filing_date"
    filed = await call(client, "POST", f"{v1}/file", library.h("c_duty"), filing)
    assert filed["filing_org_id"] == library.world.county.id
    assert filed["filing_number"] == filing["filing_number"]
    published = await call(client, "POST", f"{v1}/publish", duty)
    assert published["status"] == "published"
    current = await call(client, "GET", f"/{plan['id']}", duty)
    assert current["published_version"] == 1
    assert (
        current["review_due_date"]
        == date.fromisoformat(today()).replace(year=approved_on.year + 3).isoformat()
    )

    # a revision: triggers are required, then recorded
    r = await client.post(f"{API}/{plan['id']}/versions", json={}, headers=duty)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "revision_triggers"
    v2 = await call(
        client,
        "POST",
        f"/{plan['id']}/versions",
        duty,
        {"revision_triggers": [{"kind": "drill_lessons", "note": "演练发现转移时限过长"}]},
        201,
    )
    assert v2["number"] == 2 and v2["based_on"] == 1
    assert v2["revision_triggers"][0]["kind"] == "drill_lessons"
    r = await client.post(
        f"{API}/{plan['id']}/versions",
        json={"revision_triggers": [{"kind": "other"}]},
        headers=duty,
    )
    assert r.status_code == 409 and r.json()["code"] == "plan_version_open"
    await to_published(client, library, plan["id"], 2)
    listed = await call(client, "GET", f"/{plan['id']}/versions", duty)
    assert [v["status"] for v in listed["data"]] == ["superseded", "published"]

    types = [t for t, _ in await events(db, "plan_version.")]
    for step in ("created", "updated", "submitted", "approved", "filed", "published"):
        assert f"plan_version.{step}" in types
    assert "plan_version.superseded" in types
    async with db.session() as s:
        audited = (
            (
                await s.execute(
                    sa.select(AuditEntry.action).where(AuditEntry.object_type == "plan_version")
                )
            )
            .scalars()
            .all()
        )
        pending = (
            (await s.execute(sa.select(Timer.state).where(Timer.kind == workflow.FILING_DUE)))
            .scalars()
            .all()
        )
    assert audited.count("published") == 2 and audited.count("filed") == 2
    assert set(pending) == {"cancelled"}  # filed in time: no overdue timer left


async def test_self_approval_follows_the_setting(
    client: httpx.AsyncClient, library: Library, settings: Settings
) -> None:
    leader = library.h("a_leader")
    plan = await call(
        client, "POST", "", leader, {**(await _body(library)), "title": "甲镇地质灾害应急预案"}, 201
    )
    v1 = f"/{plan['id']}/versions/1"
    await call(client, "POST", f"{v1}/submit", leader)
    r = await client.post(f"{API}{v1}/approve", headers=leader)
    assert r.status_code == 403 and r.json()["code"] == "plan_self_approval"
    assert (await call(client, "GET", v1, leader))["status"] == "in_review"
    await call(client, "POST", f"{v1}/approve", library.h("a_leader2"))
    settings.plan_approver_must_differ = False
    plan2 = await call(client, "POST", "", leader, await _body(library), 201)
    await call(client, "POST", f"/{plan2['id']}/versions/1/submit", leader)
    await call(client, "POST", f"/{plan2['id']}/versions/1/approve", leader)


async def _body(library: Library) -> dict:
    from tests.plans.library.conftest import plan_body

    return plan_body(library.world.town_a.id or 0)


async def test_reject_and_withdraw(client: httpx.AsyncClient, library: Library) -> None:
    plan = await new_plan(client, library)
    duty = library.h("a_duty")
    await call(client, "POST", f"/{plan['id']}/versions/1/submit", duty)
    rejected = await call(
        client, "POST", f"/{plan['id']}/versions/1/reject", library.h("a_leader"), {"note": "补充"}
    )
    assert rejected["status"] == "rejected"
    v2 = await call(client, "POST", f"/{plan['id']}/versions", duty, {"copy_from": 1}, 201)
    assert v2["content"]["levels"][0]["level"] == "III"
    await to_published(client, library, plan["id"], 2)
    r = await client.post(f"{API}/{plan['id']}/versions/2/withdraw", json={}, headers=duty)
    assert r.status_code == 422
    done = await call(
        client, "POST", f"/{plan['id']}/versions/2/withdraw", duty, {"reason": "机构撤并"}
    )
    assert done["status"] == "withdrawn"
    current = await call(client, "GET", f"/{plan['id']}", duty)
    assert current["published_version"] is None and current["withdrawn"] is True


def test_working_days_skip_the_spring_festival_2026() -> None:
    # Spring Festival 2026: 15–23 February off; Saturdays 14 and 28 February are worked
    assert workflow.add_working_days(date(2026, 2, 10), 20) == date(2026, 3, 16)
    assert workflow.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert workflow.add_working_days(date(2026, 2, 13), 2) == date(2026, 2, 24)
    assert workflow.add_working_days(date(2026, 2, 27), 1) == date(2026, 2, 28)
    assert workflow.add_working_days(date(2026, 2, 28), 1) == date(2026, 3, 2)
    # without the holidays, 20 working days after 10 February would end on 10 March
    assert workflow.add_working_days(date(2026, 2, 10), 20) != date(2026, 3, 10)


async def test_an_overdue_filing_raises_an_event_and_a_message(
    client: httpx.AsyncClient, library: Library, db: Database, settings: Settings
) -> None:
    plan = await new_plan(client, library)
    v1 = f"/{plan['id']}/versions/1"
    await call(client, "POST", f"{v1}/submit", library.h("a_duty"))
    await call(client, "POST", f"{v1}/approve", library.h("a_leader2"))
    async with db.session() as s:
        leader_person = library.users["a_leader2"].person_id
        s.add(Channel(person_id=leader_person, kind="sms", address="+8613900000777"))
        timer = (
            await s.execute(sa.select(Timer).where(Timer.kind == workflow.FILING_DUE))
        ).scalar_one()
        assert timer.due_at > datetime.now(UTC)
        timer.due_at = datetime.now(UTC)  # as if 20 working days had passed
    clocked = settings.model_copy(update={"clock_enabled": True, "clock_tick_s": 0.2})
    async with LifespanManager(create_app(clocked), shutdown_timeout=30):
        for _ in range(300):
            overdue = await events(db, "plan_version.filing_overdue")
            if overdue:
                break
            await asyncio.sleep(0.1)
    assert len(overdue) == 1 and overdue[0][1]["plan_id"] == plan["id"]
    assert (await call(client, "GET", v1, library.h("a_duty")))["filing_overdue"] is True
    async with db.session() as s:
        refs = (await s.execute(sa.select(Delivery.ref))).scalars().all()
    assert any(r.startswith("plan.filing_overdue:") for r in refs)
    # a late filing is still recorded
    filing = {"filing_number": "阳应急备〔2026〕9号", "filing_date": today()}
    await call(client, "POST", f"{v1}/file", library.h("c_leader"), filing)


async def test_level_changes_keep_action_keys(client: httpx.AsyncClient, library: Library) -> None:
    plan = await new_plan(client, library)
    v1 = await call(client, "GET", f"/{plan['id']}/versions/1", library.h("a_duty"))
    four = v1["content"]["levels"][1]
    four["actions"].insert(0, {"action": "发布预警", "responsible": "镇应急办"})
    body = {"content": {**v1["content"], "levels": [v1["content"]["levels"][0], four]}}
    updated = await call(client, "PATCH", f"/{plan['id']}/versions/1", library.h("a_duty"), body)
    keys = [a["key"] for a in updated["content"]["levels"][1]["actions"]]
    assert keys == ["IV-4", "IV-1", "IV-2", "IV-3"]
    assert level()["level"] == "IV"


async def test_racing_steps_take_effect_once(client: httpx.AsyncClient, library: Library) -> None:
    plan = await new_plan(client, library)
    v1 = f"{API}/{plan['id']}/versions/1"
    await call(client, "POST", f"/{plan['id']}/versions/1/submit", library.h("a_duty"))
    first, second = await asyncio.gather(
        client.post(f"{v1}/approve", headers=library.h("a_leader")),
        client.post(f"{v1}/approve", headers=library.h("a_leader2")),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 409], (first.text, second.text)
    filing = {"filing_number": "阳应急备〔2026〕3号", "filing_date": today()}
    edit, filed = await asyncio.gather(
        client.patch(v1, json={"change_note": "偷改"}, headers=library.h("a_duty")),
        client.post(f"{v1}/file", json=filing, headers=library.h("c_duty")),
    )
    assert edit.status_code == 409 and filed.status_code == 200
