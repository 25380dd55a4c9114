"""A county with plan users: staff of township A (duty officer, two leaders), the
county's leader and duty officer (the parent org that records filings), the resource
catalogue's items (from the ``stores`` fixture), and helpers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from service.auth.models import User
from service.auth.permissions import Role
from service.db import Database
from tests.factories import World, bearer, make_person, make_user
from tests.plans.resources.conftest import Stores, stores  # noqa: F401  (the item catalogue)

API = "/api/v1/plans"
# catalogue item ids of this test (set by the ``library`` fixture): sandbags, pumps, tents
CATALOGUE: dict[str, int] = {}


@dataclass
class Library:
    world: World
    users: dict[str, User]
    stores: Stores

    def h(self, name: str) -> dict[str, str]:
        return bearer(self.users[name])


@pytest.fixture
async def library(db: Database, world: World, stores: Stores) -> Library:  # noqa: F811
    users: dict[str, User] = {
        "a_duty": world.users_a[Role.duty_officer],
        "a_leader": world.users_a[Role.leader],
        "a_viewer": world.users_a[Role.viewer],
        "a_team": world.users_a[Role.team_leader],
        "b_duty": world.user_b,  # type: ignore[dict-item]
        "root": world.root_admin,
    }
    async with db.session() as s:
        second = await make_person(s, world.town_a, "甲镇副镇长")
        users["a_leader2"] = await make_user(s, "a-leader2", [Role.leader], world.town_a, second)
        users["c_leader"] = await make_user(s, "c-leader", [Role.leader], world.county)
        users["c_duty"] = await make_user(s, "c-duty", [Role.duty_officer], world.county)
    CATALOGUE.clear()
    CATALOGUE.update(
        sandbags=stores.sandbags.id or 0, pumps=stores.pumps.id or 0, tents=stores.tents.id or 0
    )
    return Library(world, users, stores)


def need(item: str, quantity: int, **more: Any) -> dict[str, Any]:
    """A required item of the catalogue (``sandbags``, ``pumps``, ``tents``)."""
    return {"item_id": CATALOGUE[item], "quantity": quantity, **more}


def today() -> str:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()


def level(which: str = "IV", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "level": which,
        "triggers": ["24 小时降雨量超过 50 毫米", "发生山洪灾害造成 1 人以上被困"],
        "command": [{"role": "总指挥", "post": "镇长"}, {"role": "副总指挥", "post": "副镇长"}],
        "actions": [
            {"action": "启动应急响应，通知各工作组", "responsible": "镇应急办", "within_min": 30},
            {"action": "组织危险区域群众转移", "responsible": "各村委会", "within_min": 120},
            {"action": "向县应急局报告", "responsible": "值班员", "within_min": 60},
        ],
        "resources": {
            "teams": [{"team_type": "flood", "count": 2}],
            "items": [need("sandbags", 5000)],
        },
    }
    body.update(changes)
    return body


def content(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "sections": [
            {"key": "general", "title": "总则", "body": "为有效防范山洪灾害，制定本预案。"},
            {"key": "org", "title": "组织机构", "body": "镇防汛抗旱指挥部负责全镇防汛工作。"},
        ],
        "levels": [level("IV"), level("III")],
    }
    body.update(changes)
    return body


def plan_body(org_id: int, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "org_id": org_id,
        "kind": "special",
        "title": "甲镇防汛抗旱应急预案",
        "hazards": ["flood", "drought"],
        "content": content(),
    }
    body.update(changes)
    return body


async def call(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    headers: dict[str, str],
    body: Any = None,
    expect: int = 200,
) -> Any:
    r = await client.request(method, f"{API}{path}", json=body, headers=headers)
    assert r.status_code == expect, r.text
    return r.json() if r.content and r.headers["content-type"].endswith("json") else r.text


async def new_plan(client: httpx.AsyncClient, lib: Library, **changes: Any) -> dict[str, Any]:
    body = plan_body(lib.world.town_a.id or 0, **changes)
    return await call(client, "POST", "", lib.h("a_duty"), body, 201)  # type: ignore[no-any-return]


async def to_published(
    client: httpx.AsyncClient, lib: Library, plan_id: int, number: int
) -> dict[str, Any]:
    """Take a draft through review, approval, filing (by the county) and publication."""
    v = f"/{plan_id}/versions/{number}"
    await call(client, "POST", f"{v}/submit", lib.h("a_duty"))
    await call(client, "POST", f"{v}/approve", lib.h("a_leader"), {})
    filing = {"filing_number": f"阳应急备〔2026〕{plan_id}-{number}号", "filing_date": today()}
    await call(client, "POST", f"{v}/file", lib.h("c_duty"), filing)
    return await call(client, "POST", f"{v}/publish", lib.h("a_duty"))  # type: ignore[no-any-return]
