"""Bodies and waits shared by the incident tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.factories import World

API = "/api/v1/incidents"


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


def incident_body(world: World, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "甲镇某煤矿瓦斯涌出",
        "type": "mine",
        "org_id": world.town_a.id,
        "lat": 35.51,
        "lon": 112.49,
        "address": "甲镇某煤矿 3 号井",
        "occurred_at": ago(minutes=20),
        "reported_at": ago(minutes=10),
    }
    body.update(changes)
    return body
