"""Nearest teams and depots by geodesic distance: the API against a brute-force sort of
geopy geodesics, for random points over the globe, across the antimeridian, near poles."""

from __future__ import annotations

import random

import httpx
import pytest
from geopy.distance import geodesic

from plans.resources.geoindex import Point, SpatialIndex, brute_force
from plans.resources.models import Team
from service.db import Database
from tests.factories import World, bearer

NEAREST = "/api/v1/resources/nearest"


def random_point(rng: random.Random) -> tuple[float, float]:
    pick = rng.random()
    if pick < 0.3:  # either side of the antimeridian
        return rng.uniform(-80, 80), rng.choice([-1, 1]) * rng.uniform(178, 180)
    if pick < 0.5:  # near a pole
        return rng.choice([-1, 1]) * rng.uniform(87, 90), rng.uniform(-180, 180)
    return rng.uniform(-90, 90), rng.uniform(-180, 180)


def test_index_matches_brute_force_while_points_move() -> None:
    rng = random.Random(5)
    points = {i: Point(i, *random_point(rng)) for i in range(1, 801)}
    index = SpatialIndex(points.values())
    for round_ in range(60):
        lat, lon = random_point(rng)
        k = rng.choice([1, 3, 10, 40])
        got = [(round(d, 9), p.id) for d, p in index.nearest(lat, lon, k)]
        want = [(round(d, 9), i) for d, i in brute_force(points.values(), lat, lon, k)]
        assert got == want, (round_, lat, lon, k)
        for _ in range(8):  # 1% move between queries
            i = rng.randrange(1, 801)
            points[i] = Point(i, *random_point(rng))
            index.put(points[i])


async def test_api_nearest_teams_matches_brute_force(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    rng = random.Random(11)
    kinds = ["comprehensive", "fire", "mine_rescue"]
    async with db.session() as s:
        teams = [
            Team(
                org_id=(world.town_a if i % 3 else world.town_b).id or 0,
                name=f"队{i}",
                kind=kinds[i % 3],
                base_lat=(p := random_point(rng))[0],
                base_lon=p[1],
                lat=p[0],
                lon=p[1],
                status="available" if i % 2 else "dispatched",
            )
            for i in range(300)
        ]
        s.add_all(teams)
    headers = bearer(world.root_admin)
    for _ in range(25):
        lat, lon = random_point(rng)
        r = await client.get(NEAREST, params={"lat": lat, "lon": lon, "limit": 7}, headers=headers)
        assert r.status_code == 200, r.text
        want = sorted((geodesic((lat, lon), (t.lat, t.lon)).km, t.id) for t in teams)[:7]
        assert [x["id"] for x in r.json()["data"]] == [i for _, i in want]
        assert [x["distance_km"] for x in r.json()["data"]] == [round(d, 6) for d, _ in want]
    # filters: type and status; a township's officer sees only its own teams
    lat, lon = 0.0, 179.9
    params = {"lat": lat, "lon": lon, "limit": 5, "type": "fire", "status": "available"}
    r = await client.get(NEAREST, params=params, headers=headers)
    expect = sorted(
        (geodesic((lat, lon), (t.lat, t.lon)).km, t.id)
        for t in teams
        if t.kind == "fire" and t.status == "available"
    )[:5]
    assert [x["id"] for x in r.json()["data"]] == [i for _, i in expect]
    officer = bearer(world.user_b) if world.user_b else {}
    r = await client.get(NEAREST, params={"lat": lat, "lon": lon, "limit": 50}, headers=officer)
    assert {x["org_id"] for x in r.json()["data"]} == {world.town_b.id}
    # a team that moves is found where it is now
    moved = teams[0]
    r = await client.post(
        f"/api/v1/teams/{moved.id}/location", json={"lat": -89.99, "lon": 45.0}, headers=headers
    )
    assert r.status_code == 200, r.text
    r = await client.get(NEAREST, params={"lat": -90, "lon": 0, "limit": 1}, headers=headers)
    assert r.json()["data"][0]["id"] == moved.id


async def test_nearest_depot_holding_enough(client: httpx.AsyncClient, stores: object) -> None:
    from tests.plans.resources.conftest import Stores, receive

    assert isinstance(stores, Stores)
    assert (await receive(client, stores, quantity=150)).status_code == 201
    r = await receive(client, stores, depot_id=stores.depot_a2.id, batch="Z", quantity=250)
    assert r.status_code == 201
    params = {"lat": 35.5, "lon": 112.5, "kind": "depot", "item_id": stores.sandbags.id}
    r = await client.get(NEAREST, params={**params, "min_qty": 200}, headers=stores.admin)
    assert [(x["id"], x["quantity"]) for x in r.json()["data"]] == [(stores.depot_a2.id, 250)]
    r = await client.get(NEAREST, params=params, headers=stores.admin)
    assert [x["id"] for x in r.json()["data"]] == [stores.depot_a.id, stores.depot_a2.id]
    assert r.json()["data"][0]["distance_km"] == 0.0


@pytest.mark.parametrize(
    "params",
    [
        {"lat": 90.5, "lon": 0},
        {"lat": 0, "lon": 180.01},
        {"lat": -91, "lon": -181},
        {"lat": "nan", "lon": 0},
        {"lat": 0},
        {"lat": 0, "lon": 0, "kind": "depot", "min_qty": 5},
        {"lat": 0, "lon": 0, "kind": "team", "item_id": 5},
        {"lat": 0, "lon": 0, "kind": "depot", "status": "available"},
        {"lat": 0, "lon": 0, "limit": 0},
    ],
)
async def test_nearest_bad_input_is_422(
    client: httpx.AsyncClient, world: World, params: dict[str, object]
) -> None:
    r = await client.get(NEAREST, params=params, headers=bearer(world.root_admin))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"]


async def test_nearest_follows_an_org_moved_to_another_township(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    async with db.session() as s:
        s.add(
            Team(
                org_id=world.village_a.id or 0,
                name="甲村队",
                kind="flood",
                base_lat=35,
                base_lon=112,
                lat=35,
                lon=112,
            )
        )
    officer_b = bearer(world.user_b) if world.user_b else {}
    params = {"lat": 35, "lon": 112}
    assert (await client.get(NEAREST, params=params, headers=officer_b)).json()["count"] == 0
    r = await client.patch(
        f"/api/v1/orgs/{world.village_a.id}",
        json={"parent_id": world.town_b.id},
        headers=bearer(world.root_admin),
    )
    assert r.status_code == 200, r.text
    found = (await client.get(NEAREST, params=params, headers=officer_b)).json()["data"]
    assert [x["name"] for x in found] == ["甲村队"]
