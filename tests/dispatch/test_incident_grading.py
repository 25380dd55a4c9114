"""Grades from the regulation's table (第三条): every criterion, around every threshold;
re-grading keeps the history, an upgrade tells whoever is on duty, a manual grade needs
a reason."""

from __future__ import annotations

import httpx
import pytest

from dispatch.incidents.grading import THRESHOLDS, Grade, grade_of
from service.auth.permissions import Role
from tests.dispatch.incident_helpers import API, incident_body
from tests.factories import World

CRITERIA = ("deaths", "serious_injuries", "direct_loss_yuan")
BELOW = {Grade.especially_major: Grade.major, Grade.major: Grade.large, Grade.large: Grade.general}


@pytest.mark.parametrize("criterion", CRITERIA)
@pytest.mark.parametrize("row", THRESHOLDS, ids=lambda r: r.grade)
def test_each_threshold_includes_its_number_and_one_less_is_the_grade_below(
    criterion: str, row: tuple
) -> None:
    limit = getattr(row, criterion)
    numbers = dict.fromkeys(CRITERIA, 0)
    assert grade_of(**(numbers | {criterion: limit})) == row.grade  # "以上" includes it
    assert grade_of(**(numbers | {criterion: limit - 1})) == BELOW[row.grade]
    assert grade_of(**(numbers | {criterion: limit + 1})) == row.grade


def test_the_table_and_the_highest_criterion_wins() -> None:
    assert grade_of(deaths=0, serious_injuries=0, direct_loss_yuan=0) == Grade.general
    assert grade_of(deaths=2, serious_injuries=9, direct_loss_yuan=9_999_999) == Grade.general
    assert grade_of(deaths=3, serious_injuries=0, direct_loss_yuan=0) == Grade.large
    assert grade_of(deaths=9, serious_injuries=49, direct_loss_yuan=49_999_999) == Grade.large
    assert grade_of(deaths=0, serious_injuries=50, direct_loss_yuan=0) == Grade.major
    assert grade_of(deaths=29, serious_injuries=99, direct_loss_yuan=99_999_999) == Grade.major
    assert grade_of(deaths=1, serious_injuries=1, direct_loss_yuan=100_000_000) == (
        Grade.especially_major
    )
    assert grade_of(deaths=30, serious_injuries=0, direct_loss_yuan=0) == Grade.especially_major


async def test_regrading_keeps_history_and_an_upgrade_is_an_event(
    client: httpx.AsyncClient, world: World
) -> None:
    duty = world.headers(Role.duty_officer)
    r = await client.post(API, json=incident_body(world, deaths=1), headers=duty)
    assert r.status_code == 201, r.text
    incident = r.json()
    assert incident["grade"] == "general" and incident["computed_grade"] == "general"

    r = await client.patch(f"{API}/{incident['id']}", json={"deaths": 3}, headers=duty)
    assert r.status_code == 200, r.text
    assert r.json()["grade"] == "large"
    r = await client.patch(f"{API}/{incident['id']}", json={"serious_injuries": 55}, headers=duty)
    assert r.json()["grade"] == "major"

    history = (await client.get(f"{API}/{incident['id']}/grades", headers=duty)).json()["data"]
    assert [(g["previous"], g["grade"]) for g in history] == [
        (None, "general"),
        ("general", "large"),
        ("large", "major"),
    ]
    assert "第三条" in history[1]["reason"] and "deaths >= 3" in history[1]["reason"]
    assert history[2]["numbers"]["serious_injuries"] == 55

    events = (await client.get("/api/v1/events?topic=incidents", headers=duty)).json()["data"]
    graded = [e for e in events if e["type"] == "incident.graded"]
    assert [e["data"]["grade"] for e in graded] == ["large", "major"]
    log = (await client.get(f"{API}/{incident['id']}/log", headers=duty)).json()["data"]
    assert [e["kind"] for e in log].count("graded") == 2


async def test_manual_grade_needs_a_reason_and_can_be_undone(
    client: httpx.AsyncClient, world: World
) -> None:
    duty = world.headers(Role.duty_officer)
    incident = (await client.post(API, json=incident_body(world), headers=duty)).json()
    url = f"{API}/{incident['id']}/grade"
    r = await client.post(url, json={"grade": "large"}, headers=duty)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["code"] == "grade_reason_required"

    r = await client.post(
        url, json={"grade": "large", "reason": "可能有人员被困井下"}, headers=duty
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["grade"] == "large" and body["grade_manual"] and body["computed_grade"] == "general"
    assert body["grade_reason"] == "可能有人员被困井下"
    # numbers still move the computed grade; the manual grade stands until undone
    r = await client.patch(f"{API}/{incident['id']}", json={"deaths": 10}, headers=duty)
    assert r.json()["grade"] == "large" and r.json()["computed_grade"] == "major"
    r = await client.post(url, json={"grade": None}, headers=duty)
    assert r.json()["grade"] == "major" and not r.json()["grade_manual"]
    history = (await client.get(f"{API}/{incident['id']}/grades", headers=duty)).json()["data"]
    assert [g["manual"] for g in history] == [False, True, False]
