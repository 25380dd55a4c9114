"""Clock jobs of the resources: certificates and lots expiring within 30 days, stock below
its minimum. Each is told once (``warned_at``/``low_at``), as an event and a message to
the team leader or the depot manager.

Low stock is also noticed at the moment a movement takes a balance below its minimum;
the daily check catches what no movement crossed (a raised minimum).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import sqlalchemy as sa
import structlog
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from plans.resources.common import EXPIRY_DAYS, record, today
from plans.resources.models import (
    Certification,
    Depot,
    Item,
    StockLevel,
    StockLot,
    StockMovement,
    Team,
    TeamMember,
)
from service.auth.permissions import SYSTEM
from service.clock import service as clock
from service.clock.models import Timer
from service.clock.runner import handler
from service.db import Database, utcnow
from service.i18n import t
from service.notify import service as notify
from service.orgs import service as orgs
from service.orgs.models import Org
from service.people.models import Person

log = structlog.get_logger("yingji.resources")
DAILY = "resources.daily_check"


async def propose_daily(db: Database) -> None:
    """Called by each instance's scheduler; one timer per day fires once."""
    async with db.session() as session:
        await clock.schedule_once(session, DAILY, f"day:{today()}", utcnow())


@handler(DAILY)
async def daily(session: AsyncSession, timer: Timer) -> None:
    await daily_check(session)


async def daily_check(session: AsyncSession) -> dict[str, int]:
    found = {
        "certifications": await certifications_expiring(session),
        "lots": await lots_expiring(session),
        "low": await low_stock(session),
    }
    log.info("resources daily check", **found)
    return found


async def _tell(
    session: AsyncSession, person_id: int | None, org: Org, title: str, text: str, ref: str
) -> None:
    if person_id is not None:
        await notify.notify_people(
            session, SYSTEM, [person_id], title=title, text=text, ref=ref, org=org
        )


async def certifications_expiring(session: AsyncSession) -> int:
    """Certificates expiring within 30 days, not told yet: per team an event and a message
    to the leader. How many teams were told."""
    limit = today() + timedelta(days=EXPIRY_DAYS)
    rows = (
        await session.exec(
            select(Certification, Person.name)
            .join(TeamMember, col(TeamMember.id) == col(Certification.member_id))
            .join(Person, col(Person.id) == col(TeamMember.person_id))
            .where(col(Certification.expiry_date) <= limit, col(Certification.warned_at).is_(None))
            .order_by(col(Certification.team_id), col(Certification.expiry_date))
        )
    ).all()
    by_team: dict[int, list[tuple[Certification, str]]] = defaultdict(list)
    for cert, name in rows:
        by_team[cert.team_id].append((cert, name))
    now = utcnow()
    for team_id, certs in by_team.items():
        team = await session.get(Team, team_id)
        org = await orgs.get(session, team.org_id) if team else None
        if team is None or org is None:
            continue
        listing = [
            {
                "id": c.id,
                "person": name,
                "name": c.name,
                "number": c.number,
                "expiry_date": str(c.expiry_date),
            }
            for c, name in certs
        ]
        data = {"id": team.id, "name": team.name, "certifications": listing}
        await record(
            session, SYSTEM, org, "team", "certifications_expiring", team.id, None, None, data
        )
        text = t(
            "cert_expiring_text",
            team=team.name,
            count=len(certs),
            days=EXPIRY_DAYS,
            list="; ".join(f"{name} {c.name} {c.expiry_date}" for c, name in certs[:10]),
        )
        title = t("cert_expiring_title", team=team.name)
        ref = f"resources.cert:{team.id}:{now.date()}"
        await _tell(session, team.leader_id, org, title, text, ref)
        for cert, _ in certs:
            cert.warned_at = now
            session.add(cert)
    await session.flush()
    return len(by_team)


async def lots_expiring(session: AsyncSession) -> int:
    """Lots holding stock that expire within 30 days, not told yet: per depot an event and
    a message to the manager. How many depots were told."""
    limit = today() + timedelta(days=EXPIRY_DAYS)
    total = sa.func.sum(StockMovement.quantity)
    rows = (
        await session.exec(
            select(StockLot, Item.name, Item.unit, total)
            .join(StockMovement, col(StockMovement.lot_id) == col(StockLot.id))
            .join(Item, col(Item.id) == col(StockLot.item_id))
            .where(
                col(StockLot.expiry_date).is_not(None),
                col(StockLot.expiry_date) <= limit,
                col(StockLot.warned_at).is_(None),
            )
            .group_by(col(StockLot.id), col(Item.name), col(Item.unit))
            .having(total > 0)
            .order_by(col(StockLot.depot_id), col(StockLot.expiry_date))
        )
    ).all()
    by_depot: dict[int, list[tuple[StockLot, str, str, int]]] = defaultdict(list)
    for lot, name, unit, quantity in rows:
        by_depot[lot.depot_id].append((lot, name, unit, int(quantity)))
    now = utcnow()
    for depot_id, lots in by_depot.items():
        depot = await session.get(Depot, depot_id)
        org = await orgs.get(session, depot.org_id) if depot else None
        if depot is None or org is None:
            continue
        listing = [
            {
                "lot_id": lot.id,
                "batch": lot.batch,
                "item_id": lot.item_id,
                "item": name,
                "quantity": quantity,
                "expiry_date": str(lot.expiry_date),
            }
            for lot, name, _unit, quantity in lots
        ]
        data = {"depot_id": depot.id, "depot": depot.name, "lots": listing}
        await record(session, SYSTEM, org, "stock", "lots_expiring", depot.id, None, None, data)
        text = t(
            "lot_expiring_text",
            depot=depot.name,
            count=len(lots),
            days=EXPIRY_DAYS,
            list="; ".join(
                f"{name} {lot.batch} {q}{unit} {lot.expiry_date}"
                for lot, name, unit, q in lots[:10]
            ),
        )
        title = t("lot_expiring_title", depot=depot.name)
        await _tell(session, depot.manager_id, org, title, text, f"resources.lots:{depot.id}")
        for lot, *_ in lots:
            lot.warned_at = now
            session.add(lot)
    await session.flush()
    return len(by_depot)


async def balance(session: AsyncSession, depot_id: int, item_id: int) -> int:
    total = await session.scalar(
        select(sa.func.coalesce(sa.func.sum(StockMovement.quantity), 0)).where(
            StockMovement.depot_id == depot_id, StockMovement.item_id == item_id
        )
    )
    return int(total or 0)


async def check_level(
    session: AsyncSession, depot: Depot, org: Org, item: Item, level: StockLevel, quantity: int
) -> bool:
    """After a change of the (depot, item) balance to ``quantity``: tell the manager once
    when it is below the minimum, forget that when it is back. Whether it was told now."""
    if quantity >= level.min_level:
        if level.low_at is not None:
            level.low_at = None
            session.add(level)
            await session.flush()
        return False
    if level.low_at is not None:
        return False
    level.low_at = utcnow()
    session.add(level)
    await session.flush()
    data = {
        "depot_id": depot.id,
        "depot": depot.name,
        "item_id": item.id,
        "item": item.name,
        "quantity": quantity,
        "min_level": level.min_level,
    }
    await record(session, SYSTEM, org, "stock", "low", depot.id, None, None, data)
    listing = f"{item.name} {quantity}/{level.min_level}{item.unit}"
    text = t("low_stock_text", depot=depot.name, count=1, list=listing)
    ref = f"resources.low:{depot.id}:{item.id}"
    await _tell(session, depot.manager_id, org, t("low_stock_title", depot=depot.name), text, ref)
    return True


async def low_stock(session: AsyncSession) -> int:
    """Every (depot, item) below its minimum and not told yet; how many were told."""
    levels = (
        await session.exec(
            select(StockLevel)
            .where(col(StockLevel.min_level) > 0, col(StockLevel.low_at).is_(None))
            .order_by(col(StockLevel.id))
        )
    ).all()
    told = 0
    for level in levels:
        quantity = await balance(session, level.depot_id, level.item_id)
        if quantity >= level.min_level:
            continue
        depot = await session.get(Depot, level.depot_id)
        item = await session.get(Item, level.item_id)
        org = await orgs.get(session, depot.org_id) if depot else None
        if depot is None or item is None or org is None:
            continue
        told += await check_level(session, depot, org, item, level, quantity)
    return told
