"""People: phones validated and normalised, search, superiors."""

from __future__ import annotations

import httpx
import pytest

from service.auth.permissions import Role
from tests.factories import World

PEOPLE = "/api/v1/people"


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("13900001234", "+8613900001234"),
        ("139 0000 1234", "+8613900001234"),
        ("+86 139-0000-1234", "+8613900001234"),
        ("0356-4221234", "+863564221234"),
        ("(0356) 4221234", "+863564221234"),
        ("010-12345678", "+861012345678"),
    ],
)
async def test_phone_formats_are_normalised(
    client: httpx.AsyncClient, world: World, given: str, stored: str
) -> None:
    response = await client.post(
        PEOPLE,
        headers=world.headers(Role.duty_officer),
        json={"name": "王某乙", "org_id": world.town_a.id, "phones": [given]},
    )
    assert response.status_code == 201, response.text
    assert response.json()["phones"] == [stored]
    assert response.json()["phone"] == stored


@pytest.mark.parametrize("bad", ["12345", "1390000123", "23900001234", "+1 202 555 0143", "abc"])
async def test_bad_phones_are_refused_with_a_clear_message(
    client: httpx.AsyncClient, world: World, bad: str
) -> None:
    response = await client.post(
        PEOPLE,
        headers=world.headers(Role.duty_officer),
        json={"name": "王某乙", "org_id": world.town_a.id, "phones": ["13900001111", bad]},
    )
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "phones.1" and error["code"] == "phone_invalid"
    assert bad in error["message"] and "手机号" in error["message"]


async def test_duplicate_phone_in_one_person(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(
        PEOPLE,
        headers=world.headers(Role.duty_officer),
        json={
            "name": "王某乙",
            "org_id": world.town_a.id,
            "phones": ["13900001111", "139 0000 1111"],
        },
    )
    assert response.status_code == 422 and response.json()["errors"][0]["code"] == "phone_duplicate"


async def test_search_by_name_org_tag_and_phone(client: httpx.AsyncClient, world: World) -> None:
    headers = world.headers(Role.leader)
    made = await client.post(
        PEOPLE,
        headers=headers,
        json={
            "name": "孙某丙",
            "org_id": world.village_a.id,
            "title": "村党支部书记",
            "phones": ["13900007777"],
            "tags": ["基层责任人", "基层责任人"],
        },
    )
    assert made.json()["tags"] == ["基层责任人"]
    by = {
        "q": {"q": "孙"},
        "org": {"org_id": world.village_a.id},
        "tag": {"tag": "基层责任人"},
        "phone": {"phone": "139-0000-7777"},
        "within": {"within": world.town_a.id, "tag": "基层责任人"},
    }
    for name, params in by.items():
        found = await client.get(PEOPLE, headers=headers, params=params)
        assert [p["name"] for p in found.json()["data"]] == ["孙某丙"], name
    nothing = await client.get(PEOPLE, headers=headers, params={"tag": "%"})
    assert nothing.json()["count"] == 0
    in_b = await client.get(PEOPLE, headers=headers, params={"q": "乙某甲"})
    assert in_b.json()["count"] == 0  # township B is outside township A's scope


async def test_superior_must_be_known_and_acyclic(client: httpx.AsyncClient, world: World) -> None:
    headers = world.headers(Role.admin)
    boss = world.person_a.id
    worker = await client.post(
        PEOPLE,
        headers=headers,
        json={"name": "钱某丁", "org_id": world.village_a.id, "superior_id": boss},
    )
    assert worker.status_code == 201
    cycle = await client.patch(
        f"{PEOPLE}/{boss}", headers=headers, json={"superior_id": worker.json()["id"]}
    )
    assert cycle.status_code == 422 and cycle.json()["errors"][0]["code"] == "superior_cycle"
    own = await client.patch(f"{PEOPLE}/{boss}", headers=headers, json={"superior_id": boss})
    assert own.json()["errors"][0]["code"] == "superior_self"
    foreign = await client.patch(
        f"{PEOPLE}/{boss}", headers=headers, json={"superior_id": world.person_b.id}
    )
    assert foreign.status_code == 422 and foreign.json()["errors"][0]["field"] == "superior_id"
    blocked = await client.delete(f"{PEOPLE}/{boss}", headers=headers)
    assert blocked.status_code == 409 and blocked.json()["code"] == "person_is_superior"


async def test_patch_cannot_null_required_fields(client: httpx.AsyncClient, world: World) -> None:
    response = await client.patch(
        f"{PEOPLE}/{world.person_a.id}", headers=world.headers(Role.admin), json={"name": None}
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "name"
