"""The demo plan library loads through the workflow, twice without doubling."""

from __future__ import annotations

import httpx
import sqlalchemy as sa

from plans.library import demo
from plans.library.models import Plan, PlanVersion
from service.db import Database
from service.settings import Settings
from tests.factories import bearer, make_org, make_user


async def test_demo_plans_are_published_and_idempotent(
    db: Database, settings: Settings, client: httpx.AsyncClient
) -> None:
    async with db.session() as s:
        county = await make_org(s, "阳城县", "county")
        by_name = {
            "阳城县": county,
            "县应急管理局": await make_org(s, "县应急管理局", "department", county),
            "凤城镇": await make_org(s, "凤城镇", parent=county),
            "蟒河镇": await make_org(s, "蟒河镇", parent=county),
        }
        viewer = await make_user(s, "demo-viewer", ["viewer"], county)
    async with db.session() as s:
        assert await demo.load(s, settings, by_name) == len(demo.PLANS)
    async with db.session() as s:
        assert await demo.load(s, settings, by_name) == 0
        plans = (await s.execute(sa.select(Plan))).scalars().all()
        statuses = (await s.execute(sa.select(PlanVersion.status))).scalars().all()
    assert len(plans) == len(demo.PLANS)
    assert all(p.published_version for p in plans)
    assert sorted(statuses).count("superseded") == 1
    kinds = {p.kind for p in plans}
    assert {"overall", "special", "department"} <= kinds
    township = next(p for p in plans if p.org_id == by_name["凤城镇"].id)
    assert township.parent_plan_id == plans[0].id
    flood = next(p for p in plans if "防汛" in p.title and p.org_id == county.id)
    r = await client.get(f"/api/v1/plans/{flood.id}/versions/2/diff", headers=bearer(viewer))
    assert r.status_code == 200
    diff = r.json()
    assert diff["sections"][0]["change"] == "changed"
    four = next(lv for lv in diff["levels"] if lv["level"] == "IV")
    assert {a["change"] for a in four["actions"]} == {"added", "changed"}
    r = await client.get(f"/api/v1/plans/{flood.id}/versions/2/print", headers=bearer(viewer))
    assert r.status_code == 200 and r.text.count('class="card"') == 4
