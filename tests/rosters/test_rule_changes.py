"""When changes reach the roster: rule changes at the next changeover, leave at once (with
the cut shift's check-in timer cancelled); clashes beyond the horizon refused up front;
the daily job goes on past one org's clash."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa

from rosters import jobs
from rosters.config import CONFIG
from rosters.materialise import CHECKIN, shift_ref
from rosters.models import DutyRotation, DutyShift
from service.clock.models import Timer
from service.db import Database
from service.realtime.models import OutboxEvent
from service.settings import Settings
from tests.factories import bearer, make_person
from tests.rosters.conftest import Roster, post, today

API = "/api/v1/duty"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Check-in due an hour after a shift starts: the shift in progress has its timer."""
    return settings.model_copy(update={"duty_checkin_grace_s": 3600})


async def _now(client: httpx.AsyncClient, roster: Roster, at: datetime | None = None) -> dict:
    params: dict[str, object] = {"org_id": roster.org_id}
    if at is not None:
        params["at"] = at.isoformat()
    r = await client.get(f"{API}/now", params=params, headers=roster.duty)
    assert r.status_code == 200, r.text
    return r.json()


def _leader_shift(duty: dict, roster: Roster) -> dict:
    return next(s for s in duty["shifts"] if s["post_id"] == roster.posts["leader"])


async def test_a_rotation_change_waits_for_the_next_changeover(
    client: httpx.AsyncClient, roster: Roster
) -> None:
    before = _leader_shift(await _now(client, roster), roster)
    end = datetime.fromisoformat(before["end_at"])
    rotation = (
        await client.get(
            f"{API}/rotations", params={"post_id": roster.posts["leader"]}, headers=roster.duty
        )
    ).json()["data"][0]
    on_duty = before["person_id"]
    others = [p for p in rotation["people"] if p != on_duty]
    # the one on duty now is taken off the rotation: they still finish their shift
    r = await client.patch(
        f"{API}/rotations/{rotation['id']}", json={"people": others}, headers=roster.duty
    )
    assert r.status_code == 200, r.text
    after = _leader_shift(await _now(client, roster), roster)
    assert (after["id"], after["person_id"], after["end_at"]) == (
        before["id"],
        on_duty,
        before["end_at"],
    )
    assert after["sequence"] == before["sequence"]
    # from the changeover on, the new rotation holds the post, without a gap
    nxt = _leader_shift(await _now(client, roster, end), roster)
    assert nxt["start_at"] == before["end_at"] and nxt["person_id"] in others


async def test_a_new_pattern_starts_when_the_shift_in_progress_ends(
    client: httpx.AsyncClient, roster: Roster
) -> None:
    before = await _now(client, roster)
    current = {s["id"]: s["end_at"] for s in before["shifts"]}
    r = await client.put(
        f"{API}/schedules/{roster.org_id}",
        json={"changeovers": ["08:30", "20:30"]},
        headers=roster.duty,
    )
    assert r.status_code == 200, r.text
    after = await _now(client, roster)
    assert {s["id"]: s["end_at"] for s in after["shifts"]} == current
    end = datetime.fromisoformat(_leader_shift(before, roster)["end_at"])
    nxt = _leader_shift(await _now(client, roster, end), roster)
    assert datetime.fromisoformat(nxt["start_at"]) == end
    length = datetime.fromisoformat(nxt["end_at"]) - datetime.fromisoformat(nxt["start_at"])
    assert length == timedelta(hours=12)  # the split pattern from then on
    gaps = (
        await client.get(
            f"{API}/gaps",
            params={
                "org_id": roster.org_id,
                "start": datetime.now(UTC).isoformat(),
                "end": (datetime.now(UTC) + timedelta(days=5)).isoformat(),
            },
            headers=roster.duty,
        )
    ).json()
    assert gaps["count"] == 0


async def test_leave_cuts_the_shift_in_progress_and_cancels_its_check_in(
    client: httpx.AsyncClient, roster: Roster, db: Database
) -> None:
    current = _leader_shift(await _now(client, roster), roster)
    async with db.session() as s:
        state = await s.scalar(
            sa.select(Timer.state).where(
                Timer.kind == CHECKIN, Timer.ref == shift_ref(current["id"])
            )
        )
    assert state == "pending"  # due an hour after the shift (cut in at the rotation) began
    await asyncio.sleep(1.1)  # (a shift that began within this very second would go whole)
    now = datetime.now(UTC)
    body = {
        "person_id": current["person_id"],
        "start_at": now.isoformat(),
        "end_at": (now + timedelta(hours=3)).isoformat(),
    }
    await post(client, f"{API}/leave", body, roster.duty)
    duty = _leader_shift(await _now(client, roster), roster)
    assert duty["person_id"] != current["person_id"]  # leave acts at once
    async with db.session() as s:
        cut = await s.get(DutyShift, current["id"])
        state = await s.scalar(
            sa.select(Timer.state).where(
                Timer.kind == CHECKIN, Timer.ref == shift_ref(current["id"])
            )
        )
        fresh = await s.scalar(
            sa.select(Timer.state).where(Timer.kind == CHECKIN, Timer.ref == shift_ref(duty["id"]))
        )
    assert cut is not None and cut.end_at <= datetime.now(UTC)
    assert state == "cancelled" and fresh == "pending"


async def test_a_rotation_clashing_beyond_the_horizon_is_refused(
    client: httpx.AsyncClient, roster: Roster
) -> None:
    later = today() + timedelta(days=CONFIG.horizon_days + 60)
    body = {
        "org_id": roster.org_id,
        "post_id": roster.posts["leader"],
        "name": "第二带班",
        "people": [roster.world.person_a.id],
        "start_date": later.isoformat(),
    }
    r = await client.post(f"{API}/rotations", json=body, headers=roster.duty)
    assert r.status_code == 409, r.text
    problem = r.json()
    assert problem["code"] == "duty_post_crowded" and len(problem["shifts"]) == 2
    assert all(s["start_at"] >= later.isoformat() for s in problem["shifts"])
    count = (
        await client.get(f"{API}/rotations", params={"org_id": roster.org_id}, headers=roster.duty)
    ).json()["count"]
    assert count == 2  # nothing saved


async def test_the_daily_job_goes_on_past_one_org_s_clash_and_reports_it(
    client: httpx.AsyncClient, roster: Roster, db: Database
) -> None:
    root = bearer(roster.world.root_admin)
    county = roster.world.county
    r = await client.put(
        f"{API}/schedules/{county.id}", json={"changeovers": ["08:30"]}, headers=root
    )
    county_leader = next(p["id"] for p in r.json()["posts"] if p["key"] == "leader")
    async with db.session() as s:
        heads = [await make_person(s, county, f"县领导{n}") for n in range(2)]
    await post(
        client,
        f"{API}/rotations",
        {
            "org_id": county.id,
            "post_id": county_leader,
            "name": "县带班",
            "people": [p.id for p in heads],
            "start_date": today().isoformat(),
        },
        root,
    )
    # a clash written before rotations were checked beyond the horizon: it falls on the
    # day the daily job adds to the township's horizon
    async with db.session() as s:
        s.add(
            DutyRotation(
                org_id=roster.org_id,
                post_id=roster.posts["leader"],
                name="old clash",
                kind="regular",
                people=[roster.world.person_a.id],
                start_date=today() + timedelta(days=CONFIG.horizon_days),
            )
        )
        # and the county's last days are missing, for the job to fill in
        last = await s.scalar(
            sa.select(sa.func.max(DutyShift.end_at)).where(DutyShift.org_id == county.id)
        )
        assert last is not None
        await s.execute(
            sa.delete(DutyShift).where(
                DutyShift.org_id == county.id, DutyShift.start_at > last - timedelta(days=5)
            )
        )
    async with db.session() as s:
        assert await jobs.daily_check(s) == 2  # the county's officer post is empty too
    async with db.session() as s:
        refilled = await s.scalar(
            sa.select(sa.func.max(DutyShift.end_at)).where(DutyShift.org_id == county.id)
        )
        found = [
            row[0]
            for row in (
                await s.execute(
                    sa.select(OutboxEvent.data).where(OutboxEvent.type == "duty.gap_detected")
                )
            ).all()
        ]
    assert refilled is not None and refilled >= last
    town = [e for e in found if e["org_id"] == roster.org_id]
    assert len(town) == 1 and town[0]["problems"][0]["code"] == "duty_post_crowded"
    assert len(town[0]["problems"][0]["shifts"]) == 2
    assert all(not e["problems"] for e in found if e["org_id"] == county.id)
