"""Every resources endpoint kind, for every role, on township A (the caller's) and B:
outside the scope 404 (or 422 for a referenced object), inside it 403 without the role."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from plans.resources.models import Depot, Item, Team
from service.auth.permissions import Role
from service.db import Database
from tests.factories import World

EVERY = set(Role)
STAFF = {Role.admin, Role.leader, Role.duty_officer}
TEAM_WRITERS = STAFF | {Role.team_leader}


@dataclass
class Things:
    team_a: int
    team_b: int
    depot_a: int
    depot_b: int
    item: int


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: Callable[[Things], str]
    allowed: set[Role]
    ok: int
    denied: int = 403
    body: Callable[[World, Things], dict[str, Any]] | None = None


def _team(org: str) -> Callable[[World, Things], dict[str, Any]]:
    return lambda w, t: {
        "name": "新队",
        "kind": "flood",
        "org_id": getattr(w, org).id,
        "base_lat": 35.0,
        "base_lon": 112.0,
    }


def _receive(depot: str) -> Callable[[World, Things], dict[str, Any]]:
    return lambda w, t: {
        "depot_id": getattr(t, depot),
        "item_id": t.item,
        "batch": "M1",
        "quantity": 5,
    }


CASES = [
    Case("list teams", "GET", lambda t: "/api/v1/teams", EVERY, 200),
    Case("read own team", "GET", lambda t: f"/api/v1/teams/{t.team_a}", EVERY, 200),
    Case("read foreign team", "GET", lambda t: f"/api/v1/teams/{t.team_b}", set(), 0, 404),
    Case(
        "create team in own",
        "POST",
        lambda t: "/api/v1/teams",
        TEAM_WRITERS,
        201,
        body=_team("town_a"),
    ),
    Case(
        "create team in foreign",
        "POST",
        lambda t: "/api/v1/teams",
        TEAM_WRITERS,
        422,
        body=_team("town_b"),
    ),
    Case(
        "status of own team",
        "POST",
        lambda t: f"/api/v1/teams/{t.team_a}/status",
        TEAM_WRITERS,
        200,
        body=lambda w, t: {"status": "standby"},
    ),
    Case(
        "status of foreign team",
        "POST",
        lambda t: f"/api/v1/teams/{t.team_b}/status",
        set(),
        0,
        404,
        body=lambda w, t: {"status": "standby"},
    ),
    Case(
        "move own team",
        "POST",
        lambda t: f"/api/v1/teams/{t.team_a}/location",
        TEAM_WRITERS,
        200,
        body=lambda w, t: {"lat": 1, "lon": 2},
    ),
    Case("delete foreign team", "DELETE", lambda t: f"/api/v1/teams/{t.team_b}", set(), 0, 404),
    Case("list experts", "GET", lambda t: "/api/v1/experts", EVERY, 200),
    Case(
        "add expert in own",
        "POST",
        lambda t: "/api/v1/experts",
        STAFF,
        201,
        body=lambda w, t: {"person_id": w.person_a.id, "specialties": ["flood"]},
    ),
    Case(
        "add expert in foreign",
        "POST",
        lambda t: "/api/v1/experts",
        STAFF,
        422,
        body=lambda w, t: {"person_id": w.person_b.id, "specialties": ["flood"]},
    ),
    Case("read own depot", "GET", lambda t: f"/api/v1/depots/{t.depot_a}", EVERY, 200),
    Case("read foreign depot", "GET", lambda t: f"/api/v1/depots/{t.depot_b}", set(), 0, 404),
    Case(
        "patch own depot",
        "PATCH",
        lambda t: f"/api/v1/depots/{t.depot_a}",
        STAFF,
        200,
        body=lambda w, t: {"address": "某路 1 号"},
    ),
    Case(
        "card of foreign depot",
        "GET",
        lambda t: f"/api/v1/depots/{t.depot_b}/card?item_id={t.item}",
        set(),
        0,
        404,
    ),
    Case("list items", "GET", lambda t: "/api/v1/stock/items", EVERY, 200),
    Case(
        "create item",
        "POST",
        lambda t: "/api/v1/stock/items",
        STAFF,
        201,
        body=lambda w, t: {"category": "救灾", "name": "棉被", "unit": "床"},
    ),
    Case("balances", "GET", lambda t: "/api/v1/stock", EVERY, 200),
    Case(
        "receive into own",
        "POST",
        lambda t: "/api/v1/stock/receive",
        STAFF,
        201,
        body=_receive("depot_a"),
    ),
    Case(
        "receive into foreign",
        "POST",
        lambda t: "/api/v1/stock/receive",
        STAFF,
        422,
        body=_receive("depot_b"),
    ),
    Case("nearest", "GET", lambda t: "/api/v1/resources/nearest?lat=35&lon=112", EVERY, 200),
]


@pytest.fixture
async def things(world: World, db: Database) -> Things:
    async with db.session() as s:
        rows: list[Any] = [
            Team(
                org_id=world.town_a.id or 0,
                name="甲队",
                kind="fire",
                base_lat=35,
                base_lon=112,
                lat=35,
                lon=112,
            ),
            Team(
                org_id=world.town_b.id or 0,
                name="乙队",
                kind="fire",
                base_lat=35,
                base_lon=112,
                lat=35,
                lon=112,
            ),
            Depot(org_id=world.town_a.id or 0, name="甲库", lat=35, lon=112),
            Depot(org_id=world.town_b.id or 0, name="乙库", lat=35, lon=112),
            Item(category="防汛", name="编织袋", unit="条"),
        ]
        s.add_all(rows)
        await s.flush()
        return Things(*(r.id for r in rows))


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
async def test_matrix(client: httpx.AsyncClient, world: World, things: Things, role: Role) -> None:
    """Every case for one role (one app per role: the cases do not disturb each other)."""
    wrong = []
    for case in CASES:
        response = await client.request(
            case.method,
            case.path(things),
            json=case.body(world, things) if case.body else None,
            headers=world.headers(role),
        )
        expected = case.ok if role in case.allowed else case.denied
        if response.status_code != expected:
            wrong.append((case.name, expected, response.status_code, response.text[:200]))
        elif expected >= 400:
            assert response.headers["content-type"].startswith("application/problem+json")
    assert not wrong, wrong
