"""The daily check: certificates and lots expiring within 30 days, stock below minimum —
each an event and a delivery to the team leader or depot manager, told once."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from plans.resources import jobs
from plans.resources.common import today
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
from service.db import Database
from service.notify.models import Channel, Delivery
from service.realtime.models import OutboxEvent
from tests.factories import World


async def test_daily_check_tells_leader_and_manager_once(db: Database, world: World) -> None:
    soon, far = today() + timedelta(days=10), today() + timedelta(days=200)
    async with db.session() as s:
        s.add(Channel(person_id=world.person_a.id, kind="sms", address="+8613900000777"))
        team = Team(
            org_id=world.town_a.id or 0,
            name="森林草原消防队",
            kind="forest_fire",
            leader_id=world.person_a.id,
            base_lat=35,
            base_lon=112,
            lat=35,
            lon=112,
        )
        depot = Depot(
            org_id=world.town_a.id or 0,
            name="甲镇库",
            lat=35,
            lon=112,
            manager_id=world.person_a.id,
        )
        item = Item(category="救灾", name="棉被", unit="床")
        s.add_all([team, depot, item])
        await s.flush()
        member = TeamMember(team_id=team.id or 0, person_id=world.person_a.id or 0)
        s.add(member)
        await s.flush()
        s.add_all(
            [
                Certification(
                    member_id=member.id or 0,
                    team_id=team.id or 0,
                    name="消防员证",
                    expiry_date=soon,
                ),
                Certification(
                    member_id=member.id or 0, team_id=team.id or 0, name="急救证", expiry_date=far
                ),
            ]
        )
        lots = [
            StockLot(
                depot_id=depot.id or 0,
                item_id=item.id or 0,
                batch="Q1",
                received_date=today(),
                expiry_date=soon,
            ),
            StockLot(
                depot_id=depot.id or 0,
                item_id=item.id or 0,
                batch="Q2",
                received_date=today(),
                expiry_date=far,
            ),
        ]
        s.add_all(lots)
        await s.flush()
        s.add_all(
            [
                StockMovement(
                    op_id="o1",
                    kind="receive",
                    depot_id=depot.id or 0,
                    item_id=item.id or 0,
                    lot_id=lots[0].id or 0,
                    quantity=5,
                ),
                StockMovement(
                    op_id="o2",
                    kind="receive",
                    depot_id=depot.id or 0,
                    item_id=item.id or 0,
                    lot_id=lots[1].id or 0,
                    quantity=5,
                ),
                StockLevel(depot_id=depot.id or 0, item_id=item.id or 0, min_level=20),
            ]
        )
    async with db.session() as s:
        found = await jobs.daily_check(s)
    assert found == {"certifications": 1, "lots": 1, "low": 1}
    async with db.session() as s:
        assert await jobs.daily_check(s) == {"certifications": 0, "lots": 0, "low": 0}
    async with db.session(write=False) as s:
        events = (
            await s.exec(
                select(OutboxEvent.type, OutboxEvent.data).where(
                    col(OutboxEvent.type).in_(
                        ["team.certifications_expiring", "stock.lots_expiring", "stock.low"]
                    )
                )
            )
        ).all()
        deliveries = [str(m) for m in (await s.exec(select(Delivery.message))).all()]
    by_type = {kind: data for kind, data in events}
    assert [c["name"] for c in by_type["team.certifications_expiring"]["certifications"]] == [
        "消防员证"
    ]
    assert [x["batch"] for x in by_type["stock.lots_expiring"]["lots"]] == ["Q1"]
    assert by_type["stock.low"]["quantity"] == 10
    assert len(deliveries) == 3 and any("森林草原消防队" in d for d in deliveries)
