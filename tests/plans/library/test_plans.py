"""The plan library: create with structured content, search, scope, bad content."""

from __future__ import annotations

import httpx

from tests.plans.library.conftest import (
    API,
    Library,
    call,
    content,
    level,
    need,
    new_plan,
    plan_body,
    today,
)


async def test_create_and_read_a_plan_with_its_first_draft(
    client: httpx.AsyncClient, library: Library
) -> None:
    plan = await new_plan(client, library)
    assert plan["latest_version"] == 1 and plan["published_version"] is None
    versions = await call(client, "GET", f"/{plan['id']}/versions", library.h("a_viewer"))
    assert versions["count"] == 1 and versions["data"][0]["status"] == "draft"
    v1 = await call(client, "GET", f"/{plan['id']}/versions/1", library.h("a_viewer"))
    levels = v1["content"]["levels"]
    assert [lv["level"] for lv in levels] == ["III", "IV"]  # most severe first
    assert [a["key"] for a in levels[1]["actions"]] == ["IV-1", "IV-2", "IV-3"]
    sandbags = library.stores.sandbags
    assert levels[1]["resources"]["items"][0] == {  # the catalogue's name, spec and unit
        "item_id": sandbags.id,
        "quantity": 5000,
        "note": None,
        "name": "编织袋",
        "spec": "50×80cm",
        "unit": "条",
    }


async def test_search_by_hazard_kind_org_and_text(
    client: httpx.AsyncClient, library: Library
) -> None:
    w = library.world
    flood = await new_plan(client, library)
    fire = await new_plan(
        client,
        library,
        title="甲镇森林火灾应急预案",
        hazards=["forest_fire"],
        content=content(
            sections=[{"key": "s", "title": "总则", "body": "扑救森林火灾，防止雷击火蔓延。"}]
        ),
    )
    county = await call(
        client,
        "POST",
        "",
        library.h("c_duty"),
        plan_body(w.county.id or 0, kind="overall", title="测试县突发事件总体应急预案"),
        201,
    )
    admin = library.h("root")

    async def ids(**params: object) -> set[int]:
        r = await client.get(API, params=params, headers=admin)
        assert r.status_code == 200, r.text
        return {p["id"] for p in r.json()["data"]}

    assert await ids(hazard="forest_fire") == {fire["id"]}
    assert await ids(kind="overall") == {county["id"]}
    assert await ids(org_id=w.town_a.id) == {flood["id"], fire["id"]}
    assert await ids(q="雷击火") == {fire["id"]}
    assert await ids(q="应急预案 森林") == {fire["id"]}
    assert await ids(status="draft") == {flood["id"], fire["id"], county["id"]}
    # the township sees its own plans only; the county sees the township's
    r = await client.get(API, headers=library.h("a_viewer"))
    assert {p["id"] for p in r.json()["data"]} == {flood["id"], fire["id"]}
    r = await client.get(API, headers=library.h("c_duty"))
    assert r.json()["count"] == 3


async def test_other_orgs_plans_answer_404(client: httpx.AsyncClient, library: Library) -> None:
    plan = await new_plan(client, library)
    b = library.h("b_duty")
    for method, path in (
        ("GET", f"/{plan['id']}"),
        ("GET", f"/{plan['id']}/versions/1"),
        ("PATCH", f"/{plan['id']}/versions/1"),
        ("POST", f"/{plan['id']}/versions/1/submit"),
        ("GET", f"/{plan['id']}/versions/1/print"),
    ):
        r = await client.request(method, f"{API}{path}", json={}, headers=b)
        assert r.status_code == 404, (method, path, r.text)
    r = await client.get(API, headers=b)
    assert r.json()["count"] == 0


async def test_roles_without_plan_write_get_403(
    client: httpx.AsyncClient, library: Library
) -> None:
    plan = await new_plan(client, library)
    for user in ("a_viewer", "a_team"):
        r = await client.post(
            API, json=plan_body(library.world.town_a.id or 0), headers=library.h(user)
        )
        assert r.status_code == 403, r.text
        r = await client.patch(
            f"{API}/{plan['id']}/versions/1", json={"change_note": "x"}, headers=library.h(user)
        )
        assert r.status_code == 403
    r = await client.post(f"{API}/{plan['id']}/versions/1/submit", headers=library.h("a_duty"))
    assert r.status_code == 200
    r = await client.post(f"{API}/{plan['id']}/versions/1/approve", headers=library.h("a_duty"))
    assert r.status_code == 403 and r.json()["code"] == "role_required"


async def test_bad_content_names_the_field_and_changes_nothing(
    client: httpx.AsyncClient, library: Library
) -> None:
    town = library.world.town_a.id or 0
    cases = [
        (
            content(levels=[level(resources={"teams": [{"team_type": "dragon", "count": 1}]})]),
            "content.levels.0.resources.teams.0.team_type",
        ),
        (
            content(levels=[level(resources={"items": [need("sandbags", -1)]})]),
            "content.levels.0.resources.items.0.quantity",
        ),
        (  # items are entries of the resource catalogue, not free text
            content(levels=[level(resources={"items": [{"name": "沙袋", "quantity": 5}]})]),
            "content.levels.0.resources.items.0.item_id",
        ),
        (
            content(levels=[level(resources={"items": [{"item_id": 999_999, "quantity": 5}]})]),
            "content.levels.0.resources.items.0.item_id",
        ),
        (
            content(levels=[level(resources={"items": [need("tents", 1), need("tents", 2)]})]),
            "content.levels.0.resources.items",
        ),
        (content(levels=[level("V")]), "content.levels.0.level"),
        (content(levels=[level("IV"), level("IV")]), "content.levels"),
        (content(levels=[level(triggers=[])]), "content.levels.0.triggers"),
        (
            content(levels=[level(command=[{"role": "总指挥", "person_id": 999_999}])]),
            "content.levels.0.command.0.person_id",
        ),
        (
            content(sections=[{"key": "a b", "title": "x"}]),
            "content.sections.0.key",
        ),
    ]
    for body, field in cases:
        r = await client.post(API, json=plan_body(town, content=body), headers=library.h("a_duty"))
        assert r.status_code == 422, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert field in [e["field"] for e in r.json()["errors"]], (field, r.json())
    r = await client.get(API, headers=library.h("root"))
    assert r.json()["count"] == 0


async def test_parent_plan_links_up_to_a_published_county_plan(
    client: httpx.AsyncClient, library: Library
) -> None:
    w = library.world
    county = await call(
        client,
        "POST",
        "",
        library.h("c_duty"),
        plan_body(w.county.id or 0, kind="overall", title="测试县总体应急预案"),
        201,
    )
    town = w.town_a.id or 0
    r = await client.post(
        API, json=plan_body(town, parent_plan_id=county["id"]), headers=library.h("a_duty")
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "parent_plan_id"
    # publish the county plan (approved by the county leader, filed by root: no parent org)
    v = f"/{county['id']}/versions/1"
    await call(client, "POST", f"{v}/submit", library.h("c_duty"))
    await call(client, "POST", f"{v}/approve", library.h("c_leader"))
    filing = {"filing_number": "晋城应急备〔2026〕1号", "filing_date": today()}
    r = await client.post(f"{API}{v}/file", json=filing, headers=library.h("c_leader"))
    assert r.status_code == 403 and r.json()["code"] == "plan_filing_root"
    await call(client, "POST", f"{v}/file", library.h("root"), filing)
    await call(client, "POST", f"{v}/publish", library.h("c_duty"))
    child = await call(
        client, "POST", "", library.h("a_duty"), plan_body(town, parent_plan_id=county["id"]), 201
    )
    assert child["parent_plan_id"] == county["id"]
    r = await client.patch(
        f"{API}/{county['id']}", json={"parent_plan_id": child["id"]}, headers=library.h("root")
    )
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "plan_parent_cycle"
