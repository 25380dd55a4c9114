"""The demo county's resources: teams (县应急救援综合队伍, 森林草原消防队, mine rescue,
volunteers …), experts, a county depot and township depots stocked with sandbags, pumps,
tents, quilts, life jackets, generators and drainage robots (seed 004 §19), some lots
close to expiry. Idempotent: nothing is added once the county's first team exists."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from plans.resources import depots, experts, ledger, stock, teams
from plans.resources.common import today
from plans.resources.models import Item, Team
from plans.resources.schemas import (
    CertificationIn,
    DepotCreate,
    ExpertCreate,
    ItemCreate,
    LevelWrite,
    MemberCreate,
    Receive,
    TeamCreate,
)
from service.auth.permissions import SYSTEM
from service.orgs.models import Org
from service.people.models import Person

TEAMS = [
    # name, kind, township (None: the county), headcount, equipment, offset
    ("县应急救援综合队伍", "comprehensive", None, 60, ["智能排水机器人 2台", "高压排水管 500米"]),
    ("县森林草原消防队", "forest_fire", "蟒河镇", 40, ["风力灭火机 20台", "水泵 6台"]),
    ("县矿山救护队", "mine_rescue", "润城镇", 35, ["正压氧气呼吸器 30台", "气体检测仪 10台"]),
    ("县危化品处置队", "hazmat", "北留镇", 20, ["防化服 20套"]),
    ("凤城镇蓝天救援队", "social_volunteer", "凤城镇", 25, ["冲锋舟 2艘"]),
    ("横河镇应急民兵分队", "flood", "横河镇", 30, ["救生衣 50件"]),
]
ITEMS = [
    ("防汛", "编织袋", "50×80cm", "条", 5000),
    ("防汛", "潜水泵", "QS 50m³/h", "台", 10),
    ("防汛", "救生衣", "成人", "件", 200),
    ("防汛", "智能排水机器人", "1000m³/h", "台", 1),
    ("救灾", "帐篷", "12㎡ 单帐篷", "顶", 50),
    ("救灾", "棉被", "2kg", "床", 200),
    ("电力", "发电机", "5kW 柴油", "台", 4),
]
# in the catalogue, not stocked by the demo depots (the plans require them)
CATALOGUE = [
    ("照明", "应急照明灯", "便携式", "台"),
    ("消防", "风力灭火机", "背负式", "台"),
    ("防护", "正压式空气呼吸器", "6.8L", "套"),
    ("防护", "防化服", "重型", "套"),
    ("通信", "卫星电话", "", "部"),
    ("预警", "铜锣", "", "面"),
]
EXPERTS = [(["mine", "geology"], "县能源局"), (["hazmat"], "县应急管理局"), (["flood"], "县水利局")]


async def catalogue(session: AsyncSession) -> dict[str, Item]:
    """The demo catalogue by name, created where missing (the plans demo uses it too)."""
    found = {}
    entries = [(c, n, s, u) for c, n, s, u, _min in ITEMS] + CATALOGUE
    for category, name, spec, unit in entries:
        item = (
            await session.exec(select(Item).where(Item.name == name, Item.spec == spec))
        ).first()
        if item is None:
            data = ItemCreate(category=category, name=name, spec=spec, unit=unit)
            item = await depots.create_item(session, SYSTEM, data)
        found[name] = item
    return found


async def load(
    session: AsyncSession, county: Org, by_name: dict[str, Org], staff: dict[str, list[Person]]
) -> int:
    """Load unless loaded; how many teams the county has."""
    first = TEAMS[0][0]
    if await session.scalar(select(Team.id).where(Team.name == first)) is not None:
        return len(TEAMS)
    people = staff.get(county.name, [])
    for index, (name, kind, town, headcount, equipment) in enumerate(TEAMS):
        org = by_name.get(town or "", county)
        crew = staff.get(org.name) or people
        team = await teams.create(
            session,
            SYSTEM,
            TeamCreate.model_validate(
                {
                    "name": name,
                    "kind": kind,
                    "org_id": org.id,
                    "leader_id": crew[0].id if crew else None,
                    "headcount": headcount,
                    "equipment": [{"name": e} for e in equipment],
                    "base_lat": (org.lat or 35.486) + 0.004 * index,
                    "base_lon": (org.lon or 112.414) - 0.003 * index,
                    "status": "standby" if index % 3 == 2 else "available",
                }
            ),
        )
        for number, person in enumerate(crew[:3]):
            expiry = today() + timedelta(days=20 if number == 0 else 400)
            cert = CertificationIn(
                name="救援员资格证", number=f"JY-{team.id}-{number}", expiry_date=expiry
            )
            member = MemberCreate(
                person_id=person.id or 0, skills=["水域救援"], certifications=[cert]
            )
            await teams.add_member(session, SYSTEM, team, org, member)
    for (specialties, employer), person in zip(EXPERTS, people[-3:], strict=False):
        data = ExpertCreate(person_id=person.id or 0, specialties=specialties, employer=employer)
        await experts.create(session, SYSTEM, data)
    items = await catalogue(session)
    stores = [(county, "阳城县应急物资储备库", 10)] + [
        (by_name[t], f"{t}应急物资储备点", 1)
        for t in ("北留镇", "润城镇", "横河镇")
        if t in by_name
    ]
    for org, name, scale in stores:
        crew = staff.get(org.name) or people
        manager = crew[0] if crew else None
        depot = await depots.create(
            session,
            SYSTEM,
            DepotCreate(
                name=name,
                org_id=org.id or 0,
                lat=(org.lat or 35.486) + 0.002,
                lon=(org.lon or 112.414) + 0.002,
                manager_id=manager.id if manager else None,
            ),
        )
        for position, (_c, item_name, _s, _u, minimum) in enumerate(ITEMS):
            item = items[item_name]
            near_expiry = position % 3 == 0
            expiry = today() + timedelta(days=25 if near_expiry else 720)
            quantity = max(1, minimum * scale // (2 if position == 1 else 1))
            await stock.receive(
                session,
                SYSTEM,
                Receive(
                    depot_id=depot.id or 0,
                    item_id=item.id or 0,
                    batch=f"{depot.id}-{item.id}-2026A",
                    quantity=quantity,
                    received_date=today() - timedelta(days=30),
                    expiry_date=expiry if item.category != "电力" else None,
                ),
            )
            level = LevelWrite(
                depot_id=depot.id or 0, item_id=item.id or 0, min_level=minimum * scale
            )
            await ledger.set_level(session, SYSTEM, level)
    return len(TEAMS)
