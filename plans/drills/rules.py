"""The drill rules that compliance is checked against, each with its sources, in one place.

A rule applies either to orgs (by kind) or to published plans (by kind); ``every`` is the
period: a calendar ``year``, a ``half`` year, or ``three_years`` (the year asked and the two
before it). A period is met by a held drill (completed, evaluated or closed) that started in
it (local dates of the organiser) and matches the rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Every = Literal["year", "half", "three_years"]


@dataclass(frozen=True)
class Rule:
    code: str
    title: str
    applies_to: str  # "org:<kind>[,<kind>]" or "plan:<kind>[,<kind>]"
    every: Every
    types: tuple[str, ...]  # drill types that count (empty: any)
    multi_department: bool  # only multi-department drills count
    citations: tuple[str, ...]

    @property
    def target(self) -> str:
        return self.applies_to.split(":", 1)[0]

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self.applies_to.split(":", 1)[1].split(","))


RULES: tuple[Rule, ...] = (
    Rule(
        code="county_multi_department",
        title="县（市）级每年至少一次多部门、跨行业、多类型救援队伍参加的实战化演练或桌面推演",
        applies_to="org:county",
        every="year",
        types=("full_scale", "tabletop"),
        multi_department=True,
        citations=(
            "001 §29：年内至少组织开展一次多部门、跨行业、多类型救援队伍参加的县级综合性实战化演练",
            "004 §18：市、县两级年内至少组织开展一次多部门、跨行业、多类型救援队伍参加的"
            "实战化演练和桌面推演",
        ),
    ),
    Rule(
        code="command_full_scale",
        title="各专项指挥部每年至少组织一次实战化应急演练",
        applies_to="org:command",
        every="year",
        types=("full_scale",),
        multi_department=False,
        citations=("003 §27：专项指挥部年内都要组织一次实战化应急演练",),
    ),
    Rule(
        code="unit_yearly",
        title="生产经营单位每年至少组织一次综合应急预案或专项应急预案演练",
        applies_to="plan:unit",
        every="year",
        types=(),
        multi_department=False,
        citations=(
            "《生产安全事故应急预案管理办法》（应急管理部令第2号）：每年至少组织一次综合应急预案"
            "演练或者专项应急预案演练",
            "001 §29：督促企业定期开展应急疏散演练",
        ),
    ),
    Rule(
        code="unit_onsite_half_year",
        title="生产经营单位每半年至少组织一次现场处置方案演练（现场处置方案记为行动方案/卡片）",
        applies_to="plan:action_card",
        every="half",
        types=(),
        multi_department=False,
        citations=(
            "《生产安全事故应急预案管理办法》（应急管理部令第2号）：每半年至少组织一次现场处置方案演练",
        ),
    ),
    Rule(
        code="plan_three_years",
        title="专项应急预案、部门应急预案至少每三年演练一次",
        applies_to="plan:special,department",
        every="three_years",
        types=(),
        multi_department=False,
        citations=(
            "《突发事件应急预案管理办法》（国办发〔2024〕5号）：专项应急预案、部门应急预案每3年"
            "至少进行一次演练",
        ),
    ),
)
