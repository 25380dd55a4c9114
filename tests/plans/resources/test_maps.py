"""GeoJSON feature collections of teams and depots, validated with the ``geojson`` package."""

from __future__ import annotations

import geojson
import httpx

from plans.resources.models import Team
from service.db import Database
from tests.plans.resources.conftest import Stores, receive


async def test_team_and_depot_feature_collections(
    client: httpx.AsyncClient, stores: Stores, db: Database
) -> None:
    world = stores.world
    async with db.session() as s:
        s.add(
            Team(
                org_id=world.town_a.id or 0,
                name="甲队",
                kind="flood",
                base_lat=35.5,
                base_lon=179.99,
                lat=-89.5,
                lon=-179.99,
                status="dispatched",
            )
        )
        s.add(
            Team(
                org_id=world.town_b.id or 0,
                name="乙队",
                kind="flood",
                base_lat=1,
                base_lon=1,
                lat=1,
                lon=1,
            )
        )
    assert (await receive(client, stores, quantity=20)).status_code == 201
    body = {"depot_id": stores.depot_a.id, "item_id": stores.sandbags.id, "min_level": 50}
    assert (await client.put("/api/v1/stock/levels", json=body, headers=stores.officer)).is_success

    r = await client.get("/api/v1/resources/teams.geojson", headers=stores.officer)
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    teams = geojson.loads(r.text)
    assert isinstance(teams, geojson.FeatureCollection) and teams.is_valid, teams.errors()
    assert [f["properties"]["name"] for f in teams["features"]] == ["甲队"]  # scope: A only
    feature = teams["features"][0]
    assert feature["geometry"]["coordinates"] == [-179.99, -89.5]  # [lon, lat]
    assert feature["properties"]["status"] == "dispatched"

    r = await client.get("/api/v1/resources/depots.geojson", headers=stores.officer)
    depots = geojson.loads(r.text)
    assert depots.is_valid, depots.errors()
    by_name = {f["properties"]["name"]: f["properties"] for f in depots["features"]}
    assert set(by_name) == {"甲镇储备点", "甲镇二号库"}
    assert by_name["甲镇储备点"]["stock"] == [
        {"item_id": stores.sandbags.id, "item": "编织袋", "unit": "条", "quantity": 20, "low": True}
    ]
    assert by_name["甲镇储备点"]["low_items"] == 1
