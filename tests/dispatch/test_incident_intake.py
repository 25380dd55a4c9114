"""Alarm platforms post with an API token and an Idempotency-Key: the same key never
makes a second incident, even when the duplicates arrive at the same moment."""

from __future__ import annotations

import asyncio

import httpx

from service.auth.permissions import Role
from tests.dispatch.incident_helpers import API, incident_body
from tests.factories import World

INTAKE = "/api/v1/intake"


async def api_token(client: httpx.AsyncClient, world: World) -> dict[str, str]:
    r = await client.post(
        "/api/v1/auth/api-tokens",
        json={"name": "119 接警平台"},
        headers=world.headers(Role.duty_officer),
    )
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


async def test_same_key_same_incident_even_concurrently(
    client: httpx.AsyncClient, world: World
) -> None:
    token = await api_token(client, world)
    body = incident_body(world, type="fire", title="甲镇某仓库火灾")
    headers = token | {"Idempotency-Key": "119-20261202-0001"}
    answers = await asyncio.gather(
        *(client.post(f"{INTAKE}/119", json=body, headers=headers) for _ in range(6))
    )
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [200] * 5 + [201], [r.text for r in answers]
    assert len({r.json()["id"] for r in answers}) == 1
    assert answers[0].json()["source"] == "119"
    listed = await client.get(f"{API}?type=fire", headers=world.headers(Role.viewer))
    assert listed.json()["count"] == 1

    other = body | {"deaths": 2}
    r = await client.post(f"{INTAKE}/119", json=other, headers=headers)
    assert r.status_code == 409 and r.json()["code"] == "idempotency_key_reused"
    assert "119-20261202-0001" in r.json()["detail"]
    # the same key from another platform is another incident
    r = await client.post(f"{INTAKE}/110", json=body, headers=headers)
    assert r.status_code == 201


async def test_intake_needs_a_key_a_known_source_and_a_writer(
    client: httpx.AsyncClient, world: World
) -> None:
    token = await api_token(client, world)
    body = incident_body(world)
    r = await client.post(f"{INTAKE}/119", json=body, headers=token)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "Idempotency-Key"
    r = await client.post(f"{INTAKE}/999", json=body, headers=token | {"Idempotency-Key": "k"})
    assert r.status_code == 422
    r = await client.post(f"{INTAKE}/duty", json=body, headers=token | {"Idempotency-Key": "k"})
    assert r.status_code == 422
    viewer = world.headers(Role.viewer) | {"Idempotency-Key": "k"}
    assert (await client.post(f"{INTAKE}/119", json=body, headers=viewer)).status_code == 403
    assert (await client.post(f"{INTAKE}/119", json=body)).status_code == 401


async def test_without_an_org_the_nearest_township_is_suggested(
    client: httpx.AsyncClient, world: World
) -> None:
    admin = {"Authorization": world.headers(Role.admin)["Authorization"]}
    near_b = incident_body(world, org_id=None, lat=35.31, lon=112.31)
    r = await client.post(f"{INTAKE}/field", json=near_b, headers=admin | {"Idempotency-Key": "f1"})
    assert r.status_code == 201, r.text
    # the admin of township A may only file in A's subtree: A is the suggestion there
    assert r.json()["org_id"] == world.town_a.id
    root = {"Authorization": f"Bearer {await root_token(client)}"}
    r = await client.post(f"{INTAKE}/field", json=near_b, headers=root | {"Idempotency-Key": "f2"})
    assert r.json()["org_id"] == world.town_b.id
    nowhere = incident_body(world, org_id=None, lat=None, lon=None)
    r = await client.post(f"{INTAKE}/field", json=nowhere, headers=root | {"Idempotency-Key": "f3"})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "org_or_location_required"


async def root_token(client: httpx.AsyncClient) -> str:
    from tests.factories import PASSWORD

    r = await client.post("/api/v1/auth/token", data={"username": "root", "password": PASSWORD})
    return str(r.json()["access_token"])
