"""Reading the ledger: balances, lots, movements and the stock card; minimum levels."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from plans.resources import depots, jobs
from plans.resources.common import READ, may_write, record
from plans.resources.models import Depot, Item, StockLevel, StockLot, StockMovement
from plans.resources.schemas import (
    BalanceRead,
    CardLine,
    LevelWrite,
    LotRead,
    MovementKind,
    StockCard,
)
from plans.resources.stock import WRITE, lock_level
from service.auth.permissions import Principal, Scope
from service.orgs.models import Org

TOTAL = sa.func.coalesce(sa.func.sum(StockMovement.quantity), 0)


def _in_scope(scope: Scope) -> Any:
    return (
        select(Depot.id)
        .join(Org, col(Org.id) == col(Depot.org_id))
        .where(scope.clause(col(Org.path)))
    )


async def balances(
    session: AsyncSession,
    scope: Scope,
    *,
    depot_id: int | None,
    item_id: int | None,
    low: bool | None,
    limit: int,
    offset: int,
) -> tuple[list[BalanceRead], int]:
    """Balance per depot and item (sums over the ledger), with the minimum level."""
    sums = (
        select(
            col(StockMovement.depot_id).label("depot_id"),
            col(StockMovement.item_id).label("item_id"),
            sa.func.sum(StockMovement.quantity).label("quantity"),
        )
        .where(col(StockMovement.depot_id).in_(_in_scope(scope)))
        .group_by(col(StockMovement.depot_id), col(StockMovement.item_id))
        .subquery()
    )
    quantity = sa.func.coalesce(sums.c.quantity, 0)
    query = (
        select(StockLevel, Item, quantity)
        .join(Item, col(Item.id) == col(StockLevel.item_id))
        .outerjoin(
            sums,
            sa.and_(
                sums.c.depot_id == col(StockLevel.depot_id),
                sums.c.item_id == col(StockLevel.item_id),
            ),
        )
        .where(col(StockLevel.depot_id).in_(_in_scope(scope)))
    )
    if depot_id is not None:
        query = query.where(col(StockLevel.depot_id) == depot_id)
    if item_id is not None:
        query = query.where(col(StockLevel.item_id) == item_id)
    if low is not None:
        below = quantity < col(StockLevel.min_level)
        query = query.where(below if low else sa.not_(below))
    total = await session.scalar(select(sa.func.count()).select_from(query.subquery()))
    rows = (
        await session.exec(
            query.order_by(col(StockLevel.depot_id), col(StockLevel.item_id))
            .limit(limit)
            .offset(offset)
        )
    ).all()
    return [
        BalanceRead(
            depot_id=level.depot_id,
            item_id=level.item_id,
            item=item.name,
            unit=item.unit,
            quantity=int(q),
            min_level=level.min_level,
            low=int(q) < level.min_level,
        )
        for level, item, q in rows
    ], int(total or 0)


async def lots(
    session: AsyncSession,
    scope: Scope,
    *,
    depot_id: int | None,
    item_id: int | None,
    expires_before: Any,
    empty: bool,
    limit: int,
    offset: int,
) -> tuple[list[LotRead], int]:
    query = (
        select(StockLot, TOTAL)
        .outerjoin(StockMovement, col(StockMovement.lot_id) == col(StockLot.id))
        .where(col(StockLot.depot_id).in_(_in_scope(scope)))
        .group_by(col(StockLot.id))
    )
    if depot_id is not None:
        query = query.where(col(StockLot.depot_id) == depot_id)
    if item_id is not None:
        query = query.where(col(StockLot.item_id) == item_id)
    if expires_before is not None:
        query = query.where(col(StockLot.expiry_date) < expires_before)
    if not empty:
        query = query.having(TOTAL > 0)
    total = await session.scalar(select(sa.func.count()).select_from(query.subquery()))
    rows = (
        await session.exec(
            query.order_by(
                col(StockLot.expiry_date).is_(None), col(StockLot.expiry_date), col(StockLot.id)
            )
            .limit(limit)
            .offset(offset)
        )
    ).all()
    found = [LotRead.model_validate(lot).model_copy(update={"quantity": int(q)}) for lot, q in rows]
    return found, int(total or 0)


async def movements(
    session: AsyncSession,
    scope: Scope,
    *,
    depot_id: int | None,
    item_id: int | None,
    kind: MovementKind | None,
    incident_ref: str | None,
    limit: int,
    offset: int,
) -> tuple[list[StockMovement], int]:
    query = select(StockMovement).where(col(StockMovement.depot_id).in_(_in_scope(scope)))
    if depot_id is not None:
        query = query.where(col(StockMovement.depot_id) == depot_id)
    if item_id is not None:
        query = query.where(col(StockMovement.item_id) == item_id)
    if kind is not None:
        query = query.where(col(StockMovement.kind) == kind)
    if incident_ref:
        query = query.where(col(StockMovement.incident_ref) == incident_ref)
    total = await session.scalar(select(sa.func.count()).select_from(query.subquery()))
    rows = (
        await session.exec(query.order_by(col(StockMovement.id)).limit(limit).offset(offset))
    ).all()
    return list(rows), int(total or 0)


async def card(
    session: AsyncSession, depot: Depot, item: Item, *, limit: int, offset: int
) -> StockCard:
    """The stock card (物资台账卡): every movement with the balance after it."""
    running = (
        select(
            StockMovement,
            StockLot.batch,
            sa.func.sum(StockMovement.quantity)
            .over(order_by=col(StockMovement.id))
            .label("balance"),
        )
        .join(StockLot, col(StockLot.id) == col(StockMovement.lot_id))
        .where(StockMovement.depot_id == depot.id, StockMovement.item_id == item.id)
    )
    count = int(
        await session.scalar(
            select(sa.func.count()).where(
                StockMovement.depot_id == depot.id, StockMovement.item_id == item.id
            )
        )
        or 0
    )
    closing = await jobs.balance(session, depot.id or 0, item.id or 0)
    rows = (
        await session.exec(running.order_by(col(StockMovement.id)).limit(limit).offset(offset))
    ).all()
    lines = [
        CardLine(
            id=m.id or 0,
            at=m.at,
            kind=m.kind,
            lot_id=m.lot_id,
            batch=batch,
            quantity=m.quantity,
            balance=int(balance),
            reason=m.reason,
            incident_ref=m.incident_ref,
            counterpart_depot_id=m.counterpart_depot_id,
        )
        for m, batch, balance in rows
    ]
    opening = lines[0].balance - lines[0].quantity if lines else closing
    return StockCard(
        depot_id=depot.id or 0,
        item_id=item.id or 0,
        item=item.name,
        unit=item.unit,
        opening=opening,
        closing=closing,
        lines=lines,
        count=count,
    )


async def set_level(session: AsyncSession, actor: Principal, data: LevelWrite) -> BalanceRead:
    depot, org = await depots.referenced(session, actor.scope(READ), data.depot_id, "depot_id")
    may_write(actor, org, WRITE)
    item = await depots.get_item(session, data.item_id, "item_id")
    level = await lock_level(session, depot.id or 0, item.id or 0)
    before = {"min_level": level.min_level}
    level.min_level = data.min_level
    session.add(level)
    await session.flush()
    quantity = await jobs.balance(session, depot.id or 0, item.id or 0)
    after = {"depot_id": depot.id, "item_id": item.id, "min_level": level.min_level}
    await record(session, actor, org, "stock_level", "updated", level.id, before, after)
    await jobs.check_level(session, depot, org, item, level, quantity)
    return BalanceRead(
        depot_id=depot.id or 0,
        item_id=item.id or 0,
        item=item.name,
        unit=item.unit,
        quantity=quantity,
        min_level=level.min_level,
        low=quantity < level.min_level,
    )
