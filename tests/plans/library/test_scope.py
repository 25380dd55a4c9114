"""Every plan route for every role of township A, on A's plan and on B's: another org's
plan answers 404 (its existence does not leak); inside the scope, a role without the
permission gets 403."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from service.auth.permissions import Role
from service.db import Database
from tests.factories import bearer, make_user
from tests.plans.library.conftest import API, Library, plan_body

STAFF = {Role.admin, Role.leader, Role.duty_officer}
APPROVERS = {Role.admin, Role.leader}
EVERY = set(Role)

# (method, path under the plan, body, roles allowed, status when allowed)
ROUTES: list[tuple[str, str, Any, set[Role], int]] = [
    ("GET", "", None, EVERY, 200),
    ("GET", "/versions", None, EVERY, 200),
    ("GET", "/versions/1", None, EVERY, 200),
    ("GET", "/versions/1/print", None, EVERY, 200),
    ("GET", "/versions/1/attachments", None, EVERY, 200),
    ("GET", "/versions/1/diff?against=1", None, EVERY, 200),
    ("PATCH", "", {"title": "新标题"}, STAFF, 200),
    ("PATCH", "/versions/1", {"change_note": "改"}, STAFF, 200),
    ("POST", "/versions/1/withdraw", {"reason": "作废"}, STAFF, 200),
]


@pytest.mark.parametrize("role", list(Role))
async def test_plan_routes_by_role_and_scope(
    client: httpx.AsyncClient, library: Library, db: Database, role: Role
) -> None:
    w = library.world
    async with db.session() as s:
        user = await make_user(s, f"scope-{role}", [role], w.town_a)
    headers = bearer(user)
    root = library.h("root")
    for method, path, body, allowed, ok in ROUTES:
        own = (await client.post(API, json=plan_body(w.town_a.id or 0), headers=root)).json()
        foreign = (await client.post(API, json=plan_body(w.town_b.id or 0), headers=root)).json()
        r = await client.request(method, f"{API}/{own['id']}{path}", json=body, headers=headers)
        expected = ok if role in allowed else 403
        assert r.status_code == expected, (role, method, path, r.text)
        r = await client.request(method, f"{API}/{foreign['id']}{path}", json=body, headers=headers)
        assert r.status_code == 404, (role, method, path, r.text)
    # creating in another org's subtree: unknown org (422), never created
    r = await client.post(API, json=plan_body(w.town_b.id or 0), headers=headers)
    assert r.status_code == (422 if role in STAFF else 403)
    # approving: leaders and admins only
    own = (await client.post(API, json=plan_body(w.town_a.id or 0), headers=root)).json()
    await client.post(f"{API}/{own['id']}/versions/1/submit", headers=root)
    r = await client.post(f"{API}/{own['id']}/versions/1/approve", headers=headers)
    assert r.status_code == (200 if role in APPROVERS else 403), r.text
