"""The demo county's plan library: the overall plan, five special plans, a department
plan and two township plans, all published through the real workflow; the flood and
drought plan has a second version (revised after a drill) so the diff shows something."""

from __future__ import annotations

from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from plans.library import reviews, service, versions, workflow
from plans.library.models import Plan
from plans.library.schemas import (
    Content,
    Filing,
    PlanCreate,
    RevisionTrigger,
    TeamType,
    VersionCreate,
)
from plans.resources import demo as resources_demo
from service.auth.permissions import SYSTEM
from service.orgs.models import Org
from service.settings import Settings

SECTIONS = [
    (
        "general",
        "总则",
        "为规范{hazard}应急处置工作，最大程度减少人员伤亡和财产损失，"
        "依据《中华人民共和国突发事件应对法》等法律法规，制定本预案。\n\n"
        "本预案适用于{org}行政区域内{hazard}的应对工作。",
    ),
    (
        "org",
        "组织指挥体系",
        "{org}设立{hazard}应急指挥部，**总指挥**由政府主要负责同志担任，"
        "副总指挥由分管负责同志担任。\n\n- 综合协调组\n- 抢险救援组\n- 医疗救护组\n- 后勤保障组",
    ),
    ("warning", "监测预警", "建立监测预警机制，预警信息发布后实行“叫应”，直达基层责任人。"),
    ("response", "应急响应", "应急响应由高到低分为Ⅰ级、Ⅱ级、Ⅲ级、Ⅳ级，见各级行动卡片。"),
    ("support", "应急保障", "落实救援队伍、应急物资、通信和经费保障。"),
]
LEVEL_NAMES = {"I": "一级", "II": "二级", "III": "三级", "IV": "四级"}


def _level(
    name: str, triggers: list[str], teams: list[tuple[str, int]], items: list[tuple[int, int]]
) -> dict[str, Any]:
    scale = {"I": 4, "II": 3, "III": 2, "IV": 1}[name]
    return {
        "level": name,
        "name": f"{LEVEL_NAMES[name]}应急响应",
        "triggers": triggers,
        "command": [
            {"role": "总指挥", "post": "县长" if scale >= 3 else "分管副县长"},
            {"role": "副总指挥", "post": "县应急管理局局长"},
        ],
        "actions": [
            {
                "action": "指挥部办公室提出启动响应建议，报总指挥批准",
                "responsible": "县应急管理局",
                "within_min": 30,
            },
            {
                "action": "通知各成员单位和相关乡镇进入应急状态",
                "responsible": "值班员",
                "within_min": 30,
            },
            {"action": "调派救援队伍和物资赶赴现场", "responsible": "抢险救援组", "within_min": 60},
            {"action": "组织受威胁群众转移避险", "responsible": "属地乡镇政府", "within_min": 120},
            {
                "action": "向市应急管理局报告事件和响应情况",
                "responsible": "县应急管理局",
                "within_min": 60 if scale >= 3 else 120,
            },
        ],
        "resources": {
            "teams": [{"team_type": t, "count": c * scale} for t, c in teams],
            "items": [{"item_id": i, "quantity": q * scale} for i, q in items],
        },
    }


def content(
    org: str,
    hazard: str,
    triggers: dict[str, list[str]],
    teams: list[tuple[str, int]],
    items: list[tuple[int, int]],
) -> Content:
    """A plan's content; ``items`` are (catalogue item id, quantity at level IV)."""
    return Content.model_validate(
        {
            "sections": [
                {"key": k, "title": t, "body": b.format(org=org, hazard=hazard)}
                for k, t, b in SECTIONS
            ],
            "levels": [_level(n, tr, teams, items) for n, tr in triggers.items()],
        }
    )


def _triggers(what: str) -> dict[str, list[str]]:
    return {
        "I": [f"发生特别重大{what}，或造成 30 人以上死亡（含失踪）"],
        "II": [f"发生重大{what}，或造成 10 人以上 30 人以下死亡（含失踪）"],
        "III": [f"发生较大{what}，或造成 3 人以上 10 人以下死亡（含失踪）"],
        "IV": [f"发生一般{what}，或造成 3 人以下死亡（含失踪）"],
    }


FLOOD_TRIGGERS = {
    "I": ["主要河流发生特大洪水", "中型水库发生垮坝"],
    "II": ["主要河流发生大洪水", "小（一）型水库发生垮坝"],
    "III": ["气象台发布暴雨橙色预警，且已出现较大洪涝灾害"],
    "IV": ["气象台发布暴雨黄色预警", "24 小时降雨量超过 50 毫米"],
}
# (org name, kind, title, hazards, hazard word, triggers, teams, items by catalogue name)
PLANS: list[
    tuple[
        str,
        str,
        str,
        list[str],
        str,
        dict[str, list[str]],
        list[tuple[str, int]],
        list[tuple[str, int]],
    ]
] = [
    (
        "阳城县",
        "overall",
        "阳城县突发事件总体应急预案",
        ["other"],
        "突发事件",
        _triggers("突发事件"),
        [("comprehensive", 1), ("social_volunteer", 1)],
        [("帐篷", 50)],
    ),
    (
        "阳城县",
        "special",
        "阳城县防汛抗旱应急预案",
        ["flood", "drought", "rainstorm"],
        "洪涝干旱灾害",
        FLOOD_TRIGGERS,
        [("flood", 2), ("comprehensive", 1)],
        [("编织袋", 5000), ("救生衣", 200)],
    ),
    (
        "阳城县",
        "special",
        "阳城县地质灾害应急预案",
        ["geological"],
        "地质灾害",
        _triggers("地质灾害"),
        [("comprehensive", 1)],
        [("应急照明灯", 20)],
    ),
    (
        "阳城县",
        "special",
        "阳城县森林草原火灾应急预案",
        ["forest_fire"],
        "森林草原火灾",
        _triggers("森林草原火灾"),
        [("forest_fire", 2)],
        [("风力灭火机", 30)],
    ),
    (
        "阳城县",
        "special",
        "阳城县生产安全事故应急预案",
        ["work_safety", "mine"],
        "生产安全事故",
        _triggers("生产安全事故"),
        [("mine_rescue", 1), ("enterprise", 2)],
        [("正压式空气呼吸器", 20)],
    ),
    (
        "阳城县",
        "special",
        "阳城县危险化学品事故应急预案",
        ["hazardous_chemicals"],
        "危险化学品事故",
        _triggers("危险化学品事故"),
        [("hazmat", 1), ("fire", 1)],
        [("防化服", 20)],
    ),
    (
        "县应急管理局",
        "department",
        "阳城县应急管理局突发事件应急预案",
        ["work_safety"],
        "突发事件",
        _triggers("突发事件"),
        [("comprehensive", 1)],
        [("卫星电话", 5)],
    ),
    (
        "凤城镇",
        "overall",
        "凤城镇突发事件综合应急预案",
        ["flood", "geological"],
        "突发事件",
        {"IV": ["镇域内发生一般突发事件"]},
        [("social_volunteer", 1)],
        [("编织袋", 500)],
    ),
    (
        "蟒河镇",
        "special",
        "蟒河镇山洪地质灾害应急预案",
        ["mountain_torrent", "geological"],
        "山洪地质灾害",
        {"IV": ["气象台发布暴雨黄色预警", "巡查发现滑坡、崩塌前兆"]},
        [("social_volunteer", 1)],
        [("铜锣", 20)],
    ),
]


async def _publish(
    session: AsyncSession, plan: Plan, org: Org, number: int, rules: workflow.Rules
) -> None:
    version = await versions.get(session, plan, number)
    await workflow.submit(session, SYSTEM, plan, org, version)
    await workflow.approve(session, SYSTEM, plan, org, version, rules, "同意")
    day = workflow.local_date(version.decided_at or version.updated_at, org)
    filing = Filing(
        filing_number=f"阳应急预备〔{day.year}〕{plan.id:03d}-{number}号", filing_date=day
    )
    await workflow.file(session, SYSTEM, plan, org, version, filing)
    await workflow.publish(session, SYSTEM, plan, org, version, rules)


async def load(session: AsyncSession, settings: Settings, by_name: dict[str, Org]) -> int:
    """Load the plans that are missing; how many were added."""
    rules = workflow.Rules.of(settings)
    catalogue = await resources_demo.catalogue(session)
    added = 0
    county_plan: Plan | None = None
    for org_name, kind, title, hazards, word, triggers, teams, items in PLANS:
        org = by_name[org_name]
        existing = (
            await session.exec(select(Plan).where(Plan.title == title, Plan.org_id == org.id))
        ).first()
        if existing is not None:
            county_plan = county_plan or existing
            continue
        data = PlanCreate.model_validate(
            {
                "org_id": org.id,
                "kind": kind,
                "title": title,
                "hazards": hazards,
                "parent_plan_id": county_plan.id
                if county_plan and org.kind == "township"
                else None,
                "content": content(
                    org_name, word, triggers, teams, [(catalogue[n].id or 0, q) for n, q in items]
                ).model_dump(),
            }
        )
        plan = await service.create(session, SYSTEM, data)
        county_plan = county_plan or plan
        await _publish(session, plan, org, 1, rules)
        if "防汛" in title and org.kind == "county":
            await _revise(session, plan, org, rules)
        added += 1
    await reviews.ensure_weekly(session, settings.plan_review_notice_days)
    return added


async def _revise(session: AsyncSession, plan: Plan, org: Org, rules: workflow.Rules) -> None:
    """Version 2 after the summer drill: faster evacuation, a medical team, more life
    jackets."""
    trigger = RevisionTrigger(
        kind="drill_lessons", note="2026 年汛前实战化演练发现群众转移时限过长"
    )
    draft = await versions.create(
        session,
        SYSTEM,
        plan,
        org,
        VersionCreate(revision_triggers=[trigger], change_note="根据演练评估修订"),
    )
    body = service.content_of(draft)
    body.sections[0].body += "\n\n本次修订吸收了 2026 年汛前演练的评估意见。"
    for level in body.levels:
        level.actions[3].within_min = 60
        level.actions.append(
            level.actions[0].model_copy(
                update={
                    "key": None,
                    "action": "开放应急避难场所并做好安置",
                    "responsible": "县民政局",
                    "within_min": 90,
                }
            )
        )
        level.resources.teams.append(
            level.resources.teams[0].model_copy(update={"team_type": TeamType.medical, "count": 1})
        )
        jackets = level.resources.items[-1]
        jackets.quantity += 100
    await versions.update(session, SYSTEM, plan, org, draft, versions.VersionUpdate(content=body))
    await _publish(session, plan, org, 2, rules)
