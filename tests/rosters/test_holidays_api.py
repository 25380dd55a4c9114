"""``GET /duty/holidays``: the official calendar the roster screen marks (statutory holidays,
adjusted working days, and years chinese-calendar does not carry yet)."""

from __future__ import annotations

import httpx

from service.auth.permissions import Role
from tests.factories import World

API = "/api/v1/duty/holidays"


async def test_national_day_and_its_adjusted_working_days(
    client: httpx.AsyncClient, world: World
) -> None:
    r = await client.get(
        API, params={"from": "2026-09-19", "to": "2026-10-11"}, headers=world.headers(Role.viewer)
    )
    assert r.status_code == 200, r.text
    body = r.json()
    days = {d["date"]: d for d in body["data"]}
    assert body["count"] == len(days) == 23
    assert body["unpublished_years"] == [] and body["warnings"] == []
    national = [d for d, v in days.items() if v["statutory"] and v["name"] == "National Day"]
    assert national == [f"2026-10-0{n}" for n in range(1, 8)]
    assert days["2026-10-01"]["name_zh"] == "国庆节" and not days["2026-10-01"]["workday"]
    # the Sundays and Saturdays worked in exchange (调休上班)
    adjusted = [d for d, v in days.items() if v["adjusted"]]
    assert adjusted == ["2026-09-20", "2026-10-10"]
    assert days["2026-09-20"]["workday"] and days["2026-09-20"]["name_zh"] == "国庆节"
    # an ordinary weekend is a day off but no holiday; an ordinary Monday a working day
    assert days["2026-10-11"] == {
        "date": "2026-10-11",
        "workday": False,
        "statutory": False,
        "adjusted": False,
        "name": None,
        "name_zh": None,
        "known": True,
    }
    assert days["2026-09-21"]["workday"] and not days["2026-09-21"]["statutory"]


async def test_a_year_not_yet_published_is_flagged(client: httpx.AsyncClient, world: World) -> None:
    headers = {**world.headers(Role.duty_officer), "Accept-Language": "en"}
    r = await client.get(API, params={"from": "2026-12-30", "to": "2027-01-02"}, headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [(d["date"], d["known"]) for d in body["data"]] == [
        ("2026-12-30", True),
        ("2026-12-31", True),
        ("2027-01-01", False),
        ("2027-01-02", False),
    ]
    # 2027-01-01 is New Year's Day, but nothing claims so before the State Council says it
    assert not any(d["statutory"] for d in body["data"][2:])
    assert body["data"][3]["workday"] is False  # a Saturday: weekends only
    assert body["unpublished_years"] == [2027]
    assert body["warnings"][0]["code"] == "holidays_unpublished"
    assert "2027 statutory holidays are not published" in body["warnings"][0]["message"]


async def test_bad_ranges_name_the_field(client: httpx.AsyncClient, world: World) -> None:
    headers = world.headers(Role.viewer)
    cases = [
        ({"from": "2026-10-02", "to": "2026-10-01"}, "to", "end_before_start"),
        ({"from": "2026-01-01", "to": "2027-01-02"}, "to", "range_too_long"),
        ({"from": "2026-13-01", "to": "2026-12-01"}, "from", None),
        ({"to": "2026-12-01"}, "from", "missing"),
    ]
    for params, field, code in cases:
        r = await client.get(API, params=params, headers=headers)
        assert r.status_code == 422, (params, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        error = r.json()["errors"][0]
        assert error["field"].endswith(field), (params, error)
        if code:
            assert error["code"] == code, (params, error)
    # a whole leap year is fine
    r = await client.get(API, params={"from": "2028-01-01", "to": "2028-12-31"}, headers=headers)
    assert r.status_code == 200 and r.json()["count"] == 366


async def test_only_for_logged_in_callers(client: httpx.AsyncClient) -> None:
    r = await client.get(API, params={"from": "2026-10-01", "to": "2026-10-02"})
    assert r.status_code == 401
