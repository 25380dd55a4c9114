"""The iCalendar feed, parsed back with the icalendar package: stable UIDs, SEQUENCE on
change, times in the org's zone with its VTIMEZONE, and the secret feed URL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import icalendar

from tests.rosters.conftest import Roster

API = "/api/v1/duty"


def events(body: bytes) -> dict[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(body)
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


async def test_the_org_feed_parses_back_and_tracks_changes(
    client: httpx.AsyncClient, roster: Roster
) -> None:
    r = await client.get(
        f"{API}/calendar.ics", params={"org_id": roster.org_id}, headers=roster.duty
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    before = events(r.content)
    assert len(before) >= 2 * 120
    now = datetime.now(UTC)
    current = (
        await client.get(f"{API}/now", params={"org_id": roster.org_id}, headers=roster.duty)
    ).json()
    officer_shift = next(s for s in current["shifts"] if s["post_id"] == roster.posts["officer"])
    uid = f"shift-{officer_shift['id']}@test"
    event = before[uid]
    assert (
        event["DTSTART"].dt.tzinfo is not None
        and str(event["DTSTART"].params["TZID"]) == "Asia/Shanghai"
    )
    assert event["DTSTART"].dt == datetime.fromisoformat(officer_shift["start_at"])
    assert int(event["SEQUENCE"]) == 0 and "值班员" in str(event["SUMMARY"])
    # the officer on duty goes on leave: the shift in progress is cut short, same UID,
    # SEQUENCE 1 (leave acts at once; a rotation change would wait for the changeover)
    await asyncio.sleep(1.1)  # (a shift that began within this very second would go whole)
    leave = {
        "person_id": officer_shift["person_id"],
        "start_at": datetime.now(UTC).isoformat(),
        "end_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
    }
    r = await client.post(f"{API}/leave", json=leave, headers=roster.duty)
    assert r.status_code == 201, r.text
    after = events(
        (
            await client.get(
                f"{API}/calendar.ics", params={"org_id": roster.org_id}, headers=roster.duty
            )
        ).content
    )
    assert int(after[uid]["SEQUENCE"]) == 1
    assert after[uid]["DTEND"].dt <= datetime.now(UTC) and after[uid]["DTEND"].dt >= now
    leader_uids = {u for u, e in before.items() if "带班领导" in str(e["SUMMARY"])}
    assert leader_uids <= set(after)  # the leader shifts did not change: the same UIDs


async def test_a_secret_feed_url_works_without_headers_until_replaced(
    client: httpx.AsyncClient, roster: Roster
) -> None:
    me = roster.leaders[0]
    first = (await client.post(f"{API}/calendar/feed", headers=roster.as_person(me))).json()
    assert "feed=" in first["url"]
    r = await client.get(f"{API}/calendar.ics", params={"person_id": me.id, "feed": first["feed"]})
    assert r.status_code == 200
    mine = events(r.content)
    assert mine and all(me.name in str(e["SUMMARY"]) for e in mine.values())
    second = (await client.post(f"{API}/calendar/feed", headers=roster.as_person(me))).json()
    assert (
        await client.get(f"{API}/calendar.ics", params={"person_id": me.id, "feed": first["feed"]})
    ).status_code == 401
    assert (
        await client.get(f"{API}/calendar.ics", params={"person_id": me.id, "feed": second["feed"]})
    ).status_code == 200
    assert (await client.get(f"{API}/calendar.ics", params={"person_id": me.id})).status_code == 401
    r = await client.get(f"{API}/calendar.ics", headers=roster.duty)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "org_id"
    other = roster.world.person_b.id  # another township's person: not visible
    assert (
        await client.get(f"{API}/calendar.ics", params={"person_id": other}, headers=roster.duty)
    ).status_code == 404
