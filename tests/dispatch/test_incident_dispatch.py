"""Dispatching the nearest team and materials: the team's status follows the dispatch,
materials are a ledger movement, a busy team or a shortfall is refused with nothing
written, and the activation shows what its level requires against what was sent."""

from __future__ import annotations

import httpx

from service.db import Database
from tests.dispatch.incident_helpers import API, incident_body
from tests.plans.library.conftest import Library, content, level, new_plan, to_published
from tests.plans.resources.conftest import Stores, ledger_rows, receive
from tests.plans.resources.test_teams import team_body


async def test_team_and_materials_dispatched_and_returned(
    client: httpx.AsyncClient, stores: Stores, library: Library, db: Database
) -> None:
    duty = stores.officer
    world = stores.world
    team = (
        await client.post(
            "/api/v1/teams",
            json=team_body(world, kind="flood", name="甲镇防汛抢险队"),
            headers=duty,
        )
    ).json()
    assert (await receive(client, stores, quantity=300)).status_code == 201
    incident = (
        await client.post(API, json=incident_body(world, type="flood"), headers=duty)
    ).json()
    url = f"{API}/{incident['id']}/dispatches"

    nearest = await client.get(
        "/api/v1/resources/nearest",
        params={"lat": incident["lat"], "lon": incident["lon"], "kind": "team"},
        headers=duty,
    )
    assert nearest.json()["data"][0]["id"] == team["id"]
    r = await client.post(url, json={"team_id": team["id"]}, headers=duty)
    assert r.status_code == 201, r.text
    sent = r.json()
    assert sent["status"] == "requested" and sent["team_kind"] == "flood"
    assert 0 < sent["distance_km"] < 5
    detail = (await client.get(f"/api/v1/teams/{team['id']}", headers=duty)).json()
    assert detail["status"] == "dispatched"
    again = await client.post(url, json={"team_id": team["id"]}, headers=duty)
    assert again.status_code == 409 and again.json()["code"] == "team_busy"

    before = await ledger_rows(db)
    short = {"depot_id": stores.depot_a.id, "item_id": stores.sandbags.id, "quantity": 301}
    r = await client.post(url, json=short, headers=duty)
    assert r.status_code == 409, r.text
    assert await ledger_rows(db) == before  # nothing written
    bags = short | {"quantity": 200}
    r = await client.post(url, json=bags, headers=duty)
    assert r.status_code == 201, r.text
    assert r.json()["kind"] == "material" and "编织袋 200 条" in r.json()["name"]
    rows = await ledger_rows(db)
    assert rows[-1][0] == "dispatch" and rows[-1][3] == -200

    move = f"{url}/{sent['id']}"
    for status in ("en_route", "on_scene", "on_scene"):  # the repeat is harmless
        r = await client.patch(move, json={"status": status}, headers=duty)
        assert r.status_code == 200 and r.json()["status"] == status
    r = await client.patch(move, json={"status": "en_route"}, headers=duty)
    assert r.status_code == 409 and r.json()["code"] == "dispatch_move"
    r = await client.patch(move, json={"status": "returned"}, headers=duty)
    assert r.json()["returned_at"] is not None
    detail = (await client.get(f"/api/v1/teams/{team['id']}", headers=duty)).json()
    assert detail["status"] == "available"
    materials = f"{url}/{r.json()['id'] + 1}"
    r = await client.patch(materials, json={"status": "returned"}, headers=duty)
    assert r.status_code == 422

    # the plan's level requires two flood teams and 5,000 sandbags: shown against what was sent
    plan = await new_plan(client, library, content=content(levels=[level("IV")]))
    await to_published(client, library, plan["id"], 1)
    activate = {"plan_id": plan["id"], "level": "IV"}
    r = await client.post(f"{API}/{incident['id']}/activations", json=activate, headers=duty)
    assert r.status_code == 201, r.text
    created = r.json()
    listed = (await client.get(f"{API}/{incident['id']}/activations", headers=duty)).json()
    entry = listed["data"][0]
    assert created["dispatched"] == entry["dispatched"]  # the answer to the POST says it too
    assert entry["required"]["teams"][0] == {"team_type": "flood", "count": 2, "note": None}
    sandbags = str(stores.sandbags.id)
    assert entry["dispatched"] == {
        "teams": {"flood": 1},
        "items": {"编织袋": 200},
        "item_ids": {sandbags: 200},
    }
    required = entry["required"]["items"][0]  # a catalogue entry, compared by its id
    assert (required["item_id"], required["quantity"], required["name"]) == (
        stores.sandbags.id,
        5000,
        "编织袋",
    )
    log = (await client.get(f"{API}/{incident['id']}/log", headers=duty)).json()["data"]
    assert [e["kind"] for e in log].count("dispatched") == 2


async def test_bad_dispatch_requests(client: httpx.AsyncClient, stores: Stores) -> None:
    duty = stores.officer
    incident = (await client.post(API, json=incident_body(stores.world), headers=duty)).json()
    url = f"{API}/{incident['id']}/dispatches"
    for body, status in (
        ({}, 422),
        ({"team_id": 1, "depot_id": 1, "item_id": 1, "quantity": 1}, 422),
        ({"team_id": 999_999}, 422),
        ({"depot_id": stores.depot_a.id, "item_id": stores.sandbags.id, "quantity": 0}, 422),
        ({"depot_id": stores.depot_a.id, "item_id": 999_999, "quantity": 1}, 422),
        ({"depot_id": stores.depot_b.id, "item_id": stores.sandbags.id, "quantity": 1}, 422),
    ):
        r = await client.post(url, json=body, headers=duty)
        assert r.status_code == status, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    assert (await client.get(url, headers=duty)).json()["count"] == 0
