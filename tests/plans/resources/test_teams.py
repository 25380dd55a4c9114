"""Teams with members and certificates, status history; experts by specialty; scope."""

from __future__ import annotations

from datetime import timedelta

import httpx

from plans.resources.common import today
from service.auth.permissions import Role
from tests.factories import World, bearer

TEAMS = "/api/v1/teams"


def team_body(world: World, **fields: object) -> dict[str, object]:
    return {
        "name": "县应急救援综合队伍",
        "kind": "comprehensive",
        "org_id": world.town_a.id,
        "leader_id": world.person_a.id,
        "headcount": 30,
        "equipment": [{"name": "智能排水机器人", "quantity": 2, "unit": "台"}],
        "base_lat": 35.5,
        "base_lon": 112.5,
        **fields,
    }


async def test_team_members_certificates_and_status(
    client: httpx.AsyncClient, world: World
) -> None:
    officer = world.headers(Role.duty_officer)
    r = await client.post(TEAMS, json=team_body(world), headers=officer)
    assert r.status_code == 201, r.text
    team = r.json()
    assert (team["lat"], team["lon"], team["status"]) == (35.5, 112.5, "available")
    expiry = str(today() + timedelta(days=20))
    member = {
        "person_id": world.person_a.id,
        "role": "队长",
        "skills": ["绳索救援"],
        "certifications": [{"name": "矿山救护证", "number": "K-1", "expiry_date": expiry}],
    }
    r = await client.post(f"{TEAMS}/{team['id']}/members", json=member, headers=officer)
    assert r.status_code == 201, r.text
    assert r.json()["certifications"][0]["expiry_date"] == expiry
    r = await client.post(f"{TEAMS}/{team['id']}/members", json=member, headers=officer)
    assert r.status_code == 409 and r.json()["code"] == "member_exists"
    for status, ref in (("dispatched", "INC-1"), ("resting", None)):
        body = {"status": status, "reason": "出队", **({"incident_ref": ref} if ref else {})}
        r = await client.post(f"{TEAMS}/{team['id']}/status", json=body, headers=officer)
        assert r.status_code == 200, r.text
    r = await client.post(
        f"{TEAMS}/{team['id']}/status", json={"status": "resting"}, headers=officer
    )
    assert r.status_code == 409
    history = (await client.get(f"{TEAMS}/{team['id']}/status", headers=officer)).json()
    assert [(h["status"], h["previous"]) for h in history["data"]] == [
        ("resting", "dispatched"),
        ("dispatched", "available"),
        ("available", None),
    ]
    detail = (await client.get(f"{TEAMS}/{team['id']}", headers=officer)).json()
    assert detail["members"][0]["name"] == world.person_a.name
    r = await client.post(
        f"{TEAMS}/{team['id']}/location", json={"lat": 91, "lon": 0}, headers=officer
    )
    assert r.status_code == 422
    # a viewer reads but does not write; township B sees nothing
    viewer = world.headers(Role.viewer)
    assert (await client.get(f"{TEAMS}/{team['id']}", headers=viewer)).status_code == 200
    r = await client.patch(f"{TEAMS}/{team['id']}", json={"headcount": 3}, headers=viewer)
    assert r.status_code == 403
    other = bearer(world.user_b) if world.user_b else {}
    assert (await client.get(f"{TEAMS}/{team['id']}", headers=other)).status_code == 404
    assert (await client.get(TEAMS, headers=other)).json()["count"] == 0
    r = await client.post(TEAMS, json=team_body(world), headers=other)
    assert r.status_code == 422  # township A is not B's to write


async def test_experts_by_specialty(client: httpx.AsyncClient, world: World) -> None:
    officer = world.headers(Role.duty_officer)
    body = {"person_id": world.person_a.id, "specialties": ["mine", "hazmat"], "employer": "县矿"}
    r = await client.post("/api/v1/experts", json=body, headers=officer)
    assert r.status_code == 201, r.text
    assert r.json()["name"] == world.person_a.name
    assert (await client.post("/api/v1/experts", json=body, headers=officer)).status_code == 409
    found = await client.get("/api/v1/experts", params={"specialty": "mine"}, headers=officer)
    assert found.json()["count"] == 1
    none = await client.get("/api/v1/experts", params={"specialty": "flood"}, headers=officer)
    assert none.json()["count"] == 0
    other = bearer(world.user_b) if world.user_b else {}
    assert (await client.get("/api/v1/experts", headers=other)).json()["count"] == 0


async def test_certifications_expiring_list(client: httpx.AsyncClient, world: World) -> None:
    officer = world.headers(Role.duty_officer)
    teams = []
    for name in ("甲镇救援队", "甲镇水上救援队"):
        r = await client.post(TEAMS, json=team_body(world, name=name), headers=officer)
        assert r.status_code == 201, r.text
        teams.append(r.json())
    day = today()
    held = [(0, [("矿山救护证", 45), ("急救员证", -3)]), (1, [("潜水证", 10)])]
    for index, certs in held:
        body = {
            "person_id": world.person_a.id,
            "certifications": [
                {"name": name, "expiry_date": str(day + timedelta(days=days))}
                for name, days in certs
            ],
        }
        r = await client.post(f"{TEAMS}/{teams[index]['id']}/members", json=body, headers=officer)
        assert r.status_code == 201, r.text
    found = (await client.get(f"{TEAMS}/certifications", headers=officer)).json()
    assert [(c["name"], c["days_left"], c["expired"]) for c in found["data"]] == [
        ("急救员证", -3, True),
        ("潜水证", 10, False),
    ]
    first = found["data"][0]
    assert (first["team"], first["person"]) == ("甲镇救援队", world.person_a.name)
    assert first["team_id"] == teams[0]["id"] and first["person_id"] == world.person_a.id
    wider = (await client.get(f"{TEAMS}/certifications?within_days=60", headers=officer)).json()
    assert wider["count"] == 3 and wider["data"][-1]["name"] == "矿山救护证"
    one = f"{TEAMS}/certifications?within_days=60&team_id={teams[1]['id']}&limit=1"
    assert [c["name"] for c in (await client.get(one, headers=officer)).json()["data"]] == [
        "潜水证"
    ]
    other = bearer(world.user_b) if world.user_b else {}
    assert (await client.get(f"{TEAMS}/certifications", headers=other)).json()["count"] == 0
    r = await client.get(f"{TEAMS}/certifications?within_days=-1", headers=officer)
    assert r.status_code == 422 and r.json()["errors"][0]["in"] == "query"
