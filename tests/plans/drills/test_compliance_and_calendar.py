"""Compliance with the drill rules across a year boundary and half-years (local dates of
the org), the three-year rule of special plans; the iCalendar feeds parsed back."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import icalendar

from plans.drills import compliance
from service.auth.permissions import SYSTEM
from service.db import Database
from tests.plans.drills.conftest import Drills, call, drill_body, new_plan, to_published

CST = ZoneInfo("Asia/Shanghai")


async def held(client: httpx.AsyncClient, d: Drills, who: str, at: datetime, **body: Any) -> int:
    """A drill that took place at ``at`` (local time given)."""
    times = {"start_at": at.isoformat(), "end_at": (at + timedelta(hours=2)).isoformat()}
    drill = await call(client, "POST", "", d.h(who), drill_body(d, **times, **body), 201)
    await call(client, "POST", f"/{drill['id']}/start", d.h(who))
    await call(client, "POST", f"/{drill['id']}/complete", d.h(who))
    return int(drill["id"])


def items(result: Any, rule: str, **match: Any) -> list[Any]:
    return [
        i
        for i in result.items
        if i.rule == rule and all(getattr(i, k) == v for k, v in match.items())
    ]


async def test_year_boundary_half_years_and_three_years(
    client: httpx.AsyncClient, drills: Drills, db: Database
) -> None:
    w = drills.world
    county = {
        "org_id": w.county.id,
        "scope": "county_comprehensive",
        "plan_id": None,
        "plan_version": None,
        "level": None,
        "org_ids": [w.town_a.id, w.town_b.id, w.village_a.id],
        "team_ids": [],
        "person_ids": [],
    }
    new_year_eve = await held(
        client, drills, "c_leader", datetime(2025, 12, 31, 23, 30, tzinfo=CST), **county
    )
    new_year = await held(
        client, drills, "c_leader", datetime(2026, 1, 1, 0, 30, tzinfo=CST), **county
    )
    # a tabletop with one other org is no multi-department drill: it does not count
    single = {**county, "org_ids": [w.town_a.id], "type": "tabletop"}
    await held(client, drills, "c_leader", datetime(2024, 5, 1, 9, 0, tzinfo=CST), **single)
    # an on-site disposal plan (action card) drilled just after midnight on 1 July
    card = await new_plan(client, drills.lib, kind="action_card", title="甲镇山洪现场处置方案")
    await to_published(client, drills.lib, card["id"], 1)
    july = await held(
        client,
        drills,
        "coordinator",
        datetime(2026, 7, 1, 0, 30, tzinfo=CST),
        plan_id=card["id"],
        level=None,
    )
    # the special plan drilled in March 2024
    march = await held(client, drills, "coordinator", datetime(2024, 3, 1, 9, 0, tzinfo=CST))

    async with db.session(write=False) as s:
        y2024 = await compliance.check(
            s, SYSTEM, year=2024, within=None, soon_days=60, today=date(2026, 12, 2)
        )
        y2025 = await compliance.check(
            s, SYSTEM, year=2025, within=None, soon_days=60, today=date(2026, 12, 2)
        )
        y2026 = await compliance.check(
            s, SYSTEM, year=2026, within=None, soon_days=60, today=date(2026, 6, 20)
        )
        y2027 = await compliance.check(
            s, SYSTEM, year=2027, within=None, soon_days=60, today=date(2027, 3, 1)
        )

    (c2024,) = items(y2024, "county_multi_department", org_id=w.county.id)
    assert c2024.state == "overdue" and c2024.drill_ids == []
    (c2025,) = items(y2025, "county_multi_department", org_id=w.county.id)
    assert c2025.state == "met" and c2025.drill_ids == [new_year_eve]
    (c2026,) = items(y2026, "county_multi_department", org_id=w.county.id)
    assert c2026.state == "met" and c2026.drill_ids == [new_year]

    h1, h2 = items(y2026, "unit_onsite_half_year", plan_id=card["id"])
    assert (h1.period_end, h1.state, h1.drill_ids) == (date(2026, 6, 30), "due_soon", [])
    assert (h2.period_start, h2.state, h2.drill_ids) == (date(2026, 7, 1), "met", [july])
    h1_2025, h2_2025 = items(y2025, "unit_onsite_half_year", plan_id=card["id"])
    assert h1_2025.state == h2_2025.state == "overdue"

    (three,) = items(y2026, "plan_three_years", plan_id=drills.plan["id"])
    assert three.state == "met" and three.drill_ids == [march]
    assert three.period_start == date(2024, 1, 1)
    (later,) = items(y2027, "plan_three_years", plan_id=drills.plan["id"])
    assert later.state == "due" and later.drill_ids == []
    # every rule is listed with its sources
    assert {r.code for r in y2026.rules} >= {"county_multi_department", "command_full_scale"}
    assert all(r.citations for r in y2026.rules)

    # over HTTP, within an org's subtree
    body = await call(
        client, "GET", f"/compliance?year=2025&org_id={w.town_a.id}", drills.h("a_viewer")
    )
    assert {i["rule"] for i in body["items"]} == {"unit_onsite_half_year", "plan_three_years"}
    r = await client.get("/api/v1/drills/compliance?year=1800", headers=drills.h())
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "year"


async def test_calendars_parse_back(client: httpx.AsyncClient, drills: Drills) -> None:
    d = await call(client, "POST", "", drills.h(), drill_body(drills), 201)
    other = await call(
        client,
        "POST",
        "",
        drills.h(),
        drill_body(drills, title="疏散演练", type="evacuation", team_ids=[], person_ids=[]),
        201,
    )
    await call(client, "POST", f"/{other['id']}/cancel", drills.h(), {"reason": "天气"})
    r = await client.get(
        f"/api/v1/drills/calendar.ics?org_id={drills.world.town_a.id}", headers=drills.h("a_viewer")
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(r.content)
    events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    event = events[f"drill-{d['id']}@test"]
    assert str(event["summary"]) == "【实战化演练】甲镇山洪灾害实战化演练"
    assert event.decoded("dtstart") == datetime.fromisoformat(d["start_at"])
    assert event.decoded("dtstart").tzinfo.key == "Asia/Shanghai"  # type: ignore[union-attr]
    assert str(event["location"]) == "甲村村委会"
    assert str(events[f"drill-{other['id']}@test"]["status"]) == "CANCELLED"
    assert cal.walk("VTIMEZONE")
    # a person's calendar through the duty roster's secret feed URL (no header): the team
    # member takes part through team A only
    feed = (await client.post("/api/v1/duty/calendar/feed", headers=drills.h("a_viewer"))).json()
    r = await client.get(
        f"/api/v1/drills/calendar.ics?person_id={drills.member.id}&feed={feed['feed']}"
    )
    assert r.status_code == 200, r.text
    uids = [str(e["uid"]) for e in icalendar.Calendar.from_ical(r.content).walk("VEVENT")]
    assert uids == [f"drill-{d['id']}@test"]
    r = await client.get(f"/api/v1/drills/calendar.ics?person_id={drills.member.id}&feed=nope")
    assert r.status_code == 401
    r = await client.get("/api/v1/drills/calendar.ics", headers=drills.h())
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "calendar_one_of"
