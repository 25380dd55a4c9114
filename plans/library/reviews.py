"""Review dates (评估): a published plan is due for evaluation every N years (per kind);
the list of plans due soon or overdue; the weekly check that tells their owners.

The weekly check is a chain of clock timers, one per ISO week (``schedule_once``), so it
runs once per week across instances and restarts; publishing a plan (and loading the
demo) makes sure the chain exists.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from plans.library import service
from plans.library.models import Plan
from plans.library.schemas import Evaluation, PlanRead, ReviewItem
from service.auth import users
from service.auth.permissions import SYSTEM, Principal
from service.clock import service as clock
from service.db import fetch_page, utcnow
from service.errors import Invalid
from service.i18n import t
from service.notify import service as notify
from service.orgs import service as orgs
from service.orgs.models import Org

WEEKLY = "plans.review_weekly"
ZONE = ZoneInfo("Asia/Shanghai")
DEFAULT_NOTICE_DAYS = 90


def due_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def today() -> date:
    return utcnow().astimezone(ZONE).date()


async def due(
    session: AsyncSession,
    actor: Principal,
    *,
    within_days: int,
    on: date | None = None,
    limit: int = 500,
    offset: int = 0,
) -> tuple[list[ReviewItem], int]:
    """Published plans whose evaluation is due within ``within_days`` or overdue, the most
    urgent first."""
    day = on or today()
    base = (
        select(Plan)
        .join(Org, col(Org.id) == col(Plan.org_id))
        .where(
            actor.scope("plan.read").clause(col(Org.path)),
            col(Plan.published_version).is_not(None),
            col(Plan.review_due_date) <= day + timedelta(days=within_days),
        )
    )
    rows, count = await fetch_page(
        session,
        base,
        order_by=(col(Plan.review_due_date), col(Plan.id)),
        limit=limit,
        offset=offset,
    )
    return [item(p, day) for p in rows], count


def item(plan: Plan, day: date) -> ReviewItem:
    assert plan.review_due_date is not None
    days_left = (plan.review_due_date - day).days
    return ReviewItem(
        plan=PlanRead.model_validate(plan),
        review_due_date=plan.review_due_date,
        days_left=days_left,
        overdue=days_left < 0,
    )


async def evaluate(
    session: AsyncSession, actor: Principal, plan: Plan, org: Org, data: Evaluation, years: int
) -> Plan:
    """An evaluation was held: the next one is due ``years`` later."""
    service.may(actor, org)
    if plan.published_version is None:
        raise Invalid.field("plan_id", "plan_not_published")
    if data.evaluated_date > today():
        raise Invalid.field("evaluated_date", "plan_filing_future")
    before = service.plan_dump(plan)
    plan.last_evaluated_date = data.evaluated_date
    plan.review_due_date = due_after(data.evaluated_date, years)
    plan.updated_at = utcnow()
    session.add(plan)
    await session.flush()
    after = service.plan_dump(plan)
    await service.record(
        session,
        actor,
        org,
        "plan",
        "evaluated",
        plan.id,
        before,
        after,
        data={**after, "note": data.note},
    )
    return plan


def next_run(now: datetime) -> datetime:
    """The next Monday 09:00 in Beijing after ``now``."""
    local = now.astimezone(ZONE)
    monday = local.date() + timedelta(days=(7 - local.weekday()) % 7)
    at = datetime.combine(monday, time(9), tzinfo=ZONE)
    return at if at > now else at + timedelta(days=7)


def week_ref(at: datetime) -> str:
    year, week, _ = at.astimezone(ZONE).isocalendar()
    return f"week:{year}-W{week:02d}"


async def ensure_weekly(session: AsyncSession, notice_days: int = DEFAULT_NOTICE_DAYS) -> None:
    at = next_run(utcnow())
    await clock.schedule_once(
        session, WEEKLY, week_ref(at), at, payload={"notice_days": notice_days}
    )


async def weekly_check(session: AsyncSession, notice_days: int, on: date | None = None) -> int:
    """Raise ``plan.review_due`` / ``plan.review_overdue`` for every plan due within
    ``notice_days`` or overdue, and tell its owner (or, without one, the org's leaders)."""
    day = on or today()
    items, _ = await due(session, SYSTEM, within_days=notice_days, on=day, limit=10_000)
    for entry in items:
        plan = await session.get(Plan, entry.plan.id)
        org = await orgs.get(session, entry.plan.org_id)
        if plan is None or org is None:
            continue
        action = "review_overdue" if entry.overdue else "review_due"
        data = entry.model_dump(mode="json")
        await service.record(session, SYSTEM, org, "plan", action, plan.id, None, None, data=data)
        people = (
            [plan.owner_person_id]
            if plan.owner_person_id
            else await users.people_with_role(session, org, {"admin", "leader"})
        )
        text = t(
            f"plan_{action}_text",
            title=plan.title,
            due=entry.review_due_date.isoformat(),
            days=abs(entry.days_left),
        )
        await notify.notify_people(
            session,
            SYSTEM,
            people,
            title=t("plan_review_title", title=plan.title),
            text=text,
            ref=f"plan.review:{plan.id}:{day.isoformat()}",
            org=org,
        )
    return len(items)
