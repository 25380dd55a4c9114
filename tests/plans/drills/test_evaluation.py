"""Evaluation of a held drill: scores per criterion, findings, corrective actions tracked to
done, a finding opening a plan revision; closing waits for every action; the report."""

from __future__ import annotations

from datetime import date, timedelta

import httpx

from tests.factories import bearer
from tests.plans.drills.conftest import Drills, call, drill_body

CRITERIA = ["plan", "command", "personnel", "equipment", "timeliness"]


def scores(value: int = 80) -> dict[str, object]:
    return {
        "scores": [{"criterion": c, "score": value, "comment": f"{c} 良好"} for c in CRITERIA],
        "summary": "演练达到预期目的。",
    }


async def test_evaluation_findings_actions_revision_and_close(
    client: httpx.AsyncClient, drills: Drills
) -> None:
    d = await call(client, "POST", "", drills.h(), drill_body(drills), 201)
    path = f"/{d['id']}"
    r = await call(client, "PUT", f"{path}/evaluation", drills.h(), scores(), 409)
    assert r["code"] == "drill_not_completed"
    r = await call(client, "POST", f"{path}/findings", drills.h(), {"text": "x"}, 409)
    assert r["code"] == "drill_not_completed"
    await call(client, "POST", f"{path}/start", drills.h())
    await call(client, "POST", f"{path}/complete", drills.h())
    partial = {"scores": scores()["scores"][:3]}  # type: ignore[index]
    r = await call(client, "PUT", f"{path}/evaluation", drills.h(), partial, 422)
    assert (
        r["errors"][0]["field"] == "scores" and r["errors"][0]["code"] == "drill_criteria_missing"
    )
    evaluated = await call(client, "PUT", f"{path}/evaluation", drills.h(), scores(70))
    assert evaluated["status"] == "evaluated" and evaluated["evaluation"]["overall"] == 70
    again = await call(client, "PUT", f"{path}/evaluation", drills.h(), scores(90))
    assert again["evaluation"]["overall"] == 90  # replaced until closed

    finding = await call(
        client,
        "POST",
        f"{path}/findings",
        drills.h(),
        {"text": "转移路线标识不清，群众集结慢", "criterion": "plan"},
        201,
    )
    due = (date.today() + timedelta(days=30)).isoformat()
    body = {"text": "重新设置转移路线标识", "owner_person_id": drills.leader.id, "due_date": due}
    action = await call(
        client, "POST", f"{path}/findings/{finding['id']}/actions", drills.h(), body, 201
    )
    assert action["status"] == "open" and action["overdue"] is False
    r = await call(client, "POST", f"{path}/findings/999/actions", drills.h(), body, 404)
    # closing with an open action: 409 naming the rule and listing the actions
    r = await call(client, "POST", f"{path}/close", drills.h(), expect=409)
    assert r["code"] == "drill_actions_open" and [a["id"] for a in r["open_actions"]] == [
        action["id"]
    ]

    # the finding opens a revision: the coordinator lacks the plan library's write right…
    rev = f"{path}/findings/{finding['id']}/revision"
    r = await call(client, "POST", rev, drills.h(), {}, 403)
    # …the township's duty officer has it: a new draft copied from the drilled version
    opened = await call(client, "POST", rev, drills.h("a_duty"), {})
    assert opened["revision_plan_id"] == drills.plan["id"] and opened["revision_version"] == 2
    plan_path = f"/api/v1/plans/{drills.plan['id']}/versions/2"
    version = (await client.get(plan_path, headers=drills.h("a_duty"))).json()
    assert version["status"] == "draft" and version["based_on"] == 1
    (trigger,) = version["revision_triggers"]
    assert trigger["kind"] == "drill_lessons"
    assert trigger["ref"] == f"drill:{d['id']}:finding:{finding['id']}"
    r = await call(client, "POST", rev, drills.h("a_duty"), {}, 409)
    assert r["code"] == "drill_revision_open"

    # tracked to done, then the drill closes
    progress = {"status": "in_progress", "note": "已采购标识牌"}
    await call(client, "PATCH", f"{path}/actions/{action['id']}", drills.h(), progress)
    done = await call(
        client, "PATCH", f"{path}/actions/{action['id']}", drills.h(), {"status": "done"}
    )
    assert done["status"] == "done" and done["done_at"] is not None
    closed = await call(client, "POST", f"{path}/close", drills.h())
    assert closed["status"] == "closed" and closed["actions"] == []
    r = await call(client, "PUT", f"{path}/evaluation", drills.h(), scores(), 409)
    assert r["code"] == "drill_state"

    report = await call(client, "GET", f"{path}/report", drills.h("a_viewer"))
    assert report["organiser"]["name"] == drills.world.town_a.name
    assert report["plan"]["id"] == drills.plan["id"] and report["plan"]["level"] == "IV"
    assert [t["name"] for t in report["teams"]] == [drills.team_a.name]
    assert {p["name"] for p in report["people"]} == {p.name for p in drills.people}
    assert report["overall_score"] == 90 and report["open_actions"] == 0
    (item,) = report["findings"]
    assert item["revision_version"] == 2 and item["actions"][0]["status"] == "done"
    listed = await call(client, "GET", f"{path}/findings", drills.h("a_viewer"))
    assert listed["count"] == 1


async def test_bad_action_input(client: httpx.AsyncClient, drills: Drills) -> None:
    d = await call(client, "POST", "", drills.h(), drill_body(drills), 201)
    path = f"/{d['id']}"
    await call(client, "POST", f"{path}/start", drills.h())
    await call(client, "POST", f"{path}/complete", drills.h())
    finding = await call(client, "POST", f"{path}/findings", drills.h(), {"text": "通信中断"}, 201)
    url = f"{path}/findings/{finding['id']}/actions"
    r = await call(client, "POST", url, drills.h(), {"text": "x", "due_date": "2026-02-30"}, 422)
    assert r["errors"][0]["field"] == "due_date"
    body = {"text": "x", "due_date": "2027-01-01", "owner_person_id": drills.world.person_b.id}
    r = await call(client, "POST", url, drills.h(), body, 422)
    assert r["errors"][0] == {
        **r["errors"][0],
        "field": "owner_person_id",
        "code": "person_unknown",
    }
    opened = await call(
        client, "POST", f"{path}/findings/{finding['id']}/revision", drills.h("a_duty")
    )
    assert opened["revision_version"] == 2
    # a second finding waits while that revision is open (the plan library's rule)
    second = await call(client, "POST", f"{path}/findings", drills.h(), {"text": "物资不足"}, 201)
    r = await call(
        client, "POST", f"{path}/findings/{second['id']}/revision", drills.h("a_duty"), {}, 409
    )
    assert r["code"] == "plan_version_open"


async def test_the_tracking_list_across_drills(client: httpx.AsyncClient, drills: Drills) -> None:
    d = await call(client, "POST", "", drills.h(), drill_body(drills), 201)
    path = f"/{d['id']}"
    await call(client, "POST", f"{path}/start", drills.h())
    await call(client, "POST", f"{path}/complete", drills.h())
    finding = await call(client, "POST", f"{path}/findings", drills.h(), {"text": "照明不足"}, 201)
    url = f"{path}/findings/{finding['id']}/actions"
    late = await call(
        client, "POST", url, drills.h(), {"text": "补充照明灯", "due_date": "2026-01-05"}, 201
    )
    later = await call(
        client, "POST", url, drills.h(), {"text": "培训", "due_date": "2099-01-05"}, 201
    )
    assert late["overdue"] is True and later["overdue"] is False
    listed = await call(client, "GET", "/actions", drills.h("a_viewer"))
    assert [a["id"] for a in listed["data"]] == [late["id"], later["id"]]
    overdue = await call(client, "GET", "/actions?overdue=true", drills.h("a_viewer"))
    assert [a["id"] for a in overdue["data"]] == [late["id"]]
    await call(client, "PATCH", f"{path}/actions/{late['id']}", drills.h(), {"status": "done"})
    assert (await call(client, "GET", "/actions?overdue=true", drills.h()))["count"] == 0
    assert (await call(client, "GET", "/actions?status=done", drills.h()))["count"] == 1
    foreign = await client.get("/api/v1/drills/actions", headers=bearer(drills.world.user_b))
    assert foreign.json()["count"] == 0
