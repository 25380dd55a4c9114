"""Two depots in township A, one in township B, a catalogue of three items."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from plans.resources.models import Depot, Item
from service.auth.permissions import Role
from service.db import Database
from tests.factories import World, bearer


@dataclass
class Stores:
    world: World
    depot_a: Depot
    depot_a2: Depot
    depot_b: Depot
    sandbags: Item
    pumps: Item
    tents: Item

    @property
    def officer(self) -> dict[str, str]:
        return self.world.headers(Role.duty_officer)

    @property
    def admin(self) -> dict[str, str]:
        return bearer(self.world.root_admin)


async def ledger_rows(db: Database) -> list[tuple[Any, ...]]:
    from sqlmodel import col, select

    from plans.resources.models import StockMovement

    async with db.session(write=False) as s:
        rows = await s.exec(
            select(
                StockMovement.kind,
                StockMovement.depot_id,
                StockMovement.lot_id,
                StockMovement.quantity,
            ).order_by(col(StockMovement.id))
        )
        return [tuple(r) for r in rows.all()]


@pytest.fixture
async def stores(world: World, db: Database) -> Stores:
    async with db.session() as s:
        depot_a = Depot(org_id=world.town_a.id or 0, name="甲镇储备点", lat=35.5, lon=112.5)
        depot_a2 = Depot(org_id=world.town_a.id or 0, name="甲镇二号库", lat=35.52, lon=112.52)
        depot_b = Depot(org_id=world.town_b.id or 0, name="乙镇储备点", lat=35.3, lon=112.3)
        sandbags = Item(category="防汛", name="编织袋", spec="50×80cm", unit="条")
        pumps = Item(category="防汛", name="潜水泵", spec="", unit="台")
        tents = Item(category="救灾", name="帐篷", spec="12㎡", unit="顶")
        s.add_all([depot_a, depot_a2, depot_b, sandbags, pumps, tents])
        await s.flush()
    return Stores(world, depot_a, depot_a2, depot_b, sandbags, pumps, tents)


async def receive(client: httpx.AsyncClient, stores: Stores, **body: Any) -> httpx.Response:
    payload = {
        "depot_id": stores.depot_a.id,
        "item_id": stores.sandbags.id,
        "batch": "B1",
        "quantity": 100,
        **body,
    }
    return await client.post("/api/v1/stock/receive", json=payload, headers=stores.officer)
