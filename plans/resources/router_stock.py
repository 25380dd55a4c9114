"""``/api/v1/depots`` and ``/api/v1/stock``: depots, the catalogue, the ledger."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from plans.resources import depots, ledger, stock
from plans.resources.common import READ
from plans.resources.models import Depot, MovementKind
from plans.resources.schemas import (
    Adjust,
    BalanceRead,
    DepotCreate,
    DepotRead,
    DepotUpdate,
    Dispatch,
    Issue,
    ItemCreate,
    ItemRead,
    ItemUpdate,
    LevelWrite,
    LotRead,
    MovementRead,
    OperationRead,
    Receive,
    StockCard,
    Transfer,
    WriteOff,
)
from service.deps import CurrentUser, PageDep, PathId, QueryId, SessionDep, require
from service.orgs.models import Org
from service.schemas import MAX_ID, Day, Page

router = APIRouter(prefix="/depots", tags=["depots"])
stock_router = APIRouter(prefix="/stock", tags=["stock"])
WRITE = [require("stock.write")]


async def current_depot(
    session: SessionDep, user: CurrentUser, depot_id: PathId
) -> tuple[Depot, Org]:
    return await depots.get_visible(session, user.scope(READ), depot_id)


CurrentDepot = Annotated[tuple[Depot, Org], Depends(current_depot)]


@router.get("", response_model=Page[DepotRead])
async def list_depots(
    session: SessionDep, user: CurrentUser, page: PageDep, org_id: QueryId = None
) -> Page[DepotRead]:
    rows, count = await depots.search(
        session, user.scope(READ), org_id=org_id, limit=page.limit, offset=page.offset
    )
    return Page(data=[DepotRead.model_validate(r) for r in rows], count=count)


@router.post(
    "", response_model=DepotRead, status_code=201, dependencies=[require("resource.write")]
)
async def create_depot(session: SessionDep, user: CurrentUser, data: DepotCreate) -> DepotRead:
    return DepotRead.model_validate(await depots.create(session, user, data))


@router.get("/{depot_id}", response_model=DepotRead)
async def get_depot(current: CurrentDepot) -> DepotRead:
    return DepotRead.model_validate(current[0])


@router.patch("/{depot_id}", response_model=DepotRead)
async def update_depot(
    session: SessionDep, user: CurrentUser, current: CurrentDepot, data: DepotUpdate
) -> DepotRead:
    return DepotRead.model_validate(await depots.update(session, user, *current, data))


@router.delete("/{depot_id}", status_code=204)
async def delete_depot(session: SessionDep, user: CurrentUser, current: CurrentDepot) -> None:
    await depots.delete(session, user, *current)


@router.get("/{depot_id}/card", response_model=StockCard)
async def stock_card(
    session: SessionDep,
    current: CurrentDepot,
    item_id: Annotated[int, Query(ge=1, le=MAX_ID)],
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> StockCard:
    """The stock card of one item in this depot: each movement with the balance after it."""
    item = await depots.get_item(session, item_id, "item_id")
    return await ledger.card(session, current[0], item, limit=limit, offset=offset)


@stock_router.get("/items", response_model=Page[ItemRead])
async def list_items(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    category: Annotated[str | None, Query(max_length=40)] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> Page[ItemRead]:
    rows, count = await depots.items(
        session, category=category, q=q, limit=page.limit, offset=page.offset
    )
    return Page(data=[ItemRead.model_validate(r) for r in rows], count=count)


@stock_router.post(
    "/items", response_model=ItemRead, status_code=201, dependencies=[require("resource.write")]
)
async def create_item(session: SessionDep, user: CurrentUser, data: ItemCreate) -> ItemRead:
    return ItemRead.model_validate(await depots.create_item(session, user, data))


@stock_router.get("/items/{item_id}", response_model=ItemRead)
async def get_item(session: SessionDep, user: CurrentUser, item_id: PathId) -> ItemRead:
    return ItemRead.model_validate(await depots.get_item(session, item_id))


@stock_router.patch(
    "/items/{item_id}", response_model=ItemRead, dependencies=[require("resource.write")]
)
async def update_item(
    session: SessionDep, user: CurrentUser, item_id: PathId, data: ItemUpdate
) -> ItemRead:
    item = await depots.get_item(session, item_id)
    return ItemRead.model_validate(await depots.update_item(session, user, item, data))


@stock_router.get("", response_model=Page[BalanceRead])
async def list_balances(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    depot_id: QueryId = None,
    item_id: QueryId = None,
    low: bool | None = None,
) -> Page[BalanceRead]:
    """Balances per depot and item, summed from the ledger."""
    rows, count = await ledger.balances(
        session,
        user.scope(READ),
        depot_id=depot_id,
        item_id=item_id,
        low=low,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(data=rows, count=count)


@stock_router.get("/lots", response_model=Page[LotRead])
async def list_lots(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    depot_id: QueryId = None,
    item_id: QueryId = None,
    expires_before: Annotated[Day | None, Query()] = None,
    empty: bool = False,
) -> Page[LotRead]:
    rows, count = await ledger.lots(
        session,
        user.scope(READ),
        depot_id=depot_id,
        item_id=item_id,
        expires_before=expires_before,
        empty=empty,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(data=rows, count=count)


@stock_router.get("/movements", response_model=Page[MovementRead])
async def list_movements(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    depot_id: QueryId = None,
    item_id: QueryId = None,
    kind: Annotated[MovementKind | None, Query()] = None,
    incident_ref: Annotated[str | None, Query(max_length=100)] = None,
) -> Page[MovementRead]:
    rows, count = await ledger.movements(
        session,
        user.scope(READ),
        depot_id=depot_id,
        item_id=item_id,
        kind=kind,
        incident_ref=incident_ref,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(data=[MovementRead.model_validate(r) for r in rows], count=count)


@stock_router.put("/levels", response_model=BalanceRead, dependencies=WRITE)
async def set_level(session: SessionDep, user: CurrentUser, data: LevelWrite) -> BalanceRead:
    """The minimum level of an item in a depot (below it: low stock)."""
    return await ledger.set_level(session, user, data)


@stock_router.post("/receive", response_model=OperationRead, status_code=201, dependencies=WRITE)
async def receive(session: SessionDep, user: CurrentUser, data: Receive) -> OperationRead:
    return await stock.receive(session, user, data)


@stock_router.post("/issue", response_model=OperationRead, status_code=201, dependencies=WRITE)
async def issue(session: SessionDep, user: CurrentUser, data: Issue) -> OperationRead:
    return await stock.issue(session, user, data)


@stock_router.post("/dispatch", response_model=OperationRead, status_code=201, dependencies=WRITE)
async def dispatch(session: SessionDep, user: CurrentUser, data: Dispatch) -> OperationRead:
    """Out of a depot to an incident (``incident_ref``: the incident's reference)."""
    return await stock.issue(session, user, data)


@stock_router.post("/transfer", response_model=OperationRead, status_code=201, dependencies=WRITE)
async def transfer(session: SessionDep, user: CurrentUser, data: Transfer) -> OperationRead:
    return await stock.transfer(session, user, data)


@stock_router.post("/adjust", response_model=OperationRead, status_code=201, dependencies=WRITE)
async def adjust(session: SessionDep, user: CurrentUser, data: Adjust) -> OperationRead:
    return await stock.adjust(session, user, data)


@stock_router.post("/write-off", response_model=OperationRead, status_code=201, dependencies=WRITE)
async def write_off(session: SessionDep, user: CurrentUser, data: WriteOff) -> OperationRead:
    return await stock.write_off(session, user, data)
