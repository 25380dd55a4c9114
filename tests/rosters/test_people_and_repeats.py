"""People on a parent org's roster reach their own shifts; swap approval re-checks the
shifts and is never the swappers' own; repeated requests are not doubled; times of day are
HH:MM in ASCII digits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from service.auth.models import RoleGrant
from service.auth.permissions import Role
from service.db import Database
from tests.factories import bearer, make_person, make_user
from tests.rosters.conftest import Roster, post, today

API = "/api/v1/duty"


async def test_a_township_head_on_the_county_roster_reaches_their_county_shifts(
    client: httpx.AsyncClient, roster: Roster, db: Database
) -> None:
    root = bearer(roster.world.root_admin)
    county = roster.world.county.id
    r = await client.put(f"{API}/schedules/{county}", json={"changeovers": ["08:30"]}, headers=root)
    county_leader = next(p["id"] for p in r.json()["posts"] if p["key"] == "leader")
    async with db.session() as s:  # two heads of the township, logged in to the township
        heads = [roster.world.person_a, await make_person(s, roster.world.town_a, "乙镇长")]
        users = [
            await make_user(s, f"head{n}", [Role.viewer], roster.world.town_a, p)
            for n, p in enumerate(heads)
        ]
    a, b = (bearer(u) for u in users)
    await post(
        client,
        f"{API}/rotations",
        {
            "org_id": county,
            "post_id": county_leader,
            "name": "县带班",
            "people": [p.id for p in heads],
            # from yesterday: before the 08:30 changeover today's duty day has not begun
            "start_date": (today() - timedelta(days=1)).isoformat(),
        },
        root,
    )
    # their county shifts are theirs to see, check in to and hand over
    mine = (await client.get(f"{API}/shifts", params={"person_id": heads[0].id}, headers=a)).json()
    assert mine["count"] > 50 and {s["org_id"] for s in mine["data"]} == {county}
    now = datetime.now(UTC)
    current = next(
        s
        for s in (
            await client.get(
                f"{API}/shifts",
                params={"org_id": county, "start": now.isoformat(), "limit": 2},
                headers=root,
            )
        ).json()["data"]
        if datetime.fromisoformat(s["start_at"]) <= now
    )
    holder = a if current["person_id"] == heads[0].id else b
    assert (await client.get(f"{API}/shifts/{current['id']}", headers=holder)).status_code == 200
    r = await client.post(f"{API}/shifts/{current['id']}/checkin", headers=holder)
    assert r.status_code == 200 and r.json()["checked_in_at"], r.text
    r = await client.post(
        f"{API}/shifts/{current['id']}/handover", json={"notes": "无"}, headers=holder
    )
    assert r.status_code == 201, r.text
    successor = b if holder is a else a
    r = await client.post(f"{API}/handovers/{r.json()['id']}/ack", headers=successor)
    assert r.status_code == 200, r.text
    # and to swap: request, the counterpart sees and accepts it
    future = next(
        s for s in mine["data"] if datetime.fromisoformat(s["start_at"]) > now + timedelta(days=1)
    )
    r = await client.post(
        f"{API}/swaps", json={"shift_id": future["id"], "counterpart_id": heads[1].id}, headers=a
    )
    assert r.status_code == 201, r.text
    swap = r.json()
    assert (await client.get(f"{API}/swaps/{swap['id']}", headers=b)).status_code == 200
    r = await client.post(f"{API}/swaps/{swap['id']}/accept", headers=b)
    assert r.status_code == 200 and r.json()["state"] == "accepted"
    # someone else of the township sees none of it
    other = roster.as_person(roster.leaders[2])
    assert (await client.get(f"{API}/shifts/{current['id']}", headers=other)).status_code == 404
    assert (await client.get(f"{API}/swaps/{swap['id']}", headers=other)).status_code == 404


async def test_a_swap_request_does_not_tell_an_outsider_whether_a_shift_started(
    client: httpx.AsyncClient, roster: Roster
) -> None:
    current = (
        await client.get(f"{API}/now", params={"org_id": roster.org_id}, headers=roster.duty)
    ).json()
    outsider = bearer(roster.world.user_b)  # type: ignore[arg-type]
    for shift_id in (current["shift_id"], 999_999):  # started, and none at all
        r = await client.post(
            f"{API}/swaps",
            json={"shift_id": shift_id, "counterpart_id": roster.leaders[1].id},
            headers=outsider,
        )
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["code"] == "shift_unknown"


async def _swap(client: httpx.AsyncClient, roster: Roster) -> tuple[dict, dict]:
    a, b = roster.leaders[0], roster.leaders[1]
    start = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    mine = (
        await client.get(
            f"{API}/shifts", params={"person_id": a.id, "start": start}, headers=roster.duty
        )
    ).json()["data"][0]
    body = {"shift_id": mine["id"], "counterpart_id": b.id}
    swap = await post(client, f"{API}/swaps", body, roster.as_person(a))
    r = await client.post(f"{API}/swaps/{swap['id']}/accept", headers=roster.as_person(b))
    assert r.status_code == 200
    return swap, mine


async def test_the_swappers_cannot_approve_their_own_swap(
    client: httpx.AsyncClient, roster: Roster, db: Database
) -> None:
    boss = roster.users[roster.leaders[1].id or 0]
    async with db.session() as s:  # the counterpart is also a leader of the township
        s.add(RoleGrant(user_id=boss.id or 0, role=Role.leader.value, org_id=roster.org_id))
    swap, _ = await _swap(client, roster)
    r = await client.post(f"{API}/swaps/{swap['id']}/approve", headers=bearer(boss))
    assert r.status_code == 403 and r.json()["code"] == "swap_self_approval", r.text
    r = await client.post(f"{API}/swaps/{swap['id']}/approve", headers=bearer(roster.users[-1]))
    assert r.status_code == 200 and r.json()["state"] == "approved"


async def test_approval_refuses_a_swap_whose_shift_changed_since(
    client: httpx.AsyncClient, roster: Roster
) -> None:
    swap, mine = await _swap(client, roster)
    # the requester's shift went to someone else meanwhile (an override)
    stand_in = roster.leaders[2]
    await post(
        client,
        f"{API}/overrides",
        {
            "org_id": roster.org_id,
            "post_id": roster.posts["leader"],
            "person_id": stand_in.id,
            "start_at": mine["start_at"],
            "end_at": mine["end_at"],
        },
        roster.duty,
    )
    r = await client.post(f"{API}/swaps/{swap['id']}/approve", headers=bearer(roster.users[-1]))
    assert r.status_code == 409 and r.json()["code"] == "swap_shift_changed", r.text
    r = await client.get(f"{API}/swaps/{swap['id']}", headers=roster.duty)
    assert r.json()["state"] == "accepted"  # nothing applied


async def test_repeated_swap_requests_and_key_periods_are_not_doubled(
    client: httpx.AsyncClient, roster: Roster
) -> None:
    a, b = roster.leaders[0], roster.leaders[1]
    start = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    mine = (
        await client.get(
            f"{API}/shifts", params={"person_id": a.id, "start": start}, headers=roster.duty
        )
    ).json()["data"][0]
    body = {"shift_id": mine["id"], "counterpart_id": b.id}
    first = await client.post(f"{API}/swaps", json=body, headers=roster.as_person(a))
    again = await client.post(f"{API}/swaps", json=body, headers=roster.as_person(a))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    swaps = (await client.get(f"{API}/swaps", headers=roster.duty)).json()
    assert swaps["count"] == 1
    period = {
        "org_id": roster.org_id,
        "name": "汛期",
        "start_date": today().isoformat(),
        "end_date": (today() + timedelta(days=30)).isoformat(),
        "report_time": "17:00",
    }
    first = await client.post(f"{API}/key-periods", json=period, headers=roster.duty)
    again = await client.post(f"{API}/key-periods", json=period, headers=roster.duty)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    periods = (
        await client.get(
            f"{API}/key-periods", params={"org_id": roster.org_id}, headers=roster.duty
        )
    ).json()
    assert periods["count"] == 1


async def test_times_of_day_are_hh_mm_in_ascii_digits(
    client: httpx.AsyncClient, roster: Roster
) -> None:
    for bad in ("+8:30", "８:３０", "０８:３０", "٠٨:٣٠", "8:300", " 8:30", "08:3"):
        r = await client.put(
            f"{API}/schedules/{roster.org_id}", json={"changeovers": [bad]}, headers=roster.duty
        )
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["errors"][0]["field"] == "changeovers.0"
        r = await client.post(
            f"{API}/key-periods",
            json={
                "org_id": roster.org_id,
                "name": "x",
                "start_date": today().isoformat(),
                "end_date": today().isoformat(),
                "report_time": bad,
            },
            headers=roster.duty,
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "report_time", bad
    r = await client.put(
        f"{API}/schedules/{roster.org_id}", json={"changeovers": ["08:30"]}, headers=roster.duty
    )
    assert r.status_code == 200
