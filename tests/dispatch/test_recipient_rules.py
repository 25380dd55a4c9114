"""Recipient rules that reach beyond people and rosters: leaders of teams of some types
(plans/resources) and the responsible persons of the townships and villages located inside
the warning's polygon; and the preview that resolves a draft without issuing it."""

from __future__ import annotations

import httpx
import sqlalchemy as sa

from dispatch.warnings.models import Warning
from plans.resources.models import Team
from service.auth.permissions import Role
from service.db import Database
from tests.dispatch.conftest import County, issue, warning_body
from tests.factories import make_org, make_person

API = "/api/v1/warnings"
# a box around 甲镇 (35.5, 112.5), [[lat, lon], …] as the API takes polygons (CAP order)
BOX = [[35.45, 112.45], [35.45, 112.55], [35.55, 112.55], [35.55, 112.45], [35.45, 112.45]]


async def _teams(db: Database, county: County) -> dict[str, int]:
    """A flood team in 甲镇 and one in 乙镇, a hazmat team in 甲镇; leaders of their own."""
    w = county.world
    out = {}
    async with db.session() as s:
        for key, org, kind in (
            ("flood_a", w.town_a, "flood"),
            ("flood_b", w.town_b, "flood"),
            ("hazmat_a", w.town_a, "hazmat"),
        ):
            leader = await make_person(s, org, f"{key}队长")
            lat, lon = org.lat or 35.0, org.lon or 112.0
            team = Team(
                org_id=org.id or 0,
                name=f"{key}队",
                kind=kind,
                leader_id=leader.id,
                base_lat=lat,
                base_lon=lon,
                lat=lat,
                lon=lon,
            )
            s.add(team)
            out[key] = leader.id or 0
    return out


async def test_leaders_of_teams_of_these_types(
    client: httpx.AsyncClient, county: County, db: Database
) -> None:
    leaders = await _teams(db, county)
    w = county.world
    # without org_ids: the teams in the warning's affected orgs (甲镇 only here)
    rules = [{"rule": "team_leaders", "team_types": ["flood"]}]
    warning = await issue(client, county, org_ids=[w.town_a.id], rules=rules)
    status = (await client.get(f"{API}/{warning['id']}", headers=county.duty)).json()
    assert [(r["person_id"], r["reason"]) for r in status["recipients"]] == [
        (leaders["flood_a"], "team_leader:flood")
    ]
    # with org_ids: those subtrees; two types
    rules = [{"rule": "team_leaders", "team_types": ["flood", "hazmat"], "org_ids": [w.county.id]}]
    warning = await issue(client, county, rules=rules)
    status = (await client.get(f"{API}/{warning['id']}", headers=county.duty)).json()
    assert {r["person_id"] for r in status["recipients"]} == set(leaders.values())
    # bad input names the field and issues nothing
    async with db.session() as s:
        before = await s.scalar(sa.select(sa.func.count()).select_from(Warning))
    for body, field, code in (
        (
            {"org_ids": [], "rules": [{"rule": "team_leaders", "team_types": ["flood"]}]},
            "rules.0.org_ids",
            "area_orgs_missing",
        ),
        (
            {"rules": [{"rule": "team_leaders", "team_types": ["dragon"]}]},
            "rules.0.team_leaders.team_types.0",
            "enum",
        ),
        (
            {"rules": [{"rule": "team_leaders", "team_types": ["fire"]}]},
            "recipients",
            "no_recipients",
        ),
    ):
        r = await client.post(API, json=warning_body(county, **body), headers=county.duty)
        assert r.status_code == 422, r.text
        assert (r.json()["errors"][0]["field"], r.json()["errors"][0]["code"]) == (field, code)
    async with db.session() as s:
        assert await s.scalar(sa.select(sa.func.count()).select_from(Warning)) == before


async def _villages(db: Database, county: County) -> dict[str, int]:
    """A village just inside the box and one just outside, each with a responsible person."""
    out = {}
    async with db.session() as s:
        for key, lat, lon in (("inside", 35.5499, 112.5499), ("outside", 35.5501, 112.5499)):
            village = await make_org(
                s, f"{key}村", "village", county.world.town_a, lat=lat, lon=lon
            )
            person = await make_person(s, village, f"{key}村责任人", tags=["基层责任人"])
            out[key] = person.id or 0
    return out


async def test_responsible_persons_in_the_area_of_the_polygon(
    client: httpx.AsyncClient, county: County, db: Database
) -> None:
    villages = await _villages(db, county)
    rules = [{"rule": "responsible_in_area"}]
    warning = await issue(client, county, polygon=BOX, rules=rules)
    status = (await client.get(f"{API}/{warning['id']}", headers=county.duty)).json()
    called = {r["person_id"]: r["reason"] for r in status["recipients"]}
    # 甲镇 itself lies inside (its own responsible person), the inside village too; the
    # village just outside, 甲村 (no location) and 乙镇 do not
    expected = {villages["inside"], county.responsible["a"][0].id}
    assert set(called) == expected
    assert set(called.values()) == {"responsible_in_area:基层责任人"}
    # villages only
    only = [{"rule": "responsible_in_area", "kinds": ["village"]}]
    warning = await issue(client, county, polygon=BOX, rules=only)
    status = (await client.get(f"{API}/{warning['id']}", headers=county.duty)).json()
    assert [r["person_id"] for r in status["recipients"]] == [villages["inside"]]
    # without a polygon the rule cannot work
    r = await client.post(API, json=warning_body(county, rules=rules), headers=county.duty)
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "area_polygon_missing"
    # a new area after issue calls the people it adds, and only them
    wider = [[35.45, 112.45], [35.45, 112.56], [35.56, 112.56], [35.56, 112.45], [35.45, 112.45]]
    r = await client.patch(f"{API}/{warning['id']}", json={"polygon": wider}, headers=county.duty)
    assert r.status_code == 200, r.text
    status = (await client.get(f"{API}/{warning['id']}", headers=county.duty)).json()
    assert [r["person_id"] for r in status["recipients"]] == [
        villages["inside"],
        villages["outside"],
    ]
    assert all(r["calls"] == 1 for r in status["recipients"])


async def test_preview_resolves_a_draft_without_issuing(
    client: httpx.AsyncClient, county: County, db: Database
) -> None:
    w = county.world
    await _villages(db, county)
    body = {
        "org_ids": [w.town_a.id, w.town_b.id],
        "polygon": BOX,
        "rules": [
            {"rule": "responsible_persons", "org_ids": [w.town_a.id, w.town_b.id]},
            {"rule": "responsible_in_area"},  # overlaps: each person counted once
            {"rule": "leaders_on_duty", "org_ids": [w.county.id]},
        ],
    }
    r = await client.post(f"{API}/preview", json=body, headers=county.duty)
    assert r.status_code == 200, r.text
    preview = r.json()
    # 甲镇 1 + 甲村 2 + the two new villages (under 甲镇) + 乙村 1 responsible, and the
    # county's leader on duty; the inside village's person is named by two rules, counted once
    assert preview["count"] == 7 == len(preview["people"])
    assert {(t["name"], t["count"]) for t in preview["by_township"]} == {
        ("甲镇", 5),
        ("乙镇", 1),
        ("测试县", 1),
    }
    first = preview["people"][0]
    assert first["org_name"] == "甲镇" and first["township_name"] == "甲镇"
    assert first["reason"] == "responsible_persons:基层责任人"
    limited = await client.post(f"{API}/preview", json=body | {"limit": 2}, headers=county.duty)
    assert limited.json()["count"] == 7 and len(limited.json()["people"]) == 2
    async with db.session() as s:  # nothing was issued or written
        assert await s.scalar(sa.select(sa.func.count()).select_from(Warning)) == 0
    # nobody: a count of 0, not an error
    nobody = {"rules": [{"rule": "team_leaders", "team_types": ["fire"], "org_ids": [w.county.id]}]}
    r = await client.post(f"{API}/preview", json=nobody, headers=county.duty)
    assert r.status_code == 200 and r.json()["count"] == 0
    # only who may issue; only orgs in scope
    r = await client.post(f"{API}/preview", json=body, headers=w.headers(Role.viewer))
    assert r.status_code == 403
    town_b_duty = w.user_b
    assert town_b_duty is not None
    from tests.factories import bearer

    r = await client.post(f"{API}/preview", json=body, headers=bearer(town_b_duty))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "org_ids.0"
    # a stored draft: who issuing it would call
    draft = await issue(client, county, issue=False, **body)
    r = await client.get(f"{API}/{draft['id']}/preview", headers=county.duty)
    assert r.status_code == 200 and r.json()["count"] == 7
