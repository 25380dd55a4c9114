"""The report clock: due times from the regulation, levels by grade, follow-ups until the
final report, supplementary reports after it, and overdue reports fired by the clock of
a fresh app (a restart loses nothing)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import httpx
from asgi_lifespan import LifespanManager

from service.app import create_app
from service.auth.permissions import Role
from service.settings import Settings
from tests.dispatch.incident_helpers import API, ago, incident_body
from tests.factories import World


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def by_key(reports: list[dict]) -> dict[tuple, dict]:
    return {(r["kind"], r["level"]): r for r in reports if r["state"] != "cancelled"}


async def timeline(client: httpx.AsyncClient, world: World, incident_id: int) -> list[dict]:
    r = await client.get(f"{API}/{incident_id}/reports", headers=world.headers(Role.viewer))
    assert r.status_code == 200, r.text
    return list(r.json()["data"])


async def test_due_times_follow_the_grade_up_the_chain(
    client: httpx.AsyncClient, world: World
) -> None:
    duty = world.headers(Role.duty_officer)
    body = incident_body(world, reported_at=ago(minutes=5))
    incident = (await client.post(API, json=body, headers=duty)).json()
    reported = at(incident["reported_at"])
    reports = by_key(await timeline(client, world, incident["id"]))
    assert set(reports) == {("initial", "county"), ("initial", "city")}  # general: up to city
    assert at(reports["initial", "county"]["due_at"]) == reported + timedelta(hours=1)
    assert at(reports["initial", "city"]["due_at"]) == reported + timedelta(hours=3)

    # three dead: a large accident, reported up to the province as well
    await client.patch(f"{API}/{incident['id']}", json={"deaths": 3}, headers=duty)
    reports = by_key(await timeline(client, world, incident["id"]))
    assert at(reports["initial", "province"]["due_at"]) == reported + timedelta(hours=5)

    # the county report goes out early: the next level is due 2 hours after it was sent
    sent = (
        await client.post(
            f"{API}/{incident['id']}/reports",
            json={"kind": "initial", "level": "county", "sent_to": "县应急管理局", "via": "phone"},
            headers=duty,
        )
    ).json()
    assert sent["state"] == "sent" and sent["id"] == reports["initial", "county"]["id"]
    assert "死亡 3 人" in sent["casualties_loss"]  # drafted from the incident
    reports = by_key(await timeline(client, world, incident["id"]))
    assert at(reports["initial", "city"]["due_at"]) == at(sent["sent_at"]) + timedelta(hours=2)
    follow = reports["follow_up", None]
    assert at(follow["due_at"]) == at(sent["sent_at"]) + timedelta(hours=24)

    # major: follow-ups twice a day, and the State Council's departments are added
    await client.patch(f"{API}/{incident['id']}", json={"deaths": 12}, headers=duty)
    reports = by_key(await timeline(client, world, incident["id"]))
    assert ("initial", "state") in reports
    assert at(reports["follow_up", None]["due_at"]) == at(sent["sent_at"]) + timedelta(hours=12)

    # back to general (the numbers were wrong): the higher levels are no longer due
    await client.patch(f"{API}/{incident['id']}", json={"deaths": 1}, headers=duty)
    states = {
        (r["kind"], r["level"]): r["state"] for r in await timeline(client, world, incident["id"])
    }
    assert (
        states["initial", "province"] == "cancelled" and states["initial", "state"] == "cancelled"
    )


async def test_wrong_level_and_out_of_order_reports_are_refused(
    client: httpx.AsyncClient, world: World
) -> None:
    duty = world.headers(Role.duty_officer)
    incident = (await client.post(API, json=incident_body(world), headers=duty)).json()
    url = f"{API}/{incident['id']}/reports"
    cases = [
        (
            {"kind": "initial", "level": "province", "sent_to": "省厅"},
            422,
            "report_level_not_required",
        ),
        ({"kind": "initial", "sent_to": "县局"}, 422, "report_level_missing"),
        ({"kind": "follow_up", "sent_to": "县局"}, 409, "initial_report_first"),
        (
            {"kind": "follow_up", "level": "county", "sent_to": "县局"},
            422,
            "report_level_only_initial",
        ),
        ({"kind": "supplement", "sent_to": "县局"}, 409, "initial_report_first"),
    ]
    for body, status, code in cases:
        r = await client.post(url, json=body, headers=duty)
        assert r.status_code == status, (body, r.text)
        problem = r.json()
        assert code in (problem["code"], *(e["code"] for e in problem.get("errors", []))), problem
    assert all(r["state"] != "sent" for r in await timeline(client, world, incident["id"]))

    ok = {"kind": "initial", "level": "county", "sent_to": "县应急管理局"}
    assert (await client.post(url, json=ok, headers=duty)).status_code == 201
    r = await client.post(url, json=ok, headers=duty)
    assert r.status_code == 409 and r.json()["code"] == "report_already_sent"
    r = await client.patch(f"{API}/{incident['id']}", json={"status": "closed"}, headers=duty)
    assert r.status_code == 409 and r.json()["code"] == "final_report_missing"


async def test_final_report_ends_follow_ups_and_late_casualties_need_a_supplement(
    client: httpx.AsyncClient, world: World
) -> None:
    duty = world.headers(Role.duty_officer)
    incident = (await client.post(API, json=incident_body(world), headers=duty)).json()
    url = f"{API}/{incident['id']}/reports"
    for body in (
        {"kind": "initial", "level": "county", "sent_to": "县应急管理局"},
        {"kind": "initial", "level": "city", "sent_to": "市应急管理局"},
        {"kind": "follow_up", "sent_to": "市应急管理局", "measures": "已组织救援"},
        {"kind": "final", "sent_to": "市应急管理局"},
    ):
        r = await client.post(url, json=body, headers=duty)
        assert r.status_code == 201, r.text
    states = [(r["kind"], r["state"]) for r in await timeline(client, world, incident["id"])]
    assert ("follow_up", "due") not in states and ("final", "sent") in states
    r = await client.post(url, json={"kind": "follow_up", "sent_to": "市局"}, headers=duty)
    assert r.status_code == 409 and r.json()["code"] == "final_report_sent"

    r = await client.patch(f"{API}/{incident['id']}", json={"deaths": 1}, headers=duty)
    reports = by_key(await timeline(client, world, incident["id"]))
    assert reports["supplement", None]["state"] == "due"
    r = await client.post(url, json={"kind": "supplement", "sent_to": "市局"}, headers=duty)
    assert r.status_code == 201 and r.json()["id"] == reports["supplement", None]["id"]

    text = await client.get(f"{url}/{r.json()['id']}/text", headers=duty)
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/plain")
    assert "补报" in text.text and "死亡 1 人" in text.text and "五、已经采取的措施" in text.text
    page = await client.get(f"{url}/{r.json()['id']}/print", headers=duty)
    assert page.status_code == 200 and "<h1>" in page.text

    r = await client.patch(f"{API}/{incident['id']}", json={"status": "closed"}, headers=duty)
    assert r.status_code == 200 and r.json()["closed_at"] is not None
    r = await client.patch(f"{API}/{incident['id']}", json={"deaths": 2}, headers=duty)
    assert r.status_code == 409 and r.json()["code"] == "incident_closed"


async def test_an_overdue_report_is_fired_by_the_clock_of_a_fresh_app(
    settings: Settings, client: httpx.AsyncClient, world: World
) -> None:
    duty = world.headers(Role.duty_officer)
    body = incident_body(world, occurred_at=ago(minutes=90), reported_at=ago(minutes=61))
    incident = (await client.post(API, json=body, headers=duty)).json()
    # this app has no clock; the next one (as after a restart) fires what is due
    clocked = settings.model_copy(update={"clock_enabled": True, "clock_tick_s": 0.2})
    app = create_app(clocked)
    async with LifespanManager(app, shutdown_timeout=30):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as second:
            async with asyncio.timeout(20):
                while True:
                    r = await second.get(f"{API}/{incident['id']}/reports", headers=duty)
                    states = {(x["kind"], x["level"]): x["state"] for x in r.json()["data"]}
                    if states["initial", "county"] == "overdue":
                        break
                    await asyncio.sleep(0.2)
            assert states["initial", "city"] == "due"
            events = (await second.get("/api/v1/events?topic=incidents", headers=duty)).json()
            overdue = [e for e in events["data"] if e["type"] == "incident.report_overdue"]
            assert len(overdue) == 1 and overdue[0]["data"]["report"]["level"] == "county"
            log = (await second.get(f"{API}/{incident['id']}/log", headers=duty)).json()["data"]
            assert [e["kind"] for e in log].count("report_overdue") == 1
