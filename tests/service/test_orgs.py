"""The org tree: create, move, refuse cycles, refuse deleting what is still used."""

from __future__ import annotations

import httpx

from service.auth.permissions import Role
from service.db import Database
from tests.factories import World, bearer, make_person

ORGS = "/api/v1/orgs"


async def test_create_inherits_timezone_and_lists_subtree(
    client: httpx.AsyncClient, world: World
) -> None:
    root = bearer(world.root_admin)
    created = await client.post(
        ORGS,
        headers=root,
        json={
            "name": "丙村",
            "kind": "village",
            "parent_id": world.town_a.id,
            "division_code": "149901100001",
            "lat": 35.51,
            "lon": 112.52,
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["timezone"] == "Asia/Shanghai" and body["parent_id"] == world.town_a.id
    subtree = await client.get(ORGS, headers=root, params={"within": world.town_a.id})
    assert [o["name"] for o in subtree.json()["data"]] == ["甲镇", "甲村", "丙村"]
    villages = await client.get(ORGS, headers=root, params={"kind": "village", "q": "丙"})
    assert villages.json()["count"] == 1


async def test_bad_org_input_names_each_field(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(
        ORGS,
        headers={**bearer(world.root_admin), "Accept-Language": "en"},
        json={
            "name": "",
            "kind": "city",
            "division_code": "12ab",
            "timezone": "Mars/Base",
            "lat": 95,
            "lon": 10,
        },
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    fields = {e["field"]: e for e in response.json()["errors"]}
    assert set(fields) == {"name", "kind", "division_code", "timezone", "lat"}
    assert fields["timezone"]["message"] == "Unknown time zone: Mars/Base"
    assert fields["lat"]["message"] == "Must be at most 90"
    pair = await client.post(
        ORGS, headers=bearer(world.root_admin), json={"name": "x", "kind": "county", "lat": 35.0}
    )
    assert pair.status_code == 422 and pair.json()["errors"][0]["code"] == "lat_lon_pair"


async def test_unknown_parent_cycle_and_duplicate_code(
    client: httpx.AsyncClient, world: World
) -> None:
    root = bearer(world.root_admin)
    unknown = await client.post(
        ORGS, headers=root, json={"name": "x", "kind": "village", "parent_id": 9999}
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0] == {
        "field": "parent_id",
        "code": "org_unknown",
        "message": "上级组织不存在",
    }
    cycle = await client.patch(
        f"{ORGS}/{world.town_a.id}", headers=root, json={"parent_id": world.village_a.id}
    )
    assert cycle.status_code == 409 and cycle.json()["code"] == "org_cycle"
    itself = await client.patch(
        f"{ORGS}/{world.town_a.id}", headers=root, json={"parent_id": world.town_a.id}
    )
    assert itself.status_code == 409
    duplicate = await client.post(
        ORGS, headers=root, json={"name": "y", "kind": "county", "division_code": "149901"}
    )
    assert duplicate.status_code == 409 and "149901" in duplicate.json()["detail"]


async def test_move_carries_the_subtree_and_its_scope(
    client: httpx.AsyncClient, world: World
) -> None:
    root = bearer(world.root_admin)
    moved = await client.patch(
        f"{ORGS}/{world.village_b.id}", headers=root, json={"parent_id": world.town_a.id}
    )
    assert moved.status_code == 200 and moved.json()["parent_id"] == world.town_a.id
    # the township-A viewer now sees the village that used to be under B
    seen = await client.get(f"{ORGS}/{world.village_b.id}", headers=world.headers(Role.viewer))
    assert seen.status_code == 200
    gone = await client.get(f"{ORGS}/{world.village_b.id}", headers=bearer(world.user_b))
    assert gone.status_code == 404


async def test_failed_move_leaves_every_path_unchanged(
    client: httpx.AsyncClient, world: World
) -> None:
    """The move runs first, then a later rule fails: the whole change is rolled back."""
    root = bearer(world.root_admin)
    response = await client.patch(
        f"{ORGS}/{world.village_b.id}",
        headers=root,
        json={"parent_id": world.town_a.id, "lat": 35.0},
    )
    assert response.status_code == 422
    still = await client.get(f"{ORGS}/{world.village_b.id}", headers=bearer(world.user_b))
    assert still.status_code == 200 and still.json()["parent_id"] == world.town_b.id
    audit = await client.get(
        "/api/v1/audit",
        headers=root,
        params={"object_id": str(world.village_b.id), "action": "updated"},
    )
    assert audit.json()["count"] == 0


async def test_delete_refuses_children_people_and_users(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    root = bearer(world.root_admin)
    children = await client.delete(f"{ORGS}/{world.town_b.id}", headers=root)
    assert children.status_code == 409 and children.json()["code"] == "org_has_children"
    async with db.session() as s:
        await make_person(s, world.village_b, "乙村某甲")
    people = await client.delete(f"{ORGS}/{world.village_b.id}", headers=root)
    assert people.status_code == 409 and people.json()["code"] == "org_has_people"
    assert "1" in people.json()["detail"]
    empty = await client.post(
        ORGS, headers=root, json={"name": "空村", "kind": "village", "parent_id": world.town_a.id}
    )
    deleted = await client.delete(f"{ORGS}/{empty.json()['id']}", headers=root)
    assert deleted.status_code == 204
    assert (await client.get(f"{ORGS}/{empty.json()['id']}", headers=root)).status_code == 404
