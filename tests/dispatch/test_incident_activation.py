"""Activating a published plan at a response level: its checklist becomes the incident's
tasks, a level change brings the checklist along, and deactivation ends it."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx

from tests.dispatch.incident_helpers import API, incident_body
from tests.plans.library.conftest import Library, content, level, new_plan, to_published


def higher() -> dict:
    return level(
        "III",
        actions=[
            {"action": "县防指派出工作组赶赴现场", "responsible": "县防指", "within_min": 60},
            {"action": "调集县级抢险队伍和物资", "responsible": "县应急局", "within_min": 90},
        ],
    )


async def published_plan(client: httpx.AsyncClient, library: Library) -> dict:
    plan = await new_plan(client, library, content=content(levels=[level("IV"), higher()]))
    await to_published(client, library, plan["id"], 1)
    return plan


async def test_activation_checklist_follows_the_level(
    client: httpx.AsyncClient, library: Library
) -> None:
    duty = library.h("a_duty")
    plan = await published_plan(client, library)
    incident = (await client.post(API, json=incident_body(library.world), headers=duty)).json()
    url = f"{API}/{incident['id']}/activations"

    r = await client.post(url, json={"plan_id": plan["id"], "level": "IV"}, headers=duty)
    assert r.status_code == 201, r.text
    activation = r.json()
    assert activation["version_number"] == 1 and activation["level"] == "IV"
    tasks = activation["tasks"]
    assert [t["action"] for t in tasks] == [
        "启动应急响应，通知各工作组",
        "组织危险区域群众转移",
        "向县应急局报告",
    ]
    start = datetime.fromisoformat(activation["activated_at"])
    due = datetime.fromisoformat(tasks[0]["due_at"])
    assert timedelta(minutes=29) < due - start < timedelta(minutes=31)
    assert activation["required"]["teams"] == [{"team_type": "flood", "count": 2, "note": None}]

    again = await client.post(url, json={"plan_id": plan["id"], "level": "IV"}, headers=duty)
    assert again.status_code == 409 and again.json()["code"] == "plan_already_active"

    done = await client.patch(
        f"{API}/{incident['id']}/tasks/{tasks[0]['id']}",
        json={"done": True, "note": "已通知"},
        headers=duty,
    )
    assert done.status_code == 200 and done.json()["state"] == "done"

    r = await client.patch(f"{url}/{activation['id']}", json={"level": "III"}, headers=duty)
    assert r.status_code == 200, r.text
    states = [(t["level"], t["state"]) for t in r.json()["tasks"]]
    assert sorted(states) == sorted(
        [("IV", "done"), ("IV", "cancelled"), ("IV", "cancelled"), ("III", "open"), ("III", "open")]
    )
    assert [lv["level"] for lv in r.json()["levels"]] == ["IV", "III"]

    r = await client.post(f"{url}/{activation['id']}/deactivate", headers=duty)
    assert r.json()["state"] == "deactivated"
    assert {t["state"] for t in r.json()["tasks"]} == {"done", "cancelled"}
    log = (await client.get(f"{API}/{incident['id']}/log", headers=duty)).json()["data"]
    kinds = [e["kind"] for e in log]
    assert ["activated", "task_done", "level_changed", "deactivated"] == [
        k for k in kinds if k in ("activated", "task_done", "level_changed", "deactivated")
    ]
    assert "提升为Ⅲ级" in next(e["text"] for e in log if e["kind"] == "level_changed")
    events = (await client.get("/api/v1/events?topic=incidents", headers=duty)).json()["data"]
    assert [e["data"]["level"] for e in events if e["type"] == "incident.activated"] == [
        "IV",
        "III",
    ]


async def test_a_draft_plan_or_unknown_level_cannot_be_activated(
    client: httpx.AsyncClient, library: Library
) -> None:
    duty = library.h("a_duty")
    incident = (await client.post(API, json=incident_body(library.world), headers=duty)).json()
    url = f"{API}/{incident['id']}/activations"
    draft = await new_plan(client, library, title="甲镇地质灾害应急预案")
    r = await client.post(url, json={"plan_id": draft["id"], "level": "IV"}, headers=duty)
    assert r.status_code == 409 and r.json()["code"] == "plan_not_published"
    plan = await published_plan(client, library)
    r = await client.post(url, json={"plan_id": plan["id"], "level": "I"}, headers=duty)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "level"
    r = await client.post(url, json={"plan_id": plan["id"], "level": "V"}, headers=duty)
    assert r.status_code == 422
    r = await client.post(url, json={"plan_id": 999_999, "level": "IV"}, headers=duty)
    assert r.status_code == 404
    listed = (await client.get(url, headers=duty)).json()
    assert listed["count"] == 0
