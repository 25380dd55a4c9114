"""Review dates and the weekly check; attachments and their limits."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime, timedelta

import httpx
import sqlalchemy as sa

from plans.library import reviews
from plans.library.models import Plan
from service.clock.models import Timer
from service.db import Database
from service.notify.models import Channel, Delivery
from service.realtime.models import OutboxEvent
from service.settings import Settings
from tests.plans.library.conftest import API, Library, call, new_plan, to_published, today


async def _set_due(db: Database, plan_id: int, due: date) -> None:
    async with db.session() as s:
        plan = await s.get(Plan, plan_id)
        assert plan is not None
        plan.review_due_date = due
        s.add(plan)


async def test_review_dates_listing_and_weekly_check(
    client: httpx.AsyncClient, library: Library, db: Database, settings: Settings
) -> None:
    settings.plan_review_years_by_kind = {"department": 2}
    day = date.fromisoformat(today())
    soon = await new_plan(client, library, title="甲镇防汛预案")
    late = await new_plan(client, library, title="甲镇森林防火预案", hazards=["forest_fire"])
    far = await new_plan(client, library, title="甲镇危化品预案", kind="department")
    draft = await new_plan(client, library, title="草稿预案")
    for p in (soon, late, far):
        await to_published(client, library, p["id"], 1)
    async with db.session() as s:
        weekly = (
            (await s.execute(sa.select(Timer).where(Timer.kind == reviews.WEEKLY))).scalars().all()
        )
    assert len(weekly) == 1 and weekly[0].state == "pending"  # one chain, however many publish
    assert weekly[0].due_at > datetime.now(UTC) and weekly[0].payload == {"notice_days": 90}
    published = await call(client, "GET", f"/{far['id']}", library.h("a_duty"))
    assert published["review_due_date"] == reviews.due_after(day, 2).isoformat()  # per kind
    await _set_due(db, soon["id"], day + timedelta(days=30))
    await _set_due(db, late["id"], day - timedelta(days=10))
    listed = await call(client, "GET", "/reviews", library.h("a_viewer"))
    assert [(i["plan"]["id"], i["overdue"]) for i in listed["data"]] == [
        (late["id"], True),
        (soon["id"], False),
    ]
    assert listed["data"][0]["days_left"] == -10 and listed["data"][1]["days_left"] == 30
    wider = await call(client, "GET", "/reviews?within_days=3000", library.h("a_viewer"))
    assert {i["plan"]["id"] for i in wider["data"]} == {soon["id"], late["id"], far["id"]}
    assert draft["id"] not in {i["plan"]["id"] for i in wider["data"]}
    assert (await call(client, "GET", "/reviews", library.h("b_duty")))["count"] == 0

    # the weekly check: events for both, a message to the org's leaders (no owner set)
    async with db.session() as s:
        s.add(
            Channel(
                person_id=library.users["a_leader2"].person_id, kind="sms", address="+8613900000555"
            )
        )
    async with db.session() as s:
        assert await reviews.weekly_check(s, 90) == 2
    async with db.session() as s:
        types = (
            (await s.execute(sa.select(OutboxEvent.type).where(OutboxEvent.topic == "plans")))
            .scalars()
            .all()
        )
        refs = (await s.execute(sa.select(Delivery.ref))).scalars().all()
    assert types.count("plan.review_overdue") == 1 and types.count("plan.review_due") == 1
    assert sum(r.startswith("plan.review:") for r in refs) == 2

    # an evaluation moves the date on
    evaluated = await call(
        client,
        "POST",
        f"/{late['id']}/evaluations",
        library.h("a_duty"),
        {"evaluated_date": today(), "note": "评估结论：继续适用"},
        201,
    )
    assert evaluated["review_due_date"] == reviews.due_after(day, 3).isoformat()
    r = await client.post(
        f"{API}/{draft['id']}/evaluations",
        json={"evaluated_date": today()},
        headers=library.h("a_duty"),
    )
    assert r.status_code == 422


def test_the_weekly_chain_runs_on_mondays() -> None:
    at = reviews.next_run(datetime(2026, 12, 2, 5, 0, tzinfo=UTC))  # a Wednesday
    assert at.isoformat() == "2026-12-07T09:00:00+08:00"
    assert reviews.week_ref(at) == "week:2026-W50"
    monday_late = reviews.next_run(datetime(2026, 12, 7, 2, 0, tzinfo=UTC))  # 10:00 Beijing
    assert monday_late.date() == date(2026, 12, 14)
    assert reviews.due_after(date(2024, 2, 29), 3) == date(2027, 2, 28)


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            '<Types><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        z.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def xlsx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


async def test_attachments_are_checked_by_content(
    client: httpx.AsyncClient, library: Library, settings: Settings
) -> None:
    plan = await new_plan(client, library)
    path = f"{API}/{plan['id']}/versions/1/attachments"
    duty = library.h("a_duty")

    async def upload(name: str, data: bytes, who: dict[str, str] = duty) -> httpx.Response:
        return await client.post(path, files={"file": (name, data)}, headers=who)

    for name, data in (("预案.pdf", PDF), ("预案.docx", docx()), ("图.png", PNG)):
        r = await upload(name, data)
        assert r.status_code == 201, r.text
    bad = [
        ("fake.pdf", b"MZ\x90\x00 an exe", "attachment_type"),
        ("table.docx", xlsx(), "attachment_type"),
        ("plan.png", PDF, "attachment_extension"),
        ("../../etc/plan.exe", PDF, "attachment_extension"),
        ("empty.pdf", b"", "attachment_empty"),
    ]
    for name, data, code in bad:
        r = await upload(name, data)
        assert r.status_code == 422 and r.json()["errors"][0]["code"] == code, (name, r.text)
    settings.plan_attachment_max_bytes = 2048
    r = await upload("big.pdf", PDF + b"0" * 4096)
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "attachment_too_large"
    r = await upload("x.pdf", PDF, library.h("a_viewer"))
    assert r.status_code == 403
    listed = (await client.get(path, headers=library.h("a_viewer"))).json()
    assert [a["filename"] for a in listed["data"]] == ["预案.pdf", "预案.docx", "图.png"]
    first = listed["data"][0]
    got = await client.get(f"{path}/{first['id']}", headers=library.h("a_viewer"))
    assert got.content == PDF and got.headers["content-type"] == "application/pdf"
    assert (
        await client.get(f"{path}/{first['id']}", headers=library.h("b_duty"))
    ).status_code == 404
    # a submitted version takes no more files and keeps its own
    await call(client, "POST", f"/{plan['id']}/versions/1/submit", duty)
    r = await upload("late.pdf", PDF)
    assert r.status_code == 409 and r.json()["code"] == "plan_version_locked"
    r = await client.delete(f"{path}/{first['id']}", headers=duty)
    assert r.status_code == 409


async def test_the_weekly_timer_fires_and_chains_on(
    client: httpx.AsyncClient, library: Library, db: Database, settings: Settings
) -> None:
    import asyncio

    from asgi_lifespan import LifespanManager

    from service.app import create_app

    plan = await new_plan(client, library)
    await to_published(client, library, plan["id"], 1)
    await _set_due(db, plan["id"], date.fromisoformat(today()) - timedelta(days=1))
    async with db.session() as s:
        timer = (await s.execute(sa.select(Timer).where(Timer.kind == reviews.WEEKLY))).scalar_one()
        first_ref = timer.ref
        timer.due_at = datetime.now(UTC)  # as if Monday morning had come
    clocked = settings.model_copy(update={"clock_enabled": True, "clock_tick_s": 0.2})
    async with LifespanManager(create_app(clocked), shutdown_timeout=30):
        for _ in range(300):
            async with db.session() as s:
                found = (
                    (
                        await s.execute(
                            sa.select(OutboxEvent.data).where(
                                OutboxEvent.type == "plan.review_overdue"
                            )
                        )
                    )
                    .scalars()
                    .all()
                )
            if found:
                break
            await asyncio.sleep(0.1)
    assert len(found) == 1 and found[0]["plan"]["id"] == plan["id"] and found[0]["days_left"] == -1
    async with db.session() as s:
        timers = (
            await s.execute(sa.select(Timer.ref, Timer.state).where(Timer.kind == reviews.WEEKLY))
        ).all()
    states = dict((r[0], r[1]) for r in timers)
    assert states[first_ref] == "done"
    assert list(states.values()).count("pending") == 1  # next week's
