"""Scheduling drills: create, change, bad input named by field and rule, the lifecycle,
conflicts of participating teams, scope."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from fastapi import FastAPI

from service.auth.permissions import Role
from tests.factories import bearer
from tests.plans.drills.conftest import Drills, call, drill_body, soon


async def test_create_show_update_and_list(client: httpx.AsyncClient, drills: Drills) -> None:
    created = await call(client, "POST", "", drills.h(), drill_body(drills), 201)
    assert created["status"] == "planned" and created["plan_version"] == 1
    assert created["level"] == "IV" and created["multi_department"] is False  # one other org
    assert created["conflicts"] == []
    assert [r["offset_s"] for r in created["reminders"]] == [7 * 86400, 86400, 3600]
    assert "update" in created["actions"] and "start" in created["actions"]
    shown = await call(client, "GET", f"/{created['id']}", drills.h("a_viewer"))
    assert shown["title"] == created["title"] and shown["actions"] == []
    start = soon(days=20)
    changed = await call(
        client,
        "PATCH",
        f"/{created['id']}",
        drills.h(),
        {"start_at": start.isoformat(), "end_at": (start + timedelta(hours=2)).isoformat()},
    )
    assert changed["reminders"][0]["due_at"].startswith(
        (start - timedelta(days=7)).date().isoformat()
    )
    window = {"from": start.isoformat(), "to": (start + timedelta(hours=1)).isoformat()}
    r = await client.get("/api/v1/drills", params=window, headers=drills.h("a_viewer"))
    month = r.json()
    assert [d["id"] for d in month["data"]] == [created["id"]]
    other = await call(client, "GET", "?status=closed", drills.h())
    assert other["count"] == 0


async def test_bad_input_names_the_field_and_rule(
    client: httpx.AsyncClient, drills: Drills
) -> None:
    start = soon()

    async def bad(expect: int = 422, **changes: object) -> dict[str, object]:
        return await call(client, "POST", "", drills.h(), drill_body(drills, **changes), expect)

    body = await bad(end_at=(start - timedelta(hours=1)).isoformat(), start_at=start.isoformat())
    assert body["errors"][0]["field"] == "end_at"
    assert body["errors"][0]["code"] == "end_before_start"
    body = await bad(level="II")
    assert body["errors"][0] == {
        **body["errors"][0],
        "field": "level",
        "code": "drill_level_unknown",
    }
    body = await bad(level="V")
    assert body["errors"][0]["field"] == "level"
    body = await bad(team_ids=[drills.team_b.id])
    assert body["errors"][0]["field"] == "team_ids.0"
    assert body["errors"][0]["code"] in ("team_unknown_drill", "drill_participant_outside")
    # the county's leader sees township B, but a township A drill cannot enlist it
    body = await call(
        client,
        "POST",
        "",
        drills.h("c_leader"),
        drill_body(drills, org_ids=[drills.world.town_a.id, drills.world.town_b.id]),
        422,
    )
    assert body["errors"][0] == {
        **body["errors"][0],
        "field": "org_ids.1",
        "code": "drill_participant_outside",
    }
    # a plan version that is not published: a new draft (version 2)
    await client.post(
        f"/api/v1/plans/{drills.plan['id']}/versions",
        json={"revision_triggers": [{"kind": "review"}]},
        headers=drills.h("a_duty"),
    )
    body = await bad(plan_version=2)
    assert body["errors"][0]["field"] == "plan_version"
    assert body["errors"][0]["code"] == "drill_plan_not_published"
    # the viewer may not schedule; another township's coordinator cannot see township A
    r = await client.post("/api/v1/drills", json=drill_body(drills), headers=drills.h("a_viewer"))
    assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"


async def test_lifecycle_and_state_rules(client: httpx.AsyncClient, drills: Drills) -> None:
    d = await call(client, "POST", "", drills.h(), drill_body(drills), 201)
    path = f"/{d['id']}"
    r = await call(client, "POST", f"{path}/complete", drills.h(), expect=409)
    assert r["code"] == "drill_state"
    r = await call(client, "PUT", f"{path}/evaluation", drills.h(), {"scores": []}, 422)
    notified = await call(client, "POST", f"{path}/notify", drills.h())
    assert notified["status"] == "notified" and notified["notified_at"]
    again = await call(client, "POST", f"{path}/notify", drills.h())
    assert again["notified_at"] == notified["notified_at"]  # a retry changes nothing
    started = await call(client, "POST", f"{path}/start", drills.h())
    assert started["status"] == "in_progress"
    assert all(r["state"] == "cancelled" for r in started["reminders"])
    r = await call(client, "PATCH", path, drills.h(), {"title": "改名"}, 409)
    assert r["code"] == "drill_state"
    done = await call(client, "POST", f"{path}/complete", drills.h())
    assert done["status"] == "completed" and "evaluate" in done["actions"]
    r = await call(client, "POST", f"{path}/cancel", drills.h(), {"reason": "x"}, 409)
    assert r["code"] == "drill_state"


async def test_cancel_stops_reminders(client: httpx.AsyncClient, drills: Drills) -> None:
    d = await call(client, "POST", "", drills.h(), drill_body(drills), 201)
    r = await call(client, "POST", f"/{d['id']}/cancel", drills.h(), {}, 422)
    assert r["errors"][0]["field"] == "reason"
    cancelled = await call(client, "POST", f"/{d['id']}/cancel", drills.h(), {"reason": "暴雨"})
    assert cancelled["status"] == "cancelled" and cancelled["cancel_reason"] == "暴雨"
    assert {r["state"] for r in cancelled["reminders"]} == {"cancelled"}


async def test_conflicts_show_overlaps_and_real_dispatches(
    client: httpx.AsyncClient, drills: Drills
) -> None:
    first = await call(client, "POST", "", drills.h(), drill_body(drills), 201)
    start = soon(hours=1)  # overlaps the first (10 days ahead, 3 hours long)
    second = await call(
        client,
        "POST",
        "",
        drills.h(),
        drill_body(
            drills,
            title="第二场",
            start_at=start.isoformat(),
            end_at=(start + timedelta(hours=2)).isoformat(),
        ),
        201,
    )
    assert [(c["kind"], c["drill_id"]) for c in second["conflicts"]] == [("drill", first["id"])]
    # a real incident takes team A: both drill pages say so
    incident = await client.post(
        "/api/v1/incidents",
        json={
            "title": "甲村山洪",
            "type": "flood",
            "org_id": drills.world.town_a.id,
            "occurred_at": soon(days=-0.01).isoformat(),
        },
        headers=drills.h("a_duty"),
    )
    assert incident.status_code == 201, incident.text
    r = await client.post(
        f"/api/v1/incidents/{incident.json()['id']}/dispatches",
        json={"team_id": drills.team_a.id},
        headers=drills.h("a_duty"),
    )
    assert r.status_code == 201, r.text
    shown = await call(client, "GET", f"/{first['id']}", drills.h("a_viewer"))
    kinds = {(c["kind"], c.get("incident_id")) for c in shown["conflicts"]}
    assert ("incident", incident.json()["id"]) in kinds and ("drill", None) in kinds


async def test_scope(client: httpx.AsyncClient, drills: Drills) -> None:
    d = await call(client, "POST", "", drills.h(), drill_body(drills), 201)
    b = bearer(drills.world.user_b)
    r = await client.get(f"/api/v1/drills/{d['id']}", headers=b)
    assert r.status_code == 404
    assert (await call(client, "GET", "", b))["count"] == 0
    # a person taking part sees it, without being in the organiser's scope
    r = await client.get(f"/api/v1/drills/{d['id']}", headers=drills.world.headers(Role.viewer))
    assert r.status_code == 200


async def test_junk_to_live_drills_never_gives_a_500(
    app: FastAPI, client: httpx.AsyncClient, drills: Drills
) -> None:
    """Every drills route with junk, against drills that exist (planned, in progress,
    completed with a finding and an action)."""
    from tests.service.test_no_500 import JUNK_BODIES, routes

    ids = []
    for step in ([], ["start"], ["start", "complete"]):
        d = await call(client, "POST", "", drills.h(), drill_body(drills), 201)
        for action in step:
            await call(client, "POST", f"/{d['id']}/{action}", drills.h())
        ids.append(str(d["id"]))
    finding = await call(client, "POST", f"/{ids[2]}/findings", drills.h(), {"text": "x"}, 201)
    body = {"text": "y", "due_date": "2030-01-01"}
    await call(client, "POST", f"/{ids[2]}/findings/{finding['id']}/actions", drills.h(), body, 201)
    bodies = [*JUNK_BODIES, {"scores": [{"criterion": "plan", "score": 101}]}, {"status": "nope"}]
    failures = []
    for method, template in routes(app, ("/api/v1/drills",)):
        for value in ids:
            path = re.sub(r"\{[^}]+\}", value, template)
            for body in bodies if method in ("POST", "PUT", "PATCH") else [None]:
                for query in ("", "?from=x&to=2026-13-01&year=abc&org_id=-1&person_id=1"):
                    r = await client.request(method, path + query, json=body, headers=drills.h())
                    if r.status_code >= 500:
                        failures.append((method, path + query, body, r.status_code, r.text[:200]))
    assert not failures, failures[:5]
