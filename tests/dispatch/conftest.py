"""A county with rosters (leaders on duty at the county and both townships) and
responsible persons in the townships and villages, each with a login."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from rosters import rules, setup
from rosters.schemas import RotationCreate, ScheduleWrite
from service.auth.models import User
from service.auth.permissions import SYSTEM, Role
from service.db import Database
from service.orgs.models import Org
from service.people.models import Person
from tests.factories import World, bearer, make_person, make_user
from tests.plans.library.conftest import library  # noqa: F401  (plans to activate)
from tests.plans.resources.conftest import stores  # noqa: F401  (depots to dispatch from)
from tests.rosters.conftest import today


@dataclass
class County:
    world: World
    leaders: dict[str, Person]  # org key -> leader on duty there
    responsible: dict[str, list[Person]]  # org key -> responsible persons
    users: dict[int, User] = field(default_factory=dict)

    def person(self, person: Person) -> dict[str, str]:
        return bearer(self.users[person.id or 0])

    @property
    def duty(self) -> dict[str, str]:
        """A duty officer of the county's duty room."""
        return bearer(self.users[0])

    def everyone(self) -> list[Person]:
        return [*self.leaders.values(), *(p for ps in self.responsible.values() for p in ps)]


async def _roster(s: Any, org: Org, leader: Person, officer: Person) -> None:
    schedule = await setup.set_schedule(s, SYSTEM, org, ScheduleWrite(changeovers=["08:30"]))
    posts = {p.key: p.id for p in schedule.posts}
    start = today() - timedelta(days=2)
    for key, person in (("leader", leader), ("officer", officer)):
        data = RotationCreate(
            org_id=org.id or 0,
            post_id=posts[key] or 0,
            name=key,
            people=[person.id or 0],
            start_date=start,
        )
        await rules.create_rotation(s, SYSTEM, data)


@pytest.fixture
async def county(db: Database, world: World) -> County:
    orgs = {
        "county": world.county,
        "a": world.town_a,
        "b": world.town_b,
        "va": world.village_a,
        "vb": world.village_b,
    }
    leaders: dict[str, Person] = {}
    responsible: dict[str, list[Person]] = {}
    users: dict[int, User] = {}
    async with db.session() as s:
        for key in ("county", "a", "b"):
            org = orgs[key]
            leaders[key] = await make_person(s, org, f"{org.name}带班领导", tags=["带班领导"])
            officer = await make_person(s, org, f"{org.name}值班员", tags=["值班员"])
            await _roster(s, org, leaders[key], officer)
        for key, count in (("a", 1), ("va", 2), ("vb", 1)):
            responsible[key] = [
                await make_person(s, orgs[key], f"{orgs[key].name}责任人{n}", tags=["基层责任人"])
                for n in range(count)
            ]
        for key, org in orgs.items():
            people = [leaders.get(key)] if key in leaders else []
            for p in [*people, *responsible.get(key, [])]:
                if p is not None:
                    users[p.id or 0] = await make_user(s, f"u{p.id}", [Role.team_leader], org, p)
        users[0] = await make_user(s, "county-duty", [Role.duty_officer], world.county)
    return County(world, leaders, responsible, users)


def warning_body(county: County, **changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    body = {
        "org_id": county.world.county.id,
        "hazard": "rainstorm",
        "level": "orange",
        "title": "暴雨橙色预警",
        "content": "预计未来 6 小时内降雨量将达 50 毫米以上。",
        "instruction": "山洪易发区人员立即转移。",
        "source": "阳城县气象局",
        "org_ids": [county.world.town_a.id, county.world.town_b.id],
        "rules": [
            {
                "rule": "responsible_persons",
                "org_ids": [county.world.town_a.id, county.world.town_b.id],
            }
        ],
        "expires_at": (now + timedelta(hours=12)).isoformat(),
    }
    body.update(changes)
    return body


async def issue(client: httpx.AsyncClient, county: County, **changes: Any) -> dict[str, Any]:
    r = await client.post(
        "/api/v1/warnings", json=warning_body(county, **changes), headers=county.duty
    )
    assert r.status_code == 201, r.text
    return r.json()
