"""The roster end to end over HTTP: duty now, shifts, gaps, overrides, swaps, check-in,
handover, scope and bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import sqlalchemy as sa

from rosters.models import DutyShift
from service.auth.permissions import Role
from service.clock.models import Timer
from service.db import Database
from service.realtime.models import OutboxEvent
from tests.factories import bearer
from tests.rosters.conftest import Roster, post

API = "/api/v1/duty"


def iso(at: datetime) -> str:
    return at.isoformat()


async def test_duty_now_names_the_leader_and_officers(
    client: httpx.AsyncClient, roster: Roster
) -> None:
    r = await client.get(f"{API}/now", params={"org_id": roster.org_id}, headers=roster.duty)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["leader"]["id"] in [p.id for p in roster.leaders]
    assert next(o["id"] for o in body["officers"]) in [p.id for p in roster.officers]
    assert body["shift_id"] == next(
        s["id"] for s in body["shifts"] if s["person_id"] == body["leader"]["id"]
    )
    # tomorrow at the same time: the next leader in turn
    later = datetime.now(UTC) + timedelta(days=1)
    nxt = (
        await client.get(
            f"{API}/now", params={"org_id": roster.org_id, "at": iso(later)}, headers=roster.duty
        )
    ).json()
    ids = [p.id for p in roster.leaders]
    assert ids.index(nxt["leader"]["id"]) == (ids.index(body["leader"]["id"]) + 1) % 3


async def test_the_horizon_is_materialised_and_has_no_gaps(
    client: httpx.AsyncClient, roster: Roster, db: Database
) -> None:
    now = datetime.now(UTC)
    r = await client.get(
        f"{API}/gaps",
        params={"org_id": roster.org_id, "start": iso(now), "end": iso(now + timedelta(days=100))},
        headers=roster.duty,
    )
    assert r.status_code == 200 and r.json()["count"] == 0, r.text
    async with db.session() as s:
        last = await s.scalar(sa.select(sa.func.max(DutyShift.end_at)))
    assert last is not None and last > now + timedelta(days=120)


async def test_removing_the_officer_rotation_shows_gaps(
    client: httpx.AsyncClient, roster: Roster
) -> None:
    rotations = (
        await client.get(
            f"{API}/rotations", params={"post_id": roster.posts["officer"]}, headers=roster.duty
        )
    ).json()
    assert rotations["count"] == 1
    assert (
        await client.delete(f"{API}/rotations/{rotations['data'][0]['id']}", headers=roster.duty)
    ).status_code == 204
    now = datetime.now(UTC)
    gaps = (
        await client.get(
            f"{API}/gaps",
            params={
                "org_id": roster.org_id,
                "start": iso(now),
                "end": iso(now + timedelta(days=2)),
            },
            headers=roster.duty,
        )
    ).json()
    assert gaps["count"] == 1 and gaps["data"][0]["post_key"] == "officer"
    # the shift in progress stays on record, cut short now: the past never changes
    assert gaps["data"][0]["start_at"] > iso(now - timedelta(seconds=60))


async def test_an_override_replaces_the_leader_and_a_clash_is_refused(
    client: httpx.AsyncClient, roster: Roster
) -> None:
    now = datetime.now(UTC)
    who = (
        await client.get(
            f"{API}/now",
            params={"org_id": roster.org_id, "at": iso(now + timedelta(days=2))},
            headers=roster.duty,
        )
    ).json()
    stand_in = next(p for p in roster.leaders if p.id != who["leader"]["id"])
    body = {
        "org_id": roster.org_id,
        "post_id": roster.posts["leader"],
        "person_id": stand_in.id,
        "start_at": iso(now + timedelta(days=2) - timedelta(hours=1)),
        "end_at": iso(now + timedelta(days=2) + timedelta(hours=1)),
        "reason": "出差",
    }
    r = await client.post(f"{API}/overrides", json=body, headers=roster.duty)
    # the stand-in holds the leader post; the neighbour shift may already be theirs, so
    # either it is applied or refused as an overlap naming both shifts
    if r.status_code == 409:
        assert r.json()["code"] == "duty_person_overlap" and len(r.json()["shifts"]) == 2
        return
    assert r.status_code == 201, r.text
    now2 = (
        await client.get(
            f"{API}/now",
            params={"org_id": roster.org_id, "at": iso(now + timedelta(days=2))},
            headers=roster.duty,
        )
    ).json()
    assert now2["leader"]["id"] == stand_in.id


async def test_a_person_on_two_overlapping_shifts_is_refused_with_both_named(
    client: httpx.AsyncClient, roster: Roster, db: Database
) -> None:
    now = datetime.now(UTC)
    officer = roster.officers[0]
    async with db.session() as s:
        count_before = await s.scalar(sa.select(sa.func.count()).select_from(DutyShift))
        events_before = await s.scalar(sa.select(sa.func.count()).select_from(OutboxEvent))
    # an officer also made leader over an interval where they are already on duty as officer
    shifts = (
        await client.get(
            f"{API}/shifts",
            params={"person_id": officer.id, "start": iso(now + timedelta(days=3)), "limit": 1},
            headers=roster.duty,
        )
    ).json()
    mine = shifts["data"][0]
    body = {
        "org_id": roster.org_id,
        "post_id": roster.posts["leader"],
        "person_id": officer.id,
        "start_at": mine["start_at"],
        "end_at": mine["end_at"],
    }
    r = await client.post(f"{API}/overrides", json=body, headers=roster.duty)
    assert r.status_code == 409, r.text
    problem = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert problem["code"] == "duty_person_overlap"
    assert {s["person_id"] for s in problem["shifts"]} == {officer.id}
    async with db.session() as s:
        assert await s.scalar(sa.select(sa.func.count()).select_from(DutyShift)) == count_before
        assert await s.scalar(sa.select(sa.func.count()).select_from(OutboxEvent)) == events_before


async def test_bad_input_names_the_field_and_saves_nothing(
    client: httpx.AsyncClient, roster: Roster
) -> None:
    org, leader = roster.org_id, roster.posts["leader"]
    outsider = roster.world.person_b.id
    cases = [
        (
            {
                "org_id": org,
                "post_id": leader,
                "name": "x",
                "people": [],
                "start_date": "2026-01-01",
            },
            "people",
        ),
        (
            {
                "org_id": org,
                "post_id": leader,
                "name": "x",
                "people": [roster.leaders[0].id],
                "start_date": "2026-02-01",
                "end_date": "2026-01-01",
            },
            "end_date",
        ),
        (
            {
                "org_id": org,
                "post_id": leader,
                "name": "x",
                "people": [999999],
                "start_date": "2026-01-01",
            },
            "people.0",
        ),
        (
            {
                "org_id": org,
                "post_id": leader,
                "name": "x",
                "people": [outsider],
                "start_date": "2026-01-01",
            },
            "people.0",
        ),
        (
            {
                "org_id": org,
                "post_id": leader,
                "name": "x",
                "people": [roster.leaders[0].id],
                "start_date": "2026-01-01",
                "period_days": 0,
            },
            "period_days",
        ),
        (
            {
                "org_id": org,
                "post_id": leader,
                "name": "x",
                "people": [roster.leaders[0].id, roster.leaders[0].id],
                "start_date": "2026-01-01",
            },
            "people",
        ),
    ]
    for body, field in cases:
        r = await client.post(
            f"{API}/rotations", json=body, headers={**roster.duty, "Accept-Language": "en"}
        )
        assert r.status_code == 422, (body, r.text)
        assert field in [e["field"] for e in r.json()["errors"]], r.text
    r = await client.put(
        f"{API}/schedules/{org}", json={"changeovers": ["25:00"]}, headers=roster.duty
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "changeovers.0"
    r = await client.post(
        f"{API}/leave",
        json={
            "person_id": roster.leaders[0].id,
            "start_at": "2026-12-02T00:00:00+08:00",
            "end_at": "2026-12-01T00:00:00+08:00",
        },
        headers=roster.duty,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "end_at"
    r = await client.patch(f"{API}/posts/{leader}", json={"max_count": 2}, headers=roster.duty)
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "leader_exactly_one"
    assert (
        await client.get(f"{API}/rotations", params={"org_id": org}, headers=roster.duty)
    ).json()["count"] == 2


async def test_another_township_sees_nothing_and_a_viewer_cannot_write(
    client: httpx.AsyncClient, roster: Roster
) -> None:
    other = bearer(roster.world.user_b)  # type: ignore[arg-type]
    r = await client.get(f"{API}/now", params={"org_id": roster.org_id}, headers=other)
    assert r.status_code == 404
    assert (
        await client.get(f"{API}/shifts", params={"org_id": roster.org_id}, headers=other)
    ).json()["count"] == 0
    viewer = roster.world.headers(Role.viewer)
    r = await client.put(
        f"{API}/schedules/{roster.org_id}", json={"changeovers": ["09:00"]}, headers=viewer
    )
    assert r.status_code == 403
    assert (
        await client.get(f"{API}/now", params={"org_id": roster.org_id}, headers=viewer)
    ).status_code == 200


async def test_swap_request_accept_approve_applies_it(
    client: httpx.AsyncClient, roster: Roster, db: Database
) -> None:
    now = datetime.now(UTC)
    a = roster.leaders[0]
    mine = (
        await client.get(
            f"{API}/shifts",
            params={"person_id": a.id, "start": iso(now + timedelta(days=1))},
            headers=roster.duty,
        )
    ).json()["data"][0]
    b = roster.leaders[1]
    theirs = (
        await client.get(
            f"{API}/shifts",
            params={"person_id": b.id, "start": iso(now + timedelta(days=1))},
            headers=roster.duty,
        )
    ).json()["data"][0]
    swap = await post(
        client,
        f"{API}/swaps",
        {
            "shift_id": mine["id"],
            "counterpart_id": b.id,
            "counterpart_shift_id": theirs["id"],
            "reason": "家中有事",
        },
        roster.as_person(a),
    )
    assert swap["state"] == "requested"
    # only B may accept; a leader may not approve before B accepted
    assert (
        await client.post(f"{API}/swaps/{swap['id']}/accept", headers=roster.as_person(a))
    ).status_code == 403
    approver = bearer(roster.users[-1])
    assert (
        await client.post(f"{API}/swaps/{swap['id']}/approve", headers=approver)
    ).status_code == 409
    for _ in range(3):  # a phone on a bad network: repeating is harmless
        r = await client.post(f"{API}/swaps/{swap['id']}/accept", headers=roster.as_person(b))
        assert r.status_code == 200 and r.json()["state"] == "accepted"
    assert (
        await client.post(f"{API}/swaps/{swap['id']}/approve", headers=roster.as_person(b))
    ).status_code == 403
    r = await client.post(f"{API}/swaps/{swap['id']}/approve", headers=approver)
    assert r.status_code == 200 and r.json()["state"] == "approved", r.text
    at_mine = datetime.fromisoformat(mine["start_at"]) + timedelta(hours=1)
    at_theirs = datetime.fromisoformat(theirs["start_at"]) + timedelta(hours=1)
    now_mine = (
        await client.get(
            f"{API}/now", params={"org_id": roster.org_id, "at": iso(at_mine)}, headers=roster.duty
        )
    ).json()
    now_theirs = (
        await client.get(
            f"{API}/now",
            params={"org_id": roster.org_id, "at": iso(at_theirs)},
            headers=roster.duty,
        )
    ).json()
    assert now_mine["leader"]["id"] == b.id and now_theirs["leader"]["id"] == a.id
    # cancelling after approval is refused
    assert (
        await client.post(f"{API}/swaps/{swap['id']}/cancel", headers=roster.as_person(a))
    ).status_code == 409
    async with db.session() as s:
        types = (await s.exec(sa.select(OutboxEvent.type).where(OutboxEvent.topic == "duty"))).all()  # type: ignore[call-overload]
    assert {"duty_swap.requested", "duty_swap.accepted", "duty_swap.approved", "duty.changed"} <= {
        t[0] for t in types
    }


async def test_swap_reject_and_cancel(client: httpx.AsyncClient, roster: Roster) -> None:
    now = datetime.now(UTC)
    a, b = roster.leaders[0], roster.leaders[2]
    mine = (
        await client.get(
            f"{API}/shifts",
            params={"person_id": a.id, "start": iso(now + timedelta(days=1))},
            headers=roster.duty,
        )
    ).json()["data"][0]
    first = await post(
        client,
        f"{API}/swaps",
        {"shift_id": mine["id"], "counterpart_id": b.id},
        roster.as_person(a),
    )
    r = await client.post(f"{API}/swaps/{first['id']}/reject", headers=roster.as_person(b))
    assert r.json()["state"] == "rejected"
    second = await post(
        client,
        f"{API}/swaps",
        {"shift_id": mine["id"], "counterpart_id": b.id},
        roster.as_person(a),
    )
    assert (
        await client.post(f"{API}/swaps/{second['id']}/cancel", headers=roster.as_person(b))
    ).status_code == 403
    assert (
        await client.post(f"{API}/swaps/{second['id']}/cancel", headers=roster.as_person(a))
    ).json()["state"] == "cancelled"
    r = await client.post(
        f"{API}/swaps",
        json={"shift_id": mine["id"], "counterpart_id": a.id},
        headers=roster.as_person(a),
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "counterpart_id"


async def test_check_in_and_handover_to_the_next_shift(
    client: httpx.AsyncClient, roster: Roster
) -> None:
    current = (
        await client.get(f"{API}/now", params={"org_id": roster.org_id}, headers=roster.duty)
    ).json()
    leader_id, shift_id = current["leader"]["id"], current["shift_id"]
    leader = next(p for p in roster.leaders if p.id == leader_id)
    for _ in range(2):
        r = await client.post(f"{API}/shifts/{shift_id}/checkin", headers=roster.as_person(leader))
        assert r.status_code == 200 and r.json()["checked_in_at"], r.text
    other = next(p for p in roster.leaders if p.id != leader_id)
    assert (
        await client.post(f"{API}/shifts/{shift_id}/checkin", headers=roster.as_person(other))
    ).status_code == 403
    body = {
        "notes": "夜间暴雨预警，注意河道",
        "open_matters": [{"kind": "warning", "id": 12, "title": "暴雨橙色预警"}],
    }
    r = await client.post(
        f"{API}/shifts/{shift_id}/handover", json=body, headers=roster.as_person(leader)
    )
    assert r.status_code == 201, r.text
    handover = r.json()
    assert handover["next_shift_id"]
    again = await client.post(  # a repeated request (a bad network): the first comes back
        f"{API}/shifts/{shift_id}/handover", json=body, headers=roster.as_person(leader)
    )
    assert again.status_code == 200 and again.json()["id"] == handover["id"]
    nxt = (
        await client.get(f"{API}/shifts/{handover['next_shift_id']}", headers=roster.duty)
    ).json()
    successor = next(p for p in roster.leaders if p.id == nxt["person_id"])
    r = await client.post(
        f"{API}/handovers/{handover['id']}/ack", headers=roster.as_person(successor)
    )
    assert r.status_code == 200 and r.json()["acknowledged_at"]
    detail = (await client.get(f"{API}/shifts/{shift_id}", headers=roster.duty)).json()
    assert detail["handover"]["notes"] == body["notes"] and detail["checked_in_at"]
    assert (
        await client.get(f"{API}/shifts/{handover['next_shift_id']}", headers=roster.duty)
    ).json()["received"]["id"] == handover["id"]


async def test_a_rule_change_keeps_the_shift_in_progress_and_its_check_in(
    client: httpx.AsyncClient, roster: Roster, db: Database
) -> None:
    before = (
        await client.get(f"{API}/now", params={"org_id": roster.org_id}, headers=roster.duty)
    ).json()
    leader = next(p for p in roster.leaders if p.id == before["leader"]["id"])
    await client.post(
        f"{API}/shifts/{before['shift_id']}/checkin", headers=roster.as_person(leader)
    )
    rotations = (
        await client.get(f"{API}/rotations", params={"org_id": roster.org_id}, headers=roster.duty)
    ).json()
    for rotation in rotations["data"]:  # two rule changes in a row, in the middle of the shift
        r = await client.patch(
            f"{API}/rotations/{rotation['id']}",
            json={"name": rotation["name"] + "（修订）"},
            headers=roster.duty,
        )
        assert r.status_code == 200, r.text
    after = (
        await client.get(f"{API}/now", params={"org_id": roster.org_id}, headers=roster.duty)
    ).json()
    assert after["shift_id"] == before["shift_id"]
    assert next(s for s in after["shifts"] if s["id"] == after["shift_id"])["checked_in_at"]
    async with db.session(write=False) as s:
        pending = await s.scalar(
            sa.select(sa.func.count())
            .select_from(Timer)
            .where(
                Timer.kind == "duty.checkin",
                Timer.state == "pending",
                Timer.ref == f"shift:{after['shift_id']}",
            )
        )
    assert pending == 0  # checked in: no missed check-in will fire for it
