"""Exercise mode: warnings and incidents issued through an in-progress drill run the real
flows (delivery, answers, escalation by the clock, dispatch), are marked everywhere (read
models, events, CAP), stay out of the statistics, and the run log has their timings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import sqlalchemy as sa
from asgi_lifespan import LifespanManager
from lxml import etree

from service.app import create_app
from service.db import Database
from service.notify.models import Delivery
from service.people.models import Person
from service.realtime.models import OutboxEvent
from service.settings import Settings
from tests.plans.drills.conftest import Drills, call, drill_body, soon
from tests.service.clock.helpers import wait_for

CAP_NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}


def warning_body(d: Drills, **changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "org_id": d.world.town_a.id,
        "hazard": "rainstorm",
        "level": "orange",
        "title": "甲镇暴雨橙色预警",
        "content": "未来 3 小时甲镇有大暴雨。",
        "recipients": [p.id for p in d.people],
        "expires_at": (datetime.now(UTC) + timedelta(hours=6)).isoformat(),
    }
    body.update(changes)
    return body


async def running_drill(client: httpx.AsyncClient, d: Drills) -> dict[str, object]:
    start = soon(days=-0.01)
    body = drill_body(
        d, start_at=start.isoformat(), end_at=(start + timedelta(hours=3)).isoformat()
    )
    drill = await call(client, "POST", "", d.h(), body, 201)
    await call(client, "POST", f"/{drill['id']}/start", d.h())
    return drill  # type: ignore[no-any-return]


async def escalated_for(db: Database, warning_id: int) -> bool:
    return any(e["warning_id"] == warning_id for e in await events(db, "warning.escalated"))


async def events(db: Database, type_: str) -> list[dict]:
    async with db.session(write=False) as s:  # a reader: the clock's writes go first
        rows = await s.exec(
            sa.select(OutboxEvent.data).where(OutboxEvent.type == type_).order_by(OutboxEvent.seq)
        )
        return [r[0] for r in rows]


async def test_exercise_warning_runs_call_and_respond_and_stays_out_of_statistics(
    client: httpx.AsyncClient, drills: Drills, db: Database, settings: Settings
) -> None:
    planned = await call(client, "POST", "", drills.h(), drill_body(drills), 201)
    r = await call(
        client, "POST", f"/{planned['id']}/warnings", drills.h(), warning_body(drills), 409
    )
    assert r["code"] == "drill_not_in_progress"
    drill = await running_drill(client, drills)
    silent, answering = drills.people
    async with db.session() as s:  # the silent one's superior is reached when the clock runs
        person = await s.get(Person, silent.id)
        assert person is not None
        person.superior_id = drills.leader.id
        s.add(person)
    # a real warning too, by the duty officer: it is the only one counted
    real = await client.post(
        "/api/v1/warnings", json=warning_body(drills), headers=drills.h("a_duty")
    )
    assert real.status_code == 201 and real.json()["exercise"] is False
    # the coordinator cannot issue a real warning, only an exercise one through the drill
    r = await client.post("/api/v1/warnings", json=warning_body(drills), headers=drills.h())
    assert r.status_code == 403
    body = warning_body(drills, respond_within_s=1, recall_count=0)
    w = await call(client, "POST", f"/{drill['id']}/warnings", drills.h(), body, 201)
    assert w["exercise"] is True and w["title"].startswith("【演练】") and w["status"] == "issued"
    r = await client.post(
        f"/api/v1/warnings/{w['id']}/acks",
        json={"person_id": answering.id},
        headers=drills.h("a_duty"),
    )
    assert r.status_code == 200 and r.json()["state"] in ("acknowledged", "late")
    # delivered through the people's channels, marked in the text
    async with db.session() as s:
        refs = (await s.exec(sa.select(Delivery.ref, Delivery.message))).all()
    assert any(ref.startswith(f"warning:{w['id']}") and "【演练】" in str(m) for ref, m in refs)
    # events and CAP carry the mark
    called = [e for e in await events(db, "warning.called") if e["warning_id"] == w["id"]]
    assert called and all(e["exercise"] is True for e in called)
    cap = await client.get(f"/api/v1/warnings/{w['id']}/cap", headers=drills.h("a_duty"))
    status = etree.fromstring(cap.content).findtext("cap:status", namespaces=CAP_NS)
    assert status == "Exercise"
    # the clock escalates the silent one as it would in earnest
    clocked = settings.model_copy(update={"clock_enabled": True, "clock_tick_s": 0.2})
    async with LifespanManager(create_app(clocked), shutdown_timeout=30):
        await wait_for(lambda: escalated_for(db, w["id"]))
    escalated = [e for e in await events(db, "warning.escalated") if e["warning_id"] == w["id"]]
    assert escalated[0]["exercise"] is True and escalated[0]["assignee_id"] == drills.leader.id
    # lists filter, statistics leave the exercise out
    h = drills.h("a_duty")
    only = (await client.get("/api/v1/warnings?exercise=true", headers=h)).json()
    assert [x["id"] for x in only["data"]] == [w["id"]]
    real_only = (await client.get("/api/v1/warnings?exercise=false", headers=h)).json()
    assert [x["id"] for x in real_only["data"]] == [real.json()["id"]]
    stats = (await client.get("/api/v1/warnings/summary", headers=h)).json()
    assert stats["warnings"] == 1 and stats["recipients"] == 2 and stats["answered"] == 0
    # the run log: one answer timed, one escalated
    log = await call(client, "GET", f"/{drill['id']}/log", drills.h("a_viewer"))
    (run,) = log["warnings"]
    timing = {t["person_id"]: t for t in run["recipients_timing"]}
    assert timing[answering.id]["answer_s"] is not None and timing[answering.id]["answer_s"] >= 0
    assert timing[silent.id]["answer_s"] is None and timing[silent.id]["escalated"] is True
    assert run["answered"] == 1 and run["escalated"] == 1 and run["recipients"] == 2


async def test_exercise_incident_dispatch_is_timed_and_not_counted(
    client: httpx.AsyncClient, drills: Drills, db: Database
) -> None:
    drill = await running_drill(client, drills)
    occurred = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    body = {"title": "甲村山洪（演练）", "type": "flood", "org_id": drills.world.town_a.id}
    incident = await call(
        client,
        "POST",
        f"/{drill['id']}/incidents",
        drills.h(),
        {**body, "occurred_at": occurred},
        201,
    )
    assert incident["exercise"] is True and incident["title"].startswith("【演练】")
    # the report clock runs for it as for a real one
    detail = (await client.get(f"/api/v1/incidents/{incident['id']}", headers=drills.h())).json()
    assert detail["reports"] and detail["reports"][0]["state"] == "due"
    # the duty room dispatches the team to the exercise incident (team status is theirs)
    r = await client.post(
        f"/api/v1/incidents/{incident['id']}/dispatches",
        json={"team_id": drills.team_a.id},
        headers=drills.h("a_duty"),
    )
    assert r.status_code == 201, r.text
    dispatched = await events(db, "incident.dispatched")
    assert dispatched[-1]["exercise"] is True
    # a real incident, counted; the exercise is not
    real = await client.post(
        "/api/v1/incidents", json={**body, "occurred_at": occurred}, headers=drills.h("a_duty")
    )
    assert real.status_code == 201
    r = await client.post(
        "/api/v1/incidents", json={**body, "occurred_at": occurred}, headers=drills.h()
    )
    assert r.status_code == 403  # no real incidents from the coordinator
    stats = (await client.get("/api/v1/incidents/summary", headers=drills.h("a_duty"))).json()
    assert stats["incidents"] == 1 and stats["by_type"] == {"flood": 1}
    listed = (await client.get("/api/v1/incidents?exercise=true", headers=drills.h())).json()
    assert [i["id"] for i in listed["data"]] == [incident["id"]]
    # an exercise dispatch is no conflict: only real incidents are
    again = await call(client, "GET", f"/{drill['id']}", drills.h())
    assert again["conflicts"] == []
    log = await call(client, "GET", f"/{drill['id']}/log", drills.h())
    (run,) = log["incidents"]
    assert run["dispatches"] == 1 and run["first_dispatch_s"] is not None
    assert run["first_dispatch_s"] >= 0
