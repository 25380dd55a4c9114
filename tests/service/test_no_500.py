"""Every route of the roster, warnings, incidents, plans and drills, hit with junk: never a
500."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI

from tests.factories import World, bearer

JUNK_BODIES: list[object] = [
    None,
    {},
    [],
    "x",
    {"org_id": "x", "person_id": -1, "start_at": "yesterday", "people": "a"},
    {"org_id": 2**63, "post_id": 2**63, "person_id": 2**63, "shift_id": 2**63},
    {"name": "a\u0000b", "notes": "\u0000", "title": "x" * 100_000},
    {"changeovers": ["24:00", "aa:bb"], "kind": "nope", "level": "purple", "hazard": 3},
    {"start_date": "0000-01-01", "end_date": "99999-01-01", "period_days": 10**12},
    {"content": {"levels": [{"level": "V", "triggers": "x"}], "sections": [{"key": 1}]}},
    {"filing_number": "\u0000", "filing_date": "2026-02-30", "revision_triggers": [{}]},
    {
        "expires_at": "2026-13-40T25:61:00+08:00",
        "rules": [{"rule": "nope"}],
        "polygon": [[91, 181]],
    },
    {"deaths": -1, "direct_loss_yuan": "lots", "occurred_at": "2999-01-01T00:00:00Z", "lat": 91},
    {"kind": "initial", "level": "moon", "grade": "huge", "sent_to": "", "type": "x"},
]
PATH_VALUES = ["1", "99999999999999999999", "-1", "abc"]
PREFIXES = (
    "/api/v1/duty",
    "/api/v1/warnings",
    "/api/v1/incidents",
    "/api/v1/intake",
    "/api/v1/plans",
    "/api/v1/drills",
    "/api/v1/ui-config",
)
RESOURCE_PREFIXES = (
    "/api/v1/teams",
    "/api/v1/experts",
    "/api/v1/depots",
    "/api/v1/stock",
    "/api/v1/resources",
)
RESOURCE_BODIES: list[object] = [
    *JUNK_BODIES,
    {"depot_id": 1, "item_id": 1, "quantity": 10**13, "batch": "x" * 61},
    {"depot_id": 2**31, "lot_id": -1, "quantity": "1e400", "reason": ""},
    {"from_depot_id": 1, "to_depot_id": 1, "item_id": 1, "quantity": 1.5},
    {"base_lat": "nan", "base_lon": "1e309", "kind": "fire", "equipment": [{"name": 1}]},
    {"lat": 90.0001, "lon": -180.0001, "status": "lost", "specialties": []},
]


def routes(app: FastAPI, prefixes: tuple[str, ...] = PREFIXES) -> list[tuple[str, str]]:
    """(method, path template) of every documented route under ``prefixes``."""
    return [
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith(prefixes)
        for method in operations
    ]


async def test_junk_to_resources_never_gives_a_500(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    headers = bearer(world.root_admin)
    seen = routes(app, RESOURCE_PREFIXES)
    assert len(seen) > 30
    failures = []
    for method, template in seen:
        for value in PATH_VALUES:
            path = re.sub(r"\{[^}]+\}", value, template)
            for body in RESOURCE_BODIES if method in ("POST", "PUT", "PATCH") else [None]:
                for query in (
                    "",
                    "?lat=91&lon=x&kind=ship&limit=0&item_id=abc&min_qty=-1",
                    "?lat=0&lon=0&kind=depot&item_id=1&min_qty=1&type=fire&low=maybe",
                ):
                    r = await client.request(method, path + query, json=body, headers=headers)
                    if r.status_code >= 500:
                        failures.append((method, path + query, body, r.status_code, r.text[:200]))
    assert not failures, failures[:5]


@pytest.mark.parametrize("prefix", PREFIXES)  # one test per domain: each has its own timeout
async def test_junk_never_gives_a_500(
    app: FastAPI, client: httpx.AsyncClient, world: World, prefix: str
) -> None:
    headers = bearer(world.root_admin)
    seen = routes(app, (prefix,))
    assert len(seen) >= 1
    failures = []
    for method, template in seen:
        for value in PATH_VALUES:
            path = re.sub(r"\{[^}]+\}", value, template)
            for body in JUNK_BODIES if method in ("POST", "PUT", "PATCH") else [None]:
                for query in (
                    "",
                    "?org_id=abc&month=2026-99&start=x&at=0000-00-00",
                    "?org_id=1&month=2026-01&dry_run=maybe",
                    "?against=abc&within_days=-1&hazard=x&q=%00",
                ):
                    r = await client.request(method, path + query, json=body, headers=headers)
                    if r.status_code >= 500:
                        failures.append((method, path + query, body, r.status_code, r.text[:200]))
    assert not failures, failures[:5]


@pytest.mark.parametrize("body", [b"\x00\x01\x02", b"PK\x03\x04" + b"\x00" * 100, b"<a>" * 10_000])
async def test_junk_files_never_give_a_500(
    client: httpx.AsyncClient, world: World, body: bytes
) -> None:
    headers = bearer(world.root_admin)
    for path in (
        f"/api/v1/duty/import?org_id={world.town_a.id}&month=2026-12",
        f"/api/v1/duty/import?org_id={world.town_a.id}&month=2026-12&dry_run=false",
        f"/api/v1/warnings/import-cap?org_id={world.county.id}",
        "/api/v1/plans/1/versions/1/attachments",
        *(f"/api/v1/resources/import?what={w}&dry_run=false" for w in ("teams", "stock")),
    ):
        r = await client.post(path, content=body, headers=headers)
        assert r.status_code < 500, (path, r.text)
