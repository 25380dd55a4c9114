"""GeoJSON (RFC 7946) feature collections of teams and depots for the map: positions as
[lon, lat], status and a stock summary in the properties."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from plans.resources.models import (
    Depot,
    Item,
    StockLevel,
    StockMovement,
    Team,
    TeamKind,
    TeamStatus,
)
from service.auth.permissions import Scope
from service.orgs.models import Org

MAX_FEATURES = 20_000


def _feature(lon: float, lat: float, properties: dict[str, Any], fid: str) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": fid,
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": properties,
    }


async def teams(
    session: AsyncSession,
    scope: Scope,
    *,
    kind: TeamKind | None = None,
    status: TeamStatus | None = None,
) -> dict[str, Any]:
    query = select(Team).join(Org, col(Org.id) == col(Team.org_id))
    query = query.where(scope.clause(col(Org.path)))
    if kind is not None:
        query = query.where(col(Team.kind) == kind)
    if status is not None:
        query = query.where(col(Team.status) == status)
    rows = (await session.exec(query.order_by(col(Team.id)).limit(MAX_FEATURES))).all()
    features = [
        _feature(
            t.lon,
            t.lat,
            {
                "kind": "team",
                "id": t.id,
                "name": t.name,
                "team_kind": t.kind,
                "status": t.status,
                "status_at": t.status_at.isoformat(),
                "headcount": t.headcount,
                "org_id": t.org_id,
                "leader_id": t.leader_id,
                "base": [t.base_lon, t.base_lat],
            },
            f"team-{t.id}",
        )
        for t in rows
    ]
    return {"type": "FeatureCollection", "features": features}


async def depots(session: AsyncSession, scope: Scope) -> dict[str, Any]:
    query = select(Depot).join(Org, col(Org.id) == col(Depot.org_id))
    rows = (
        await session.exec(
            query.where(scope.clause(col(Org.path))).order_by(col(Depot.id)).limit(MAX_FEATURES)
        )
    ).all()
    ids = [d.id for d in rows]
    sums = (
        select(
            col(StockMovement.depot_id).label("depot_id"),
            col(StockMovement.item_id).label("item_id"),
            sa.func.sum(StockMovement.quantity).label("quantity"),
        )
        .where(col(StockMovement.depot_id).in_(ids))
        .group_by(col(StockMovement.depot_id), col(StockMovement.item_id))
        .subquery()
    )
    stock = (
        await session.exec(
            select(sums.c.depot_id, Item, sums.c.quantity, StockLevel.min_level)
            .join(Item, col(Item.id) == sums.c.item_id)
            .outerjoin(
                StockLevel,
                sa.and_(
                    col(StockLevel.depot_id) == sums.c.depot_id,
                    col(StockLevel.item_id) == sums.c.item_id,
                ),
            )
            .order_by(sums.c.depot_id, col(Item.id))
        )
    ).all()
    by_depot: dict[int, list[dict[str, Any]]] = {}
    for depot_id, item, quantity, minimum in stock:
        by_depot.setdefault(depot_id, []).append(
            {
                "item_id": item.id,
                "item": item.name,
                "unit": item.unit,
                "quantity": int(quantity),
                "low": int(quantity) < int(minimum or 0),
            }
        )
    features = [
        _feature(
            d.lon,
            d.lat,
            {
                "kind": "depot",
                "id": d.id,
                "name": d.name,
                "org_id": d.org_id,
                "manager_id": d.manager_id,
                "address": d.address,
                "stock": by_depot.get(d.id or 0, []),
                "low_items": sum(1 for s in by_depot.get(d.id or 0, []) if s["low"]),
            },
            f"depot-{d.id}",
        )
        for d in rows
    ]
    return {"type": "FeatureCollection", "features": features}
