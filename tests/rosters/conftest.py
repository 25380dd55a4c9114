"""A township with a duty roster: a leader rotation and an officer rotation from today."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from service.auth.models import User
from service.auth.permissions import Role
from service.db import Database
from service.people.models import Person
from service.settings import Settings
from tests.factories import World, bearer, make_person, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")


def today() -> date:
    return datetime.now(SHANGHAI).date()


@dataclass
class Roster:
    world: World
    leaders: list[Person]
    officers: list[Person]
    posts: dict[str, int]
    users: dict[int, User] = field(default_factory=dict)  # person id -> their login

    @property
    def org_id(self) -> int:
        return self.world.town_a.id or 0

    def as_person(self, person: Person) -> dict[str, str]:
        return bearer(self.users[person.id or 0])

    @property
    def duty(self) -> dict[str, str]:
        return self.world.headers(Role.duty_officer)


async def post(client: httpx.AsyncClient, url: str, body: object, headers: dict[str, str]) -> dict:
    response = await client.post(url, json=body, headers=headers)
    assert response.status_code in (200, 201), response.text
    return response.json()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Check-in is due one second after a shift starts (a test cannot wait 15 minutes)."""
    return settings.model_copy(update={"duty_checkin_grace_s": 1})


@pytest.fixture
async def roster(db: Database, world: World, client: httpx.AsyncClient) -> Roster:
    async with db.session() as s:
        leaders = [await make_person(s, world.town_a, f"领导{n}") for n in range(3)]
        officers = [await make_person(s, world.village_a, f"值班员{n}") for n in range(2)]
        users = {}
        for p in leaders + officers:
            users[p.id or 0] = await make_user(s, f"p{p.id}", [Role.viewer], world.town_a, p)
        users[leaders[0].id or 0].id  # noqa: B018
        leader_user = await make_user(s, "approver", [Role.leader], world.town_a)
    headers = world.headers(Role.duty_officer)
    org_id = world.town_a.id
    schedule = (
        await client.put(
            f"/api/v1/duty/schedules/{org_id}", json={"changeovers": ["08:30"]}, headers=headers
        )
    ).json()
    posts = {p["key"]: p["id"] for p in schedule["posts"]}
    start = (today() - timedelta(days=3)).isoformat()
    await post(
        client,
        "/api/v1/duty/rotations",
        {
            "org_id": org_id,
            "post_id": posts["leader"],
            "name": "带班",
            "people": [p.id for p in leaders],
            "start_date": start,
        },
        headers,
    )
    await post(
        client,
        "/api/v1/duty/rotations",
        {
            "org_id": org_id,
            "post_id": posts["officer"],
            "name": "值班",
            "people": [p.id for p in officers],
            "start_date": start,
        },
        headers,
    )
    result = Roster(world, leaders, officers, posts, users)
    result.users[-1] = leader_user
    return result
