"""A county with a published plan of township A, two rescue teams, a drill coordinator of
township A, people with channels, and helpers to call the drills API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from plans.resources.models import Team, TeamMember
from service.auth.models import User
from service.auth.permissions import Role
from service.db import Database
from service.notify.models import Channel
from service.people.models import Person
from tests.factories import bearer, make_person, make_user
from tests.plans.library.conftest import (  # noqa: F401  (fixtures)
    Library,
    library,
    new_plan,
    stores,
    to_published,
)

API = "/api/v1/drills"


@dataclass
class Drills:
    lib: Library
    plan: dict[str, Any]  # published version 1, levels IV and III
    team_a: Team
    team_a2: Team
    team_b: Team
    leader: Person  # leads team A
    member: Person  # of team A
    people: list[Person]  # two responsible persons of township A
    coordinator: User

    @property
    def world(self) -> Any:
        return self.lib.world

    def h(self, who: str = "coordinator") -> dict[str, str]:
        if who == "coordinator":
            return bearer(self.coordinator)
        return self.lib.h(who)


@pytest.fixture
async def drills(client: httpx.AsyncClient, db: Database, library: Library) -> Drills:  # noqa: F811
    plan = await new_plan(client, library)
    await to_published(client, library, plan["id"], 1)
    world = library.world
    async with db.session() as s:
        leader = await make_person(s, world.town_a, "队长甲")
        member = await make_person(s, world.village_a, "队员甲")
        people = [
            await make_person(s, world.village_a, "责任人甲", tags=["基层责任人"]),
            await make_person(s, world.town_a, "责任人乙", tags=["基层责任人"]),
        ]
        for i, p in enumerate([leader, member, *people]):
            s.add(Channel(person_id=p.id, kind="sms", address=f"+86139000088{i:02d}"))
        kw: dict[str, Any] = {"base_lat": 35.5, "base_lon": 112.5, "lat": 35.5, "lon": 112.5}
        team_a = Team(
            org_id=world.town_a.id, name="甲镇防汛队", kind="flood", leader_id=leader.id, **kw
        )
        team_a2 = Team(org_id=world.village_a.id, name="甲村民兵队", kind="comprehensive", **kw)
        team_b = Team(org_id=world.town_b.id, name="乙镇救援队", kind="comprehensive", **kw)
        s.add_all([team_a, team_a2, team_b])
        await s.flush()
        s.add(TeamMember(team_id=team_a.id, person_id=member.id))
        coordinator = await make_user(s, "a-drill", [Role.drill_coordinator], world.town_a)
    return Drills(library, plan, team_a, team_a2, team_b, leader, member, people, coordinator)


def soon(days: float = 10, hours: float = 0) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) + timedelta(days=days, hours=hours)


def drill_body(d: Drills, **changes: Any) -> dict[str, Any]:
    start = soon()
    body: dict[str, Any] = {
        "org_id": d.world.town_a.id,
        "title": "甲镇山洪灾害实战化演练",
        "type": "full_scale",
        "scope": "county_comprehensive",
        "plan_id": d.plan["id"],
        "plan_version": 1,
        "level": "IV",
        "scenario": "强降雨引发山洪，甲村群众需紧急转移。",
        "location": "甲村村委会",
        "start_at": start.isoformat(),
        "end_at": (start + timedelta(hours=3)).isoformat(),
        "org_ids": [d.world.town_a.id, d.world.village_a.id],
        "team_ids": [d.team_a.id],
        "person_ids": [p.id for p in d.people],
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
    return r.json() if r.content and "json" in r.headers["content-type"] else r.text
