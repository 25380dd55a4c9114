"""Every endpoint of the foundation, for every role, on the caller's own township (A)
and on a foreign one (B). Outside the scope the answer is 404 (existence does not
leak); inside it, a role without the permission gets 403."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from service.auth.models import RoleGrant
from service.auth.permissions import Role
from service.db import Database
from tests.factories import World, bearer, make_user

ADMIN = {Role.admin}
STAFF = {Role.admin, Role.leader, Role.duty_officer}
EVERY = set(Role)


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: Callable[[World], str]
    allowed: set[Role]
    ok: int
    denied: int = 403  # for roles not in ``allowed``
    body: Callable[[World], dict[str, Any]] | None = None
    params: Callable[[World], dict[str, Any]] | None = None


def _person(org: str) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"name": "测某", "org_id": getattr(w, org).id, "phones": ["13900009999"]}


def _user(org: str) -> Callable[[World], dict[str, Any]]:
    return lambda w: {
        "username": "new-user",
        "password": "long-enough-1",
        "grants": [{"role": "viewer", "org_id": getattr(w, org).id}],
        "org_id": getattr(w, org).id,
    }


DRILLS = STAFF | {Role.drill_coordinator}


def _drill(org: str) -> Callable[[World], dict[str, Any]]:
    return lambda w: {
        "org_id": getattr(w, org).id,
        "title": "桌面推演",
        "type": "tabletop",
        "scope": "township",
        "start_at": "2030-05-01T09:00:00+08:00",
        "end_at": "2030-05-01T11:00:00+08:00",
    }


CASES = [
    # orgs
    Case("read own org", "GET", lambda w: f"/api/v1/orgs/{w.town_a.id}", EVERY, 200),
    Case("read foreign org", "GET", lambda w: f"/api/v1/orgs/{w.town_b.id}", set(), 0, 404),
    Case(
        "patch own org",
        "PATCH",
        lambda w: f"/api/v1/orgs/{w.village_a.id}",
        ADMIN,
        200,
        body=lambda w: {"name": "改名村"},
    ),
    Case(
        "patch foreign org",
        "PATCH",
        lambda w: f"/api/v1/orgs/{w.village_b.id}",
        set(),
        0,
        404,
        body=lambda w: {"name": "改名村"},
    ),
    Case(
        "create org in own",
        "POST",
        lambda w: "/api/v1/orgs",
        ADMIN,
        201,
        body=lambda w: {"name": "新村", "kind": "village", "parent_id": w.town_a.id},
    ),
    Case(
        "create org in foreign",
        "POST",
        lambda w: "/api/v1/orgs",
        ADMIN,
        422,
        body=lambda w: {"name": "新村", "kind": "village", "parent_id": w.town_b.id},
    ),
    Case(
        "create top-level org",
        "POST",
        lambda w: "/api/v1/orgs",
        set(),
        0,
        body=lambda w: {"name": "新县", "kind": "county"},
    ),
    Case("delete own org", "DELETE", lambda w: f"/api/v1/orgs/{w.village_a.id}", ADMIN, 204),
    Case("delete foreign org", "DELETE", lambda w: f"/api/v1/orgs/{w.village_b.id}", set(), 0, 404),
    # people
    Case("list people", "GET", lambda w: "/api/v1/people", EVERY, 200),
    Case("read own person", "GET", lambda w: f"/api/v1/people/{w.person_a.id}", EVERY, 200),
    Case("read foreign person", "GET", lambda w: f"/api/v1/people/{w.person_b.id}", set(), 0, 404),
    Case(
        "create person in own",
        "POST",
        lambda w: "/api/v1/people",
        STAFF,
        201,
        body=_person("town_a"),
    ),
    Case(
        "create person in foreign",
        "POST",
        lambda w: "/api/v1/people",
        STAFF,
        422,
        body=_person("town_b"),
    ),
    Case(
        "patch own person",
        "PATCH",
        lambda w: f"/api/v1/people/{w.person_a.id}",
        STAFF,
        200,
        body=lambda w: {"title": "副镇长"},
    ),
    Case(
        "patch foreign person",
        "PATCH",
        lambda w: f"/api/v1/people/{w.person_b.id}",
        set(),
        0,
        404,
        body=lambda w: {"title": "副镇长"},
    ),
    Case("delete own person", "DELETE", lambda w: f"/api/v1/people/{w.person_a.id}", STAFF, 204),
    Case(
        "delete foreign person",
        "DELETE",
        lambda w: f"/api/v1/people/{w.person_b.id}",
        set(),
        0,
        404,
    ),
    # users
    Case("list users", "GET", lambda w: "/api/v1/users", ADMIN, 200),
    Case(
        "read own user", "GET", lambda w: f"/api/v1/users/{w.users_a[Role.viewer].id}", ADMIN, 200
    ),
    Case("read foreign user", "GET", lambda w: f"/api/v1/users/{w.user_b.id}", ADMIN, 404),
    Case("create user in own", "POST", lambda w: "/api/v1/users", ADMIN, 201, body=_user("town_a")),
    Case(
        "create user in foreign",
        "POST",
        lambda w: "/api/v1/users",
        ADMIN,
        422,
        body=_user("town_b"),
    ),
    Case(
        "patch own user",
        "PATCH",
        lambda w: f"/api/v1/users/{w.users_a[Role.viewer].id}",
        ADMIN,
        200,
        body=lambda w: {"is_active": False},
    ),
    Case(
        "patch foreign user",
        "PATCH",
        lambda w: f"/api/v1/users/{w.user_b.id}",
        ADMIN,
        404,
        body=lambda w: {"is_active": False},
    ),
    Case(
        "delete own user",
        "DELETE",
        lambda w: f"/api/v1/users/{w.users_a[Role.viewer].id}",
        ADMIN,
        204,
    ),
    Case("delete foreign user", "DELETE", lambda w: f"/api/v1/users/{w.user_b.id}", ADMIN, 404),
    # audit, events, self
    Case("audit", "GET", lambda w: "/api/v1/audit", ADMIN, 200),
    Case("events", "GET", lambda w: "/api/v1/events", EVERY, 200),
    Case("me", "GET", lambda w: "/api/v1/auth/me", EVERY, 200),
    Case("own api tokens", "GET", lambda w: "/api/v1/auth/api-tokens", EVERY, 200),
    # drills: scheduled by staff and drill coordinators, only in their own subtree
    Case(
        "create drill in own",
        "POST",
        lambda w: "/api/v1/drills",
        DRILLS,
        201,
        body=_drill("town_a"),
    ),
    Case(
        "create drill in foreign",
        "POST",
        lambda w: "/api/v1/drills",
        DRILLS,
        422,
        body=_drill("town_b"),
    ),
    Case("drills", "GET", lambda w: "/api/v1/drills", EVERY, 200),
]


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_matrix(client: httpx.AsyncClient, world: World, case: Case, role: Role) -> None:
    response = await client.request(
        case.method,
        case.path(world),
        headers=world.headers(role),
        json=case.body(world) if case.body else None,
        params=case.params(world) if case.params else None,
    )
    expected = case.ok if role in case.allowed else case.denied
    assert response.status_code == expected, response.text
    if expected >= 400:
        assert response.headers["content-type"] == "application/problem+json"


async def test_lists_hold_only_the_callers_scope(client: httpx.AsyncClient, world: World) -> None:
    admin_a = world.headers(Role.admin)
    orgs = (await client.get("/api/v1/orgs", headers=admin_a)).json()
    assert {o["name"] for o in orgs["data"]} == {"甲镇", "甲村"} and orgs["count"] == 2
    people = (await client.get("/api/v1/people", headers=admin_a)).json()
    assert {p["name"] for p in people["data"]} == {"甲某甲"}
    users = (await client.get("/api/v1/users", headers=admin_a)).json()
    assert all(u["org_id"] == world.town_a.id for u in users["data"]) and users["count"] == 6
    events = (await client.get("/api/v1/events", headers=admin_a)).json()
    assert events["count"] > 0
    visible = {world.town_a.id, world.village_a.id}
    assert all(e["org_id"] in visible for e in events["data"])
    audit = (await client.get("/api/v1/audit", headers=admin_a)).json()
    assert audit["count"] > 0 and all(a["org_id"] in visible for a in audit["data"])


async def test_a_scoped_admin_cannot_grant_beyond_their_scope(
    client: httpx.AsyncClient, world: World
) -> None:
    admin_a = world.headers(Role.admin)
    everywhere = await client.post(
        "/api/v1/users",
        headers=admin_a,
        json={
            "username": "too-wide",
            "password": "long-enough-1",
            "org_id": world.town_a.id,
            "grants": [{"role": "admin", "org_id": None}],
        },
    )
    assert everywhere.status_code == 403 and everywhere.json()["code"] == "grant_out_of_scope"
    county = await client.post(
        "/api/v1/users",
        headers=admin_a,
        json={
            "username": "too-wide",
            "password": "long-enough-1",
            "org_id": world.town_a.id,
            "grants": [{"role": "viewer", "org_id": world.county.id}],
        },
    )
    assert county.status_code == 422  # the county is not visible to a township admin
    assert county.json()["errors"][0]["field"] == "grants.0.org_id"


async def test_a_scoped_admin_cannot_take_over_a_wider_account(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    """A county admin whose home org is township A is out of township A's admin's reach."""
    async with db.session() as s:
        boss = await make_user(s, "county-boss", [Role.admin], world.town_a)
        s.add(RoleGrant(user_id=boss.id, role="admin", org_id=None))
    admin_a = world.headers(Role.admin)
    assert (await client.get(f"/api/v1/users/{boss.id}", headers=admin_a)).status_code == 404
    hijack = await client.patch(
        f"/api/v1/users/{boss.id}", headers=admin_a, json={"password": "hijacked-123"}
    )
    assert hijack.status_code == 404
    token = await client.post(
        "/api/v1/auth/api-tokens", headers=admin_a, json={"name": "x", "user_id": boss.id}
    )
    assert token.status_code == 404
    assert (await client.delete(f"/api/v1/users/{boss.id}", headers=admin_a)).status_code == 404
    listed = await client.get("/api/v1/users", headers=admin_a, params={"limit": 500})
    assert boss.id not in {u["id"] for u in listed.json()["data"]}
    root = bearer(world.root_admin)
    assert (await client.get(f"/api/v1/users/{boss.id}", headers=root)).status_code == 200
