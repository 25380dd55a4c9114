"""Every resources route under one router: teams, experts, depots, stock, nearest."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from plans.resources import nearest
from plans.resources.common import READ
from plans.resources.models import TeamKind, TeamStatus
from plans.resources.router_stock import router as depots_router
from plans.resources.router_stock import stock_router
from plans.resources.router_teams import experts_router
from plans.resources.router_teams import router as teams_router
from service.deps import CurrentUser, SessionDep
from service.errors import Invalid
from service.schemas import MAX_ID, Latitude, Longitude

router = APIRouter()
resources_router = APIRouter(prefix="/resources", tags=["resources"])


@resources_router.get("/nearest")
async def nearest_resources(
    session: SessionDep,
    user: CurrentUser,
    lat: Annotated[Latitude, Query()],
    lon: Annotated[Longitude, Query()],
    kind: Literal["team", "depot"] = "team",
    limit: Annotated[int, Query(ge=1, le=200)] = 10,
    type: Annotated[list[TeamKind] | None, Query(description="team types")] = None,
    status: Annotated[list[TeamStatus] | None, Query(description="team statuses")] = None,
    item_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    min_qty: Annotated[int | None, Query(ge=1, le=10**12)] = None,
) -> dict[str, Any]:
    """Teams or depots by geodesic distance from (lat, lon), each with ``distance_km``."""
    scope = user.scope(READ)
    if kind == "team":
        for name, value in (("item_id", item_id), ("min_qty", min_qty)):
            if value is not None:
                raise Invalid.field(name, "filter_kind", kind=kind)
        data = await nearest.nearest_teams(
            session, scope, lat, lon, limit=limit, kinds=type, statuses=status
        )
    else:
        for name, given in (("type", bool(type)), ("status", bool(status))):
            if given:
                raise Invalid.field(name, "filter_kind", kind=kind)
        data = await nearest.nearest_depots(
            session, scope, lat, lon, limit=limit, item_id=item_id, min_qty=min_qty
        )
    return {"kind": kind, "lat": lat, "lon": lon, "data": data, "count": len(data)}


for part in (teams_router, experts_router, depots_router, stock_router, resources_router):
    router.include_router(part)
