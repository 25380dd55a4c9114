"""The demo county's drills: last summer's full-scale flood drill of the county, held,
evaluated, with findings and corrective actions (one done, one open); and two upcoming
drills with their reminders on the clock (a township tabletop exercise in five days, the
forest fire command HQ's full-scale drill in three weeks)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from plans.drills import actions, evaluation, lifecycle, service
from plans.drills.models import Drill
from plans.drills.schemas import (
    ActionCreate,
    ActionUpdate,
    DrillCreate,
    EvaluationSet,
    FindingCreate,
)
from plans.library.models import Plan
from plans.resources.models import Team
from service.auth.permissions import SYSTEM
from service.db import utcnow
from service.orgs.models import Org
from service.settings import Settings

PAST = "阳城县2026年防汛抗旱综合应急实战化演练"


async def _teams(session: AsyncSession, *names: str) -> list[int]:
    rows = await session.exec(select(Team.id).where(col(Team.name).in_(names)))
    return [i for i in rows.all() if i is not None]


async def _plan(session: AsyncSession, title: str) -> int | None:
    return await session.scalar(select(Plan.id).where(Plan.title == title))


def _at(days: int, hour_utc: int) -> datetime:
    """A whole hour ``days`` from today (UTC; 01:00 UTC is 09:00 in Yangcheng)."""
    return (utcnow() + timedelta(days=days)).replace(
        hour=hour_utc, minute=0, second=0, microsecond=0
    )


async def load(session: AsyncSession, settings: Settings, by_name: dict[str, Org]) -> int:
    if await session.scalar(select(Drill.id).where(Drill.title == PAST)) is not None:
        return 0
    county = by_name["阳城县"]
    flood_plan = await _plan(session, "阳城县防汛抗旱应急预案")
    fire_plan = await _plan(session, "阳城县森林草原火灾应急预案")
    teams = await _teams(session, "县应急救援综合队伍", "横河镇应急民兵分队", "凤城镇蓝天救援队")
    start = _at(-150, 1)  # 09:00 in Yangcheng, about five months ago
    past = await service.create(
        session,
        SYSTEM,
        DrillCreate.model_validate(
            {
                "org_id": county.id,
                "title": PAST,
                "type": "full_scale",
                "scope": "county_comprehensive",
                "plan_id": flood_plan,
                "level": "III" if flood_plan else None,
                "scenario": (
                    "持续强降雨致横河镇山洪暴发，多村道路中断、群众被困，县防指启动三级响应。"
                ),
                "location": "横河镇中心广场及沿河村庄",
                "lat": 35.39,
                "lon": 112.27,
                "start_at": start,
                "end_at": start + timedelta(hours=4),
                "org_ids": [
                    by_name[n].id
                    for n in (
                        "县应急管理局",
                        "县水务局",
                        "县消防救援大队",
                        "县卫生健康局",
                        "横河镇",
                    )
                    if n in by_name
                ],
                "team_ids": teams,
            }
        ),
        settings,
    )
    for step in ("notify", "start", "complete"):
        await lifecycle.step(session, SYSTEM, past, county, step)
    scores = {"plan": 85, "command": 80, "personnel": 88, "equipment": 72, "timeliness": 78}
    await evaluation.evaluate(
        session,
        SYSTEM,
        past,
        county,
        EvaluationSet.model_validate(
            {
                "scores": [
                    {"criterion": c, "score": s, "comment": "基本达到演练目的"}
                    for c, s in scores.items()
                ],
                "summary": "各单位响应迅速，群众转移有序；通信保障和物资调运有待加强。",
            }
        ),
    )
    comms = await evaluation.add_finding(
        session,
        SYSTEM,
        past,
        county,
        FindingCreate.model_validate(
            {
                "text": "山区村庄公网中断后，现场与指挥部通信一度中断约 20 分钟",
                "criterion": "equipment",
            }
        ),
    )
    stock = await evaluation.add_finding(
        session,
        SYSTEM,
        past,
        county,
        FindingCreate.model_validate(
            {"text": "编织袋调运到场时间超过预案要求", "criterion": "timeliness"}
        ),
    )
    today = utcnow().date()
    open_action = ActionCreate(
        text="为横河镇等山区乡镇配备卫星电话",
        owner_org_id=by_name["县应急管理局"].id,
        due_date=today + timedelta(days=20),
    )
    await actions.create(session, SYSTEM, past, county, comms, open_action, settings)
    done = await actions.create(
        session,
        SYSTEM,
        past,
        county,
        stock,
        ActionCreate(
            text="在横河镇前置编织袋 2000 条",
            owner_org_id=by_name["横河镇"].id,
            due_date=today - timedelta(days=30),
        ),
        settings,
    )
    await actions.update(
        session,
        SYSTEM,
        past,
        county,
        done,
        ActionUpdate.model_validate({"status": "done", "note": "已入库"}),
        settings,
    )
    soon = _at(5, 1)
    township = by_name.get("凤城镇", county)
    await service.create(
        session,
        SYSTEM,
        DrillCreate.model_validate(
            {
                "org_id": township.id,
                "title": "凤城镇地质灾害避险转移桌面推演",
                "type": "tabletop",
                "scope": "township",
                "scenario": "强降雨诱发滑坡隐患点险情，推演预警叫应、转移和安置。",
                "location": "凤城镇政府会议室",
                "start_at": soon,
                "end_at": soon + timedelta(hours=2),
                "org_ids": [township.id],
                "team_ids": await _teams(session, "凤城镇蓝天救援队"),
            }
        ),
        settings,
    )
    later = _at(21, 0)
    command = by_name.get("县森林草原防灭火指挥部", county)
    await service.create(
        session,
        SYSTEM,
        DrillCreate.model_validate(
            {
                "org_id": command.id,
                "title": "县森林草原防灭火指挥部2026年实战化演练",
                "type": "full_scale",
                "scope": "command",
                "plan_id": fire_plan,
                "level": "IV" if fire_plan else None,
                "scenario": "蟒河镇林区发生山火，扑火队伍集结、扑救和群众疏散。",
                "location": "蟒河镇林区",
                "start_at": later,
                "end_at": later + timedelta(hours=5),
                "org_ids": [
                    by_name[n].id for n in ("县林业局", "县消防救援大队", "蟒河镇") if n in by_name
                ],
                "team_ids": await _teams(session, "县森林草原消防队"),
            }
        ),
        settings,
    )
    return 3
