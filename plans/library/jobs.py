"""Clock handlers of the plan library: the filing deadline of an approved version and
the weekly review-date check (a chain of one timer per week)."""

from __future__ import annotations

from datetime import timedelta

import structlog
from sqlmodel.ext.asyncio.session import AsyncSession

from plans.library import reviews, versions, workflow
from plans.library.models import Plan, PlanVersion, VersionStatus
from service.auth import users
from service.auth.permissions import SYSTEM
from service.clock import service as clock
from service.clock.models import Timer
from service.clock.runner import handler
from service.db import utcnow
from service.i18n import t
from service.notify import service as notify
from service.orgs import service as orgs

log = structlog.get_logger("yingji.plans")


@handler(workflow.FILING_DUE)
async def filing_due(session: AsyncSession, timer: Timer) -> None:
    version = await session.get(PlanVersion, int(timer.payload.get("version_id") or 0))
    if version is None:
        return
    await mark_overdue(session, version)


async def mark_overdue(session: AsyncSession, version: PlanVersion) -> bool:
    """The approved version was not filed in time: ``plan_version.filing_overdue``, and a
    message to the plan's owner and the org's leaders. Once per version."""
    if version.status != VersionStatus.approved or version.filing_overdue:
        return False
    plan = await session.get(Plan, version.plan_id)
    org = await orgs.get(session, plan.org_id) if plan else None
    if plan is None or org is None:
        return False
    before = versions.version_dump(version)
    version.filing_overdue = True
    version.updated_at = utcnow()
    session.add(version)
    await session.flush()
    await versions.record(session, SYSTEM, plan, org, version, "filing_overdue", before)
    people = set(await users.people_with_role(session, org, {"admin", "leader"}))
    if plan.owner_person_id:
        people.add(plan.owner_person_id)
    approved = workflow.local_date(version.decided_at, org) if version.decided_at else None
    await notify.notify_people(
        session,
        SYSTEM,
        sorted(people),
        title=t("plan_filing_overdue_title", title=plan.title),
        text=t(
            "plan_filing_overdue_text",
            title=plan.title,
            number=version.number,
            approved=approved.isoformat() if approved else "-",
            due=version.filing_due_date.isoformat() if version.filing_due_date else "-",
        ),
        ref=f"plan.filing_overdue:{version.id}",
        org=org,
    )
    log.info("plan filing overdue", plan_id=plan.id, version=version.number)
    return True


@handler(reviews.WEEKLY)
async def weekly(session: AsyncSession, timer: Timer) -> None:
    notice_days = int(timer.payload.get("notice_days") or reviews.DEFAULT_NOTICE_DAYS)
    found = await reviews.weekly_check(session, notice_days)
    # the next Monday after this run (a timer may be claimed a tick early, or fire late)
    at = reviews.next_run(max(utcnow(), timer.due_at) + timedelta(hours=1))
    if reviews.week_ref(at) == timer.ref:
        at += timedelta(days=7)
    await clock.schedule_once(
        session, reviews.WEEKLY, reviews.week_ref(at), at, payload={"notice_days": notice_days}
    )
    log.info("plan reviews checked", due=found)
