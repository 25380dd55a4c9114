"""The stock ledger: receive, issue, dispatch, transfer, adjust and write off.

Each operation locks the ``resource_stock_level`` row of every (depot, item) it touches
(PostgreSQL: ``SELECT … FOR UPDATE``, in id order; SQLite: write transactions begin
IMMEDIATE, one writer at a time), reads the lot balances as sums over the ledger, checks,
and appends signed movements. A rule broken anywhere raises before the request commits,
so nothing of the operation stays behind.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from plans.resources import depots, jobs
from plans.resources.common import READ, may_write, record, today
from plans.resources.models import (
    Depot,
    Item,
    MovementKind,
    StockLevel,
    StockLot,
    StockMovement,
)
from plans.resources.schemas import (
    Adjust,
    Dispatch,
    Issue,
    MovementRead,
    OperationRead,
    Receive,
    Transfer,
    WriteOff,
)
from service.auth.permissions import Principal
from service.errors import Conflict, Invalid
from service.orgs.models import Org
from service.schemas import dump

WRITE = "stock.write"


@dataclass
class Held:
    lot: StockLot
    quantity: int


async def lock_level(session: AsyncSession, depot_id: int, item_id: int) -> StockLevel:
    """The (depot, item) row, created when missing, locked until the transaction ends."""
    connection = await session.connection()
    values = {"depot_id": depot_id, "item_id": item_id, "min_level": 0}
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    table = StockLevel.__table__  # type: ignore[attr-defined]
    statement = insert(table).values(**values, updated_at=sa.func.now())
    await session.exec(statement.on_conflict_do_nothing(index_elements=["depot_id", "item_id"]))
    query = select(StockLevel).where(StockLevel.depot_id == depot_id, StockLevel.item_id == item_id)
    if connection.dialect.name == "postgresql":
        query = query.with_for_update()
    level = (await session.exec(query.execution_options(populate_existing=True))).one()
    return level


async def held(session: AsyncSession, depot_id: int, item_id: int) -> list[Held]:
    """The lots of an item in a depot with their balances, first to expire first."""
    total = sa.func.coalesce(sa.func.sum(StockMovement.quantity), 0)
    rows = (
        await session.exec(
            select(StockLot, total)
            .outerjoin(StockMovement, col(StockMovement.lot_id) == col(StockLot.id))
            .where(StockLot.depot_id == depot_id, StockLot.item_id == item_id)
            .group_by(col(StockLot.id))
            .order_by(
                col(StockLot.expiry_date).is_(None),
                col(StockLot.expiry_date),
                col(StockLot.received_date),
                col(StockLot.id),
            )
        )
    ).all()
    return [Held(lot, int(quantity)) for lot, quantity in rows]


async def _depot_for_write(
    session: AsyncSession, actor: Principal, depot_id: int, field: str = "depot_id"
) -> tuple[Depot, Org]:
    depot, org = await depots.referenced(session, actor.scope(READ), depot_id, field)
    may_write(actor, org, WRITE)
    return depot, org


def _movement(
    op_id: str,
    kind: MovementKind,
    actor: Principal,
    lot: StockLot,
    quantity: int,
    *,
    reason: str | None = None,
    incident_ref: str | None = None,
    counterpart: int | None = None,
) -> StockMovement:
    return StockMovement(
        op_id=op_id,
        kind=kind,
        depot_id=lot.depot_id,
        item_id=lot.item_id,
        lot_id=lot.id or 0,
        quantity=quantity,
        reason=reason,
        incident_ref=incident_ref,
        counterpart_depot_id=counterpart,
        actor_user_id=actor.user_id,
    )


async def _write(
    session: AsyncSession,
    actor: Principal,
    kind: str,
    movements: list[StockMovement],
    orgs: list[Org],
) -> OperationRead:
    session.add_all(movements)
    await session.flush()
    operation = OperationRead(
        op_id=movements[0].op_id,
        kind=kind,
        movements=[MovementRead.model_validate(m) for m in movements],
    )
    data: dict[str, Any] = dump(operation)
    for org in orgs:
        await record(session, actor, org, "stock", kind, operation.op_id, None, data)
    return operation


def _pick(lots: list[Held], quantity: int, lot_id: int | None, on: date) -> list[Held]:
    """Which lots give ``quantity``: ``lot_id``'s, or unexpired lots first-expiring first."""
    if lot_id is not None:
        chosen = [h for h in lots if h.lot.id == lot_id]
        if not chosen:
            raise Invalid.field("lot_id", "lot_unknown")
        available = chosen[0].quantity
    else:
        chosen = [
            h
            for h in lots
            if h.quantity > 0 and (h.lot.expiry_date is None or h.lot.expiry_date >= on)
        ]
        available = sum(h.quantity for h in chosen)
    if available < quantity:
        raise Conflict("insufficient_stock", available=available, requested=quantity)
    taken, left = [], quantity
    for h in chosen:
        if left == 0:
            break
        part = min(h.quantity, left)
        if part > 0:
            taken.append(Held(h.lot, part))
            left -= part
    return taken


async def _check_lot(session: AsyncSession, depot: Depot, item: Item, lot_id: int | None) -> None:
    if lot_id is None:
        return
    lot = await session.get(StockLot, lot_id)
    if lot is None or lot.depot_id != depot.id:
        raise Invalid.field("lot_id", "lot_unknown")
    if lot.item_id != item.id:
        raise Invalid.field("lot_id", "lot_other_item")


async def receive(session: AsyncSession, actor: Principal, data: Receive) -> OperationRead:
    depot, org = await _depot_for_write(session, actor, data.depot_id)
    item = await depots.get_item(session, data.item_id, "item_id")
    received = data.received_date or today()
    if data.expiry_date is not None and data.expiry_date < received:
        raise Invalid.field("expiry_date", "expiry_before_receipt")
    level = await lock_level(session, depot.id or 0, item.id or 0)
    taken = await session.scalar(
        select(StockLot.id).where(StockLot.depot_id == depot.id, StockLot.batch == data.batch)
    )
    if taken is not None:
        raise Conflict("batch_exists", batch=data.batch)
    lot = StockLot(
        depot_id=depot.id or 0,
        item_id=item.id or 0,
        batch=data.batch,
        received_date=received,
        expiry_date=data.expiry_date,
    )
    session.add(lot)
    await session.flush()
    op_id = str(uuid.uuid4())
    movement = _movement(op_id, MovementKind.receive, actor, lot, data.quantity, reason=data.reason)
    operation = await _write(session, actor, "received", [movement], [org])
    after = await jobs.balance(session, depot.id or 0, item.id or 0)
    await jobs.check_level(session, depot, org, item, level, after)
    return operation


async def issue(session: AsyncSession, actor: Principal, data: Issue | Dispatch) -> OperationRead:
    """Out of a depot: to a team or a township (``issue``), or to an incident (``dispatch``)."""
    depot, org = await _depot_for_write(session, actor, data.depot_id)
    item = await depots.get_item(session, data.item_id, "item_id")
    await _check_lot(session, depot, item, data.lot_id)
    level = await lock_level(session, depot.id or 0, item.id or 0)
    lots = await held(session, depot.id or 0, item.id or 0)
    before = sum(h.quantity for h in lots)
    taken = _pick(lots, data.quantity, data.lot_id, today())
    op_id = str(uuid.uuid4())
    dispatching = isinstance(data, Dispatch)
    kind = MovementKind.dispatch if dispatching else MovementKind.issue
    ref = data.incident_ref if isinstance(data, Dispatch) else None
    movements = [
        _movement(op_id, kind, actor, h.lot, -h.quantity, reason=data.reason, incident_ref=ref)
        for h in taken
    ]
    operation = await _write(
        session, actor, "dispatched" if dispatching else "issued", movements, [org]
    )
    await jobs.check_level(session, depot, org, item, level, before - data.quantity)
    return operation


async def _target_lot(session: AsyncSession, depot: Depot, source: StockLot) -> StockLot:
    lot = (
        await session.exec(
            select(StockLot).where(StockLot.depot_id == depot.id, StockLot.batch == source.batch)
        )
    ).first()
    if lot is not None:
        if lot.item_id != source.item_id or lot.expiry_date != source.expiry_date:
            raise Conflict("batch_conflict", batch=source.batch)
        return lot
    lot = StockLot(
        depot_id=depot.id or 0,
        item_id=source.item_id,
        batch=source.batch,
        received_date=source.received_date,
        expiry_date=source.expiry_date,
    )
    session.add(lot)
    await session.flush()
    return lot


async def transfer(session: AsyncSession, actor: Principal, data: Transfer) -> OperationRead:
    """Both legs in one transaction: out of one depot and into the other, lot by lot."""
    if data.from_depot_id == data.to_depot_id:
        raise Invalid.field("to_depot_id", "same_depot")
    source, source_org = await _depot_for_write(session, actor, data.from_depot_id, "from_depot_id")
    target, target_org = await depots.referenced(
        session, actor.scope(READ), data.to_depot_id, "to_depot_id"
    )
    item = await depots.get_item(session, data.item_id, "item_id")
    await _check_lot(session, source, item, data.lot_id)
    levels = {}
    for depot_id in sorted([source.id or 0, target.id or 0]):  # one lock order: no deadlock
        levels[depot_id] = await lock_level(session, depot_id, item.id or 0)
    lots = await held(session, source.id or 0, item.id or 0)
    before = sum(h.quantity for h in lots)
    taken = _pick(lots, data.quantity, data.lot_id, today())
    op_id = str(uuid.uuid4())
    movements = []
    for h in taken:
        movements.append(
            _movement(
                op_id,
                MovementKind.transfer_out,
                actor,
                h.lot,
                -h.quantity,
                reason=data.reason,
                counterpart=target.id,
            )
        )
        lot = await _target_lot(session, target, h.lot)
        movements.append(
            _movement(
                op_id,
                MovementKind.transfer_in,
                actor,
                lot,
                h.quantity,
                reason=data.reason,
                counterpart=source.id,
            )
        )
    orgs = [source_org] if source_org.id == target_org.id else [source_org, target_org]
    operation = await _write(session, actor, "transferred", movements, orgs)
    source_level, target_level = levels[source.id or 0], levels[target.id or 0]
    await jobs.check_level(session, source, source_org, item, source_level, before - data.quantity)
    after = await jobs.balance(session, target.id or 0, item.id or 0)
    await jobs.check_level(session, target, target_org, item, target_level, after)
    return operation


async def adjust(session: AsyncSession, actor: Principal, data: Adjust) -> OperationRead:
    depot, org = await _depot_for_write(session, actor, data.depot_id)
    lot = await session.get(StockLot, data.lot_id)
    if lot is None or lot.depot_id != depot.id:
        raise Invalid.field("lot_id", "lot_unknown")
    item = await depots.get_item(session, lot.item_id)
    level = await lock_level(session, depot.id or 0, lot.item_id)
    lots = await held(session, depot.id or 0, lot.item_id)
    current = next(h.quantity for h in lots if h.lot.id == lot.id)
    if current + data.quantity < 0:
        raise Conflict("insufficient_stock", available=current, requested=-data.quantity)
    before = sum(h.quantity for h in lots)
    movement = _movement(
        str(uuid.uuid4()), MovementKind.adjust, actor, lot, data.quantity, reason=data.reason
    )
    operation = await _write(session, actor, "adjusted", [movement], [org])
    await jobs.check_level(session, depot, org, item, level, before + data.quantity)
    return operation


async def write_off(session: AsyncSession, actor: Principal, data: WriteOff) -> OperationRead:
    """Every expired lot of the depot that still holds stock (or the one named) goes to 0."""
    depot, org = await _depot_for_write(session, actor, data.depot_id)
    on = today()
    if data.lot_id is not None:
        named = await session.get(StockLot, data.lot_id)
        if named is None or named.depot_id != depot.id:
            raise Invalid.field("lot_id", "lot_unknown")
        if named.expiry_date is None or named.expiry_date >= on:
            raise Conflict("lot_not_expired", batch=named.batch)
    query = select(StockLot.item_id).where(
        StockLot.depot_id == depot.id,
        col(StockLot.expiry_date).is_not(None),
        col(StockLot.expiry_date) < on,
    )
    if data.lot_id is not None:
        query = query.where(StockLot.id == data.lot_id)
    item_ids = sorted(set((await session.exec(query)).all()))
    op_id = str(uuid.uuid4())
    movements = []
    levels = []
    for item_id in item_ids:
        levels.append(await lock_level(session, depot.id or 0, item_id))
        for h in await held(session, depot.id or 0, item_id):
            expired = h.lot.expiry_date is not None and h.lot.expiry_date < on
            if expired and h.quantity > 0 and data.lot_id in (None, h.lot.id):
                reason = data.reason or f"expired {h.lot.expiry_date}"
                movements.append(
                    _movement(
                        op_id, MovementKind.write_off, actor, h.lot, -h.quantity, reason=reason
                    )
                )
    if not movements:
        raise Conflict("nothing_expired")
    operation = await _write(session, actor, "written_off", movements, [org])
    for level in levels:
        item = await depots.get_item(session, level.item_id)
        after = await jobs.balance(session, depot.id or 0, level.item_id)
        await jobs.check_level(session, depot, org, item, level, after)
    return operation
