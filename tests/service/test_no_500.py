"""Every route of the roster and the warnings, hit with junk by an admin: never a 500."""

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
    {
        "expires_at": "2026-13-40T25:61:00+08:00",
        "rules": [{"rule": "nope"}],
        "polygon": [[91, 181]],
    },
]
PATH_VALUES = ["1", "99999999999999999999", "-1", "abc"]
PREFIXES = ("/api/v1/duty", "/api/v1/warnings", "/api/v1/ui-config")


def routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path template) of every documented route under ``PREFIXES``."""
    return [
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith(PREFIXES)
        for method in operations
    ]


async def test_junk_never_gives_a_500(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    headers = bearer(world.root_admin)
    seen = routes(app)
    assert len(seen) > 30
    failures = []
    for method, template in seen:
        for value in PATH_VALUES:
            path = re.sub(r"\{[^}]+\}", value, template)
            for body in JUNK_BODIES if method in ("POST", "PUT", "PATCH") else [None]:
                for query in (
                    "",
                    "?org_id=abc&month=2026-99&start=x&at=0000-00-00",
                    "?org_id=1&month=2026-01&dry_run=maybe",
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
    ):
        r = await client.post(path, content=body, headers=headers)
        assert r.status_code < 500, (path, r.text)
