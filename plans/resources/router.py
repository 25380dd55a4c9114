"""Every resources route under one router: teams, experts, depots, stock, nearest."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from plans.resources import files, maps, nearest
from plans.resources.common import READ
from plans.resources.models import TeamKind, TeamStatus
from plans.resources.router_stock import router as depots_router
from plans.resources.router_stock import stock_router
from plans.resources.router_teams import experts_router
from plans.resources.router_teams import router as teams_router
from service.deps import CurrentUser, SessionDep, ensure
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


GEOJSON = "application/geo+json"


@resources_router.get("/teams.geojson", response_class=JSONResponse)
async def teams_geojson(
    session: SessionDep,
    user: CurrentUser,
    kind: Annotated[TeamKind | None, Query()] = None,
    status: Annotated[TeamStatus | None, Query()] = None,
) -> JSONResponse:
    """Teams as a GeoJSON FeatureCollection (RFC 7946)."""
    body = await maps.teams(session, user.scope(READ), kind=kind, status=status)
    return JSONResponse(body, media_type=GEOJSON)


@resources_router.get("/depots.geojson", response_class=JSONResponse)
async def depots_geojson(session: SessionDep, user: CurrentUser) -> JSONResponse:
    """Depots with their stock summary as a GeoJSON FeatureCollection (RFC 7946)."""
    return JSONResponse(await maps.depots(session, user.scope(READ)), media_type=GEOJSON)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@resources_router.post("/import")
async def import_file(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    what: files.What,
    dry_run: bool = True,
) -> dict[str, Any]:
    """Teams, team members (people) or stock receipts from .xlsx or UTF-8 .csv (the body
    is the file). ``dry_run`` (the default) lists the good rows and every bad row with
    its line, column and reason, and keeps nothing; without it the file is imported only
    when no row is bad."""
    ensure(user, "stock.write" if what == files.What.stock else "team.write")
    body = await request.body()
    return await files.import_file(session, user, what, body, dry_run=dry_run)


@resources_router.get("/export", response_class=Response)
async def export_file(
    session: SessionDep,
    user: CurrentUser,
    what: files.What,
    format: Literal["xlsx", "csv"] = "xlsx",
) -> Response:
    """The same columns as the import, for the caller's scope."""
    body = await files.export_file(session, user, what, format)
    media = XLSX if format == "xlsx" else "text/csv; charset=utf-8"
    name = f"{what.value}.{format}"
    return Response(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


for part in (teams_router, experts_router, depots_router, stock_router, resources_router):
    router.include_router(part)
