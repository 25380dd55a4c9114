"""What a client may show: the workflow steps each caller may take on a version and on a
plan (the same rules the steps apply), and the filing-due list of approved versions."""

from __future__ import annotations

import httpx

from tests.plans.library.conftest import Library, call, new_plan, today


async def actions(client: httpx.AsyncClient, lib: Library, path: str, who: str) -> list[str]:
    return (await call(client, "GET", f"{path}/actions", lib.h(who)))["actions"]  # type: ignore[no-any-return]


async def test_each_caller_sees_the_steps_they_may_take(
    client: httpx.AsyncClient, library: Library
) -> None:
    plan = await new_plan(client, library)
    p, v1 = f"/{plan['id']}", f"/{plan['id']}/versions/1"
    assert await actions(client, library, v1, "a_duty") == ["edit", "submit", "withdraw"]
    assert await actions(client, library, v1, "a_viewer") == []
    assert await actions(client, library, v1, "c_duty") == ["edit", "submit", "withdraw"]
    assert await actions(client, library, p, "a_duty") == ["update"]  # v1 is open
    assert await actions(client, library, p, "a_viewer") == []

    await call(client, "POST", f"{v1}/submit", library.h("a_duty"))
    assert await actions(client, library, v1, "a_duty") == ["withdraw"]
    assert await actions(client, library, v1, "a_leader") == ["approve", "reject", "withdraw"]
    # whoever submitted does not approve it: a leader who submits sees no approval
    await call(client, "POST", f"{v1}/reject", library.h("a_leader"), {"note": "补充"})
    v2 = await call(client, "POST", f"{p}/versions", library.h("a_leader2"), {}, 201)
    path2 = f"{p}/versions/{v2['number']}"
    await call(client, "POST", f"{path2}/submit", library.h("a_leader2"))
    assert await actions(client, library, path2, "a_leader2") == ["withdraw"]
    r = await client.post(f"/api/v1/plans{path2}/approve", json={}, headers=library.h("a_leader2"))
    assert r.status_code == 403 and r.json()["code"] == "plan_self_approval"
    assert "approve" in await actions(client, library, path2, "a_leader")
    await call(client, "POST", f"{path2}/approve", library.h("a_leader"), {})

    # filing: only the parent org (the county), not the township itself
    assert await actions(client, library, path2, "a_duty") == ["withdraw"]
    assert await actions(client, library, path2, "c_duty") == ["file", "withdraw"]
    r = await client.get(f"/api/v1/plans{path2}/actions", headers=library.h("b_duty"))
    assert r.status_code == 404
    filing = {"filing_number": "阳应急备〔2026〕9号", "filing_date": today()}
    await call(client, "POST", f"{path2}/file", library.h("c_duty"), filing)
    assert await actions(client, library, path2, "a_duty") == ["publish", "withdraw"]
    await call(client, "POST", f"{path2}/publish", library.h("a_duty"))
    assert await actions(client, library, path2, "a_duty") == ["withdraw"]
    assert await actions(client, library, path2, "a_leader") == ["withdraw"]
    assert await actions(client, library, p, "a_duty") == ["update", "new_version", "evaluate"]
    assert await actions(client, library, f"{p}/versions/1", "a_duty") == []  # rejected


async def test_the_filing_due_list(client: httpx.AsyncClient, library: Library) -> None:
    first = await new_plan(client, library)
    second = await new_plan(client, library, title="甲镇地质灾害应急预案")
    for plan in (first, second):
        v = f"/{plan['id']}/versions/1"
        await call(client, "POST", f"{v}/submit", library.h("a_duty"))
        await call(client, "POST", f"{v}/approve", library.h("a_leader"), {})
    county = library.world.county.id
    found = await call(client, "GET", "/filings", library.h("c_duty"))
    assert found["count"] == 2
    item = found["data"][0]
    assert item["plan"]["id"] == first["id"] and item["number"] == 1
    assert item["filing_org_id"] == county and item["overdue"] is False
    assert item["days_left"] >= 20 and item["filing_due_date"] > today()
    # the township sees its own; another township nothing; filters and pages
    assert (await call(client, "GET", "/filings", library.h("a_duty")))["count"] == 2
    assert (await call(client, "GET", "/filings", library.h("b_duty")))["count"] == 0
    assert (await call(client, "GET", "/filings?overdue=true", library.h("c_duty")))["count"] == 0
    page = await call(client, "GET", "/filings?limit=1&offset=1", library.h("c_duty"))
    assert page["count"] == 2 and page["data"][0]["plan"]["id"] == second["id"]
    other = library.world.town_b.id
    assert (await call(client, "GET", f"/filings?org_id={other}", library.h("c_duty")))[
        "count"
    ] == 0
    # a filed version leaves the list
    filing = {"filing_number": "阳应急备〔2026〕1号", "filing_date": today()}
    await call(client, "POST", f"/{first['id']}/versions/1/file", library.h("c_duty"), filing)
    found = await call(client, "GET", "/filings", library.h("c_duty"))
    assert [i["plan"]["id"] for i in found["data"]] == [second["id"]]
    r = await client.get("/api/v1/plans/filings?overdue=maybe", headers=library.h("c_duty"))
    assert r.status_code == 422 and r.json()["errors"][0]["in"] == "query"
