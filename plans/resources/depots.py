"""Depots (物资储备库) and the item catalogue they hold."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from plans.resources.common import (
    READ,
    TOPIC,
    forbid,
    may_write,
    org_for_write,
    person_in_scope,
    record,
    visible,
)
from plans.resources.models import Depot, Item, StockLevel, StockLot, StockMovement
from plans.resources.schemas import (
    DepotCreate,
    DepotRead,
    DepotUpdate,
    ItemCreate,
    ItemRead,
    ItemUpdate,
)
from service.auth.permissions import Principal, Scope
from service.changes import record_change
from service.db import fetch_page, utcnow
from service.errors import Conflict, Invalid, NotFound
from service.orgs.models import Org
from service.schemas import dump

WRITE = "resource.write"


def _dump(depot: Depot) -> dict[str, Any]:
    return dump(DepotRead.model_validate(depot))


async def get_visible(session: AsyncSession, scope: Scope, depot_id: int) -> tuple[Depot, Org]:
    return await visible(session, scope, Depot, depot_id, "depot")


async def referenced(
    session: AsyncSession, scope: Scope, depot_id: int, field: str
) -> tuple[Depot, Org]:
    try:
        return await get_visible(session, scope, depot_id)
    except NotFound:
        raise Invalid.field(field, "depot_unknown") from None


async def search(
    session: AsyncSession, scope: Scope, *, org_id: int | None, limit: int, offset: int
) -> tuple[list[Depot], int]:
    where = [scope.clause(col(Org.path))]
    if org_id is not None:
        where.append(col(Depot.org_id) == org_id)
    base = select(Depot).join(Org, col(Org.id) == col(Depot.org_id)).where(*where)
    return await fetch_page(session, base, order_by=col(Depot.id), limit=limit, offset=offset)


async def _name_free(session: AsyncSession, org_id: int, name: str, depot_id: int | None) -> None:
    other = await session.scalar(
        select(Depot.id).where(Depot.org_id == org_id, Depot.name == name, Depot.id != depot_id)
    )
    if other is not None:
        raise Conflict("depot_exists")


async def create(session: AsyncSession, actor: Principal, data: DepotCreate) -> Depot:
    org = await org_for_write(session, actor, data.org_id, WRITE)
    if data.manager_id is not None:
        await person_in_scope(session, actor.scope(READ), data.manager_id, "manager_id")
    await _name_free(session, org.id or 0, data.name, None)
    depot = Depot(**data.model_dump())
    session.add(depot)
    await session.flush()
    await record(session, actor, org, "depot", "created", depot.id, None, _dump(depot))
    return depot


async def update(
    session: AsyncSession, actor: Principal, depot: Depot, org: Org, data: DepotUpdate
) -> Depot:
    may_write(actor, org, WRITE)
    before = _dump(depot)
    changes = data.model_dump(exclude_unset=True)
    for required in ("name", "lat", "lon"):
        if required in changes and changes[required] is None:
            raise Invalid.field(required, "missing")
    if changes.get("manager_id") is not None:
        await person_in_scope(session, actor.scope(READ), changes["manager_id"], "manager_id")
    if "name" in changes:
        await _name_free(session, depot.org_id, changes["name"], depot.id)
    for key, value in changes.items():
        setattr(depot, key, value)
    depot.updated_at = utcnow()
    session.add(depot)
    await session.flush()
    await record(session, actor, org, "depot", "updated", depot.id, before, _dump(depot))
    return depot


async def delete(session: AsyncSession, actor: Principal, depot: Depot, org: Org) -> None:
    may_write(actor, org, WRITE)
    used = await session.scalar(
        select(StockMovement.id)
        .where(
            (col(StockMovement.depot_id) == depot.id)
            | (col(StockMovement.counterpart_depot_id) == depot.id)
        )
        .limit(1)
    )
    if used is not None:
        raise Conflict("depot_has_stock")
    before = _dump(depot)
    for model in (StockLevel, StockLot):
        for row in (await session.exec(select(model).where(model.depot_id == depot.id))).all():
            await session.delete(row)
    await session.delete(depot)
    await session.flush()
    await record(session, actor, org, "depot", "deleted", before["id"], before, None)


# the catalogue: shared by every org; written by whoever may keep depots somewhere


async def items(
    session: AsyncSession,
    *,
    category: str | None,
    q: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Item], int]:
    where = []
    if category:
        where.append(col(Item.category) == category)
    if q:
        where.append(col(Item.name).contains(q, autoescape=True))
    return await fetch_page(
        session, select(Item).where(*where), order_by=col(Item.id), limit=limit, offset=offset
    )


async def get_item(session: AsyncSession, item_id: int, field: str | None = None) -> Item:
    item = await session.get(Item, item_id)
    if item is None:
        if field:
            raise Invalid.field(field, "item_unknown")
        raise NotFound("item")
    return item


async def items_by_id(session: AsyncSession, ids: list[int]) -> dict[int, Item]:
    """The catalogue entries with these ids (the unknown ones are missing)."""
    if not ids:
        return {}
    rows = await session.exec(select(Item).where(col(Item.id).in_(set(ids))))
    return {item.id or 0: item for item in rows.all()}


async def _item_free(session: AsyncSession, name: str, spec: str, item_id: int | None) -> None:
    other = await session.scalar(
        select(Item.id).where(Item.name == name, Item.spec == spec, Item.id != item_id)
    )
    if other is not None:
        raise Conflict("item_exists")


async def _record_item(
    session: AsyncSession,
    actor: Principal,
    action: str,
    item: Item,
    before: dict[str, Any] | None,
) -> None:
    """Catalogue changes are audited at the top org of the caller's write scope."""
    scope = actor.scope(WRITE)
    query = select(Org).order_by(sa.func.length(col(Org.path)), col(Org.id)).limit(1)
    if not scope.everything:
        query = query.where(scope.clause(col(Org.path)))
    org = (await session.exec(query)).first()
    after = dump(ItemRead.model_validate(item))
    await record_change(
        session,
        actor,
        topic=TOPIC,
        object_type="item",
        action=action,
        object_id=item.id,
        org_id=org.id if org else None,
        org_path=org.path if org else None,
        before=before,
        after=after,
    )


def may_keep_catalogue(actor: Principal) -> None:
    if actor.scope(WRITE).empty:
        raise forbid(WRITE)


async def create_item(session: AsyncSession, actor: Principal, data: ItemCreate) -> Item:
    may_keep_catalogue(actor)
    await _item_free(session, data.name, data.spec, None)
    item = Item(**data.model_dump())
    session.add(item)
    await session.flush()
    await _record_item(session, actor, "created", item, None)
    return item


async def update_item(
    session: AsyncSession, actor: Principal, item: Item, data: ItemUpdate
) -> Item:
    may_keep_catalogue(actor)
    before = dump(ItemRead.model_validate(item))
    changes = data.model_dump(exclude_unset=True)
    for required in ("category", "name", "spec", "unit"):
        if required in changes and changes[required] is None:
            raise Invalid.field(required, "missing")
    if "unit" in changes and changes["unit"] != item.unit:
        used = await session.scalar(
            select(StockMovement.id).where(StockMovement.item_id == item.id).limit(1)
        )
        if used is not None:
            raise Conflict("item_in_use")
    name, spec = changes.get("name", item.name), changes.get("spec", item.spec)
    await _item_free(session, name, spec, item.id)
    for key, value in changes.items():
        setattr(item, key, value)
    session.add(item)
    await session.flush()
    await _record_item(session, actor, "updated", item, before)
    return item
