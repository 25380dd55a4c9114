"""Yearly compliance with the drill rules (``rules.RULES``): per org and per plan, each
period of the year asked is ``met`` (a held drill that counts started in it), ``overdue``
(it ended without one), ``due_soon`` (it ends within ``YINGJI_DRILL_DUE_SOON_DAYS``) or
``due``. Periods are local calendar dates of the org concerned (Asia/Shanghai by default),
so a drill on 31 December evening counts for that year, one after midnight for the next.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from plans.drills.models import ACTIVE_STATUSES, HELD_STATUSES, Drill
from plans.drills.rules import RULES, Rule
from plans.drills.schemas import Compliance, ComplianceItem, ComplianceState, RuleRead
from plans.library import service as plans
from service.auth.permissions import Principal
from service.db import utcnow
from service.orgs import service as orgs
from service.orgs.models import Org, OrgKind


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # the last day

    def utc(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        begin = datetime.combine(self.start, time(0, 0), zone)
        after = datetime.combine(self.end + timedelta(days=1), time(0, 0), zone)
        return begin, after


def periods(rule: Rule, year: int) -> list[Period]:
    if rule.every == "half":
        return [
            Period(date(year, 1, 1), date(year, 6, 30)),
            Period(date(year, 7, 1), date(year, 12, 31)),
        ]
    if rule.every == "three_years":
        return [Period(date(year - 2, 1, 1), date(year, 12, 31))]
    return [Period(date(year, 1, 1), date(year, 12, 31))]


def counts(rule: Rule, drill: Drill) -> bool:
    if rule.types and drill.type not in rule.types:
        return False
    return drill.multi_department or not rule.multi_department


def state_of(met: bool, period: Period, today: date, soon_days: int) -> ComplianceState:
    if met:
        return "met"
    if today > period.end:
        return "overdue"
    if (period.end - today).days < soon_days:
        return "due_soon"
    return "due"


async def _drills(session: AsyncSession, first: date, last: date) -> list[Drill]:
    """Every held or scheduled drill starting between these dates (a day of margin on each
    side for time zones; each rule then checks the local dates)."""
    begin = datetime.combine(first - timedelta(days=1), time(0, 0), ZoneInfo("UTC"))
    end = datetime.combine(last + timedelta(days=2), time(0, 0), ZoneInfo("UTC"))
    rows = await session.exec(
        select(Drill)
        .where(
            col(Drill.status).in_((*HELD_STATUSES, *ACTIVE_STATUSES)),
            col(Drill.start_at) >= begin,
            col(Drill.start_at) < end,
        )
        .order_by(col(Drill.start_at), col(Drill.id))
    )
    return list(rows.all())


def _item(
    rule: Rule,
    org: Org,
    period: Period,
    candidates: list[Drill],
    today: date,
    soon_days: int,
    plan: tuple[int | None, str | None] = (None, None),
) -> ComplianceItem:
    zone = ZoneInfo(org.timezone)
    begin, after = period.utc(zone)
    inside = [d for d in candidates if begin <= d.start_at < after and counts(rule, d)]
    held = [d.id or 0 for d in inside if d.status in HELD_STATUSES]
    planned = [d.id or 0 for d in inside if d.status in ACTIVE_STATUSES]
    return ComplianceItem(
        rule=rule.code,
        org_id=org.id or 0,
        org_name=org.name,
        plan_id=plan[0],
        plan_title=plan[1],
        period_start=period.start,
        period_end=period.end,
        state=state_of(bool(held), period, today, soon_days),
        drill_ids=held,
        planned_drill_ids=planned,
    )


async def check(
    session: AsyncSession,
    actor: Principal,
    *,
    year: int,
    within: Org | None,
    soon_days: int,
    today: date | None = None,
) -> Compliance:
    today = today or utcnow().astimezone(ZoneInfo("Asia/Shanghai")).date()
    drills = await _drills(session, date(year - 2, 1, 1), date(year, 12, 31))
    items: list[ComplianceItem] = []
    for rule in RULES:
        if rule.target == "org":
            for kind in rule.kinds:
                rows, _ = await orgs.search(
                    session,
                    actor.scope("drill.read"),
                    within=within,
                    kind=OrgKind(kind),
                    limit=10_000,
                    offset=0,
                )
                for org in rows:
                    mine = [d for d in drills if d.org_id == org.id]
                    for period in periods(rule, year):
                        items.append(_item(rule, org, period, mine, today, soon_days))
        else:
            for plan, org in await plans.published(session, actor, list(rule.kinds), within):
                mine = [d for d in drills if d.plan_id == plan.id]
                for period in periods(rule, year):
                    items.append(
                        _item(rule, org, period, mine, today, soon_days, (plan.id, plan.title))
                    )
    return Compliance(
        year=year,
        as_of=today,
        rules=[
            RuleRead(
                code=r.code,
                title=r.title,
                applies_to=r.applies_to,
                every=r.every,
                citations=list(r.citations),
            )
            for r in RULES
        ],
        items=items,
    )
