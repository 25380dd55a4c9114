"""The printable handbook of a version (手册化、卡片化): the sections, then one action card
per response level, as one zh-CN HTML page with print CSS. Jinja2 with autoescape;
Markdown through markdown-it with raw HTML off, so plan text never becomes markup."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup

from plans.library.models import Plan, PlanVersion
from plans.library.schemas import TeamType
from service.orgs.models import Org

KIND_ZH = {
    "overall": "总体应急预案",
    "special": "专项应急预案",
    "department": "部门应急预案",
    "unit": "单位应急预案",
    "handbook": "应急响应手册",
    "action_card": "应急行动方案",
}
STATUS_ZH = {
    "draft": "草稿",
    "in_review": "审核中",
    "rejected": "已退回",
    "approved": "已批准",
    "filed": "已备案",
    "published": "已发布",
    "superseded": "已被新版本替代",
    "withdrawn": "已废止",
}
LEVEL_ZH = {"I": "Ⅰ级（特别重大）", "II": "Ⅱ级（重大）", "III": "Ⅲ级（较大）", "IV": "Ⅳ级（一般）"}
TEAM_ZH = {
    TeamType.comprehensive: "综合性救援队伍",
    TeamType.fire: "消防救援队伍",
    TeamType.mine_rescue: "矿山救护队",
    TeamType.hazmat: "危化品救援队",
    TeamType.forest_fire: "森林消防队伍",
    TeamType.flood: "防汛抢险队伍",
    TeamType.medical: "医疗救护队伍",
    TeamType.social_volunteer: "社会应急力量",
    TeamType.enterprise: "企业专职救援队",
    TeamType.other: "其他救援队伍",
}


@cache
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def markdown(text: str) -> Markup:
    return Markup(_markdown().render(text or ""))  # noqa: S704  raw HTML is off


def within(minutes: int | None) -> str:
    if minutes is None:
        return "—"
    if minutes % 60 == 0 and minutes >= 60:
        return f"{minutes // 60} 小时内"
    return f"{minutes} 分钟内"


def qty(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("plans.library", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    env.filters["markdown"] = markdown
    env.filters["within"] = within
    env.filters["qty"] = qty
    return env


def render(plan: Plan, org: Org, version: PlanVersion, people: dict[int, str]) -> str:
    context: dict[str, Any] = {
        "plan": plan,
        "org": org,
        "version": version,
        "content": version.content,
        "kind": KIND_ZH.get(str(plan.kind), str(plan.kind)),
        "status": STATUS_ZH.get(str(version.status), str(version.status)),
        "levels_zh": LEVEL_ZH,
        "teams_zh": {str(k): v for k, v in TEAM_ZH.items()},
        "people": people,
    }
    return _environment().get_template("handbook.html").render(**context)
