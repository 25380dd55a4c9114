"""Recording incidents: bad input names the field and saves nothing; scope and roles;
the append-only activity log and its ICS-214 export; open incidents as GeoJSON."""

from __future__ import annotations

import csv
import io

import geojson
import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from service.auth.permissions import Role
from service.db import Database
from tests.dispatch.incident_helpers import API, ago, incident_body
from tests.factories import World, bearer

BAD = [
    ({"deaths": -1}, "deaths"),
    ({"serious_injuries": "many"}, "serious_injuries"),
    ({"direct_loss_yuan": "一千万"}, "direct_loss_yuan"),
    ({"direct_loss_yuan": 1.5}, "direct_loss_yuan"),
    ({"occurred_at": "2999-01-01T00:00:00+08:00"}, "occurred_at"),
    ({"reported_at": ago(hours=2)}, "reported_at"),  # before it occurred
    ({"lat": 91}, "lat"),
    ({"lon": -181}, "lon"),
    ({"lat": None}, "body"),  # lon without lat
    ({"type": "meteor"}, "type"),
    ({"org_id": 999_999}, "org_id"),
    ({"title": ""}, "title"),
]


@pytest.mark.parametrize(("change", "field"), BAD, ids=[f for _, f in BAD])
async def test_bad_input_names_the_field_and_saves_nothing(
    client: httpx.AsyncClient, world: World, change: dict, field: str
) -> None:
    duty = world.headers(Role.duty_officer)
    r = await client.post(API, json=incident_body(world, **change), headers=duty)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert any(e["field"].endswith(field) for e in r.json()["errors"]), r.json()
    assert (await client.get(API, headers=duty)).json()["count"] == 0


async def test_english_messages(client: httpx.AsyncClient, world: World) -> None:
    headers = world.headers(Role.duty_officer) | {"Accept-Language": "en"}
    body = incident_body(world, occurred_at=ago(minutes=5), reported_at=ago(minutes=10))
    r = await client.post(API, json=body, headers=headers)
    assert r.json()["errors"][0]["message"] == "reported before it occurred"


async def test_scope_and_roles(client: httpx.AsyncClient, world: World) -> None:
    duty_a = world.headers(Role.duty_officer)
    incident = (await client.post(API, json=incident_body(world), headers=duty_a)).json()
    url = f"{API}/{incident['id']}"
    other = bearer(world.user_b)  # township B's duty officer
    assert (await client.get(url, headers=other)).status_code == 404
    assert (await client.patch(url, json={"deaths": 1}, headers=other)).status_code == 404
    assert (await client.get(API, headers=other)).json()["count"] == 0
    b_body = incident_body(world, org_id=world.town_a.id)
    assert (await client.post(API, json=b_body, headers=other)).status_code == 422  # not theirs

    viewer = world.headers(Role.viewer)
    assert (await client.get(url, headers=viewer)).status_code == 200
    assert (await client.patch(url, json={"deaths": 1}, headers=viewer)).status_code == 403
    assert (await client.post(API, json=incident_body(world), headers=viewer)).status_code == 403
    note = {"text": "x"}
    assert (await client.post(f"{url}/log", json=note, headers=viewer)).status_code == 403
    assert (await client.get(url, headers=bearer(world.root_admin))).status_code == 200


async def test_the_list_pages_filters_and_counts_within_the_callers_scope(
    client: httpx.AsyncClient, world: World
) -> None:
    root = bearer(world.root_admin)
    ids = []
    for org, deaths in ((world.town_a, 0), (world.village_a, 3), (world.town_a, 0),
                        (world.town_b, 10), (world.town_b, 0)):  # fmt: skip
        body = incident_body(world, org_id=org.id, deaths=deaths)
        ids.append((await client.post(API, json=body, headers=root)).json()["id"])
    await client.patch(f"{API}/{ids[0]}", json={"status": "responding"}, headers=root)

    async def page(headers: dict[str, str], **params: object) -> tuple[list[int], int]:
        r = await client.get(API, params=params, headers=headers)
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()["data"]], r.json()["count"]

    newest = ids[::-1]
    assert await page(root, limit=2) == (newest[:2], 5)
    assert await page(root, limit=2, offset=4) == (newest[4:], 5)
    assert await page(root, limit=2, offset=9) == ([], 5)  # past the end: still counted
    assert await page(root, status="responding") == ([ids[0]], 1)
    assert await page(root, open="true", limit=1) == (newest[:1], 5)
    assert await page(root, org_id=world.town_a.id) == ([ids[2], ids[1], ids[0]], 3)
    assert await page(root, org_id=999_999) == ([], 0)
    assert await page(root, grade="large") == ([ids[1]], 1)
    assert await page(root, grade="major") == ([ids[3]], 1)
    duty_a, duty_b = world.headers(Role.duty_officer), bearer(world.user_b)
    assert await page(duty_a, limit=1, offset=1) == ([ids[1]], 3)
    assert await page(duty_a, offset=3) == ([], 3)
    assert await page(duty_b, type="mine") == ([ids[4], ids[3]], 2)
    assert await page(duty_b, org_id=world.town_a.id) == ([], 0)


async def test_activity_log_is_append_only_and_exports_as_ics214(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    duty = world.headers(Role.duty_officer)
    incident = (await client.post(API, json=incident_body(world), headers=duty)).json()
    url = f"{API}/{incident['id']}"
    await client.patch(url, json={"status": "responding", "trapped": 4}, headers=duty)
    r = await client.post(f"{url}/log", json={"text": "县矿山救护队出发"}, headers=duty)
    assert r.status_code == 201 and r.json()["author"] == "a-duty_officer"
    entries = (await client.get(f"{url}/log", headers=duty)).json()["data"]
    assert [e["kind"] for e in entries] == ["created", "status", "numbers", "note"]
    assert "被困 0 → 4" in entries[2]["text"]

    for statement in ("UPDATE incident_log SET text = 'x'", "DELETE FROM incident_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with db.session() as s:
                await s.exec(sa.text(statement))  # type: ignore[call-overload]

    r = await client.get(f"{url}/log/ics214", headers=duty)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[1][0] == "1. Incident Name" and incident["title"] in rows[1][1]
    assert rows[2][0] == "2. Operational Period"
    activity = rows[
        rows.index(["7. Activity Log", "Date/Time", "Notable Activities", "By", "Kind"]) + 1 :
    ]
    assert [row[2] for row in activity if len(row) > 2][-1] == "县矿山救护队出发"
    page = await client.get(f"{url}/log/ics214?format=html", headers=duty)
    assert "ICS 214" in page.text and "县矿山救护队出发" in page.text


async def test_events_and_geojson_of_open_incidents(
    client: httpx.AsyncClient, world: World
) -> None:
    duty = world.headers(Role.duty_officer)
    first = (await client.post(API, json=incident_body(world), headers=duty)).json()
    body = incident_body(world, title="无位置的来电", lat=None, lon=None)
    await client.post(API, json=body, headers=duty)
    r = await client.get(f"{API}/geojson", headers=duty)
    collection = geojson.loads(r.text)
    assert collection.is_valid and collection["type"] == "FeatureCollection"
    assert [f["id"] for f in collection["features"]] == [first["id"]]
    assert collection["features"][0]["geometry"]["coordinates"] == [112.49, 35.51]
    events = (await client.get("/api/v1/events?topic=incidents", headers=duty)).json()["data"]
    types = [e["type"] for e in events]
    assert types.count("incident.created") == 2 and "incident.report_due" in types
    assert (await client.get(f"{API}?open=true", headers=duty)).json()["count"] == 2


async def test_geojson_carries_each_incidents_next_report_for_the_feed(
    client: httpx.AsyncClient, world: World
) -> None:
    duty = world.headers(Role.duty_officer)
    located = (await client.post(API, json=incident_body(world), headers=duty)).json()
    body = incident_body(world, title="无位置的来电", lat=None, lon=None)
    unlocated = (await client.post(API, json=body, headers=duty)).json()
    sent = {"kind": "initial", "level": "county", "sent_to": "县应急管理局"}
    r = await client.post(f"{API}/{located['id']}/reports", json=sent, headers=duty)
    assert r.status_code == 201, r.text
    due = {
        row["id"]: row
        for row in (await client.get(f"{API}/{located['id']}/reports", headers=duty)).json()["data"]
        if row["state"] in ("due", "overdue")
    }
    soonest = min(due.values(), key=lambda row: row["due_at"])

    r = await client.get(f"{API}/geojson?unlocated=true", headers=duty)
    assert r.status_code == 200, r.text
    collection = geojson.loads(r.text)
    assert collection.is_valid, collection.errors()
    features = {f["id"]: f for f in collection["features"]}
    assert list(features) == [unlocated["id"], located["id"]]  # newest first
    assert features[unlocated["id"]]["geometry"] is None
    assert features[unlocated["id"]]["properties"]["next_report"]["kind"] == "initial"
    after_first = features[located["id"]]["properties"]["next_report"]
    assert after_first["id"] == soonest["id"] and after_first["level"] == soonest["level"]
    assert after_first["state"] == "due"

    newest = (await client.get(f"{API}/geojson?unlocated=true&limit=1", headers=duty)).json()
    assert [f["id"] for f in newest["features"]] == [unlocated["id"]]
    r = await client.get(f"{API}/geojson?limit=0", headers=duty)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "limit"
    assert world.user_b is not None  # township B's duty officer sees none of township A's
    other = bearer(world.user_b)
    outside = (await client.get(f"{API}/geojson?unlocated=true", headers=other)).json()
    assert outside["features"] == []
