"""The life of a version: draft → in_review → approved → filed (备案) → published, then
superseded by a newer published version or withdrawn; in review it may be rejected.

Each step is audited and emits ``plan_version.<step>``. Filing is due within N working
days of approval (chinese-calendar: statutory holidays off, adjusted working days on); a
clock timer at the end of the due day raises ``plan_version.filing_overdue``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from plans.library import reviews, service, versions
from plans.library.models import OPEN_STATUSES, Plan, PlanKind, PlanVersion, VersionStatus
from plans.library.schemas import Filing
from service.auth.permissions import Principal
from service.clock import service as clock
from service.db import utcnow
from service.errors import Conflict, Forbidden, Invalid
from service.orgs import service as orgs
from service.orgs.models import Org
from service.settings import Settings

FILING_DUE = "plans.filing_due"


@dataclass(frozen=True)
class Rules:
    """The workflow's settings (``YINGJI_PLAN_*``)."""

    approver_must_differ: bool = True
    filing_working_days: int = 20
    review_years: int = 3
    review_years_by_kind: tuple[tuple[str, int], ...] = ()

    @classmethod
    def of(cls, settings: Settings) -> Rules:
        return cls(
            approver_must_differ=settings.plan_approver_must_differ,
            filing_working_days=settings.plan_filing_working_days,
            review_years=settings.plan_review_years,
            review_years_by_kind=tuple(sorted(settings.plan_review_years_by_kind.items())),
        )

    def years_for(self, kind: PlanKind) -> int:
        return dict(self.review_years_by_kind).get(str(kind), self.review_years)


def is_workday(day: date) -> bool:
    """By the official calendar; a year it does not carry yet falls back to Mon–Fri."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.isoweekday() < 6


def add_working_days(start: date, days: int) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself not counted)."""
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        if is_workday(day):
            counted += 1
    return day


def local_date(at: datetime, org: Org) -> date:
    return at.astimezone(ZoneInfo(org.timezone)).date()


def end_of_day(day: date, org: Org) -> datetime:
    """The first instant after ``day`` in the org's zone (when a due day has passed)."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZoneInfo(org.timezone))


async def _state(
    session: AsyncSession, version: PlanVersion, action: str, *allowed: VersionStatus
) -> None:
    await versions.lock(session, version)
    if version.status not in allowed:
        raise Conflict(
            "plan_version_state", number=version.number, status=version.status, action=action
        )


def ref(version: PlanVersion) -> str:
    return f"plan_version:{version.id}"


def _step(session: AsyncSession, version: PlanVersion, status: VersionStatus) -> dict[str, Any]:
    """Move to ``status``; the version as it was (for the audit row)."""
    before = versions.version_dump(version)
    version.status = status
    version.updated_at = utcnow()
    session.add(version)
    return before


def _not_own(actor: Principal, version: PlanVersion, rules: Rules) -> None:
    """Whoever drafted or submitted a version does not approve it (when the rule is on)."""
    mine = actor.user_id is not None and actor.user_id in (version.created_by, version.submitted_by)
    if rules.approver_must_differ and mine:
        raise Forbidden("plan_self_approval")


async def _may_file(session: AsyncSession, actor: Principal, org: Org) -> Org | None:
    """Filings are recorded over the parent org (a top-level org's by an admin of every
    org); the parent org, if any."""
    parent = await orgs.get(session, org.parent_id) if org.parent_id else None
    scope = actor.scope("plan.file")
    if parent is None:
        if not scope.everything:
            raise Forbidden("plan_filing_root")
    elif not scope.covers(parent.path):
        raise Forbidden("plan_filing_parent_org", org=parent.name)
    return parent


async def submit(
    session: AsyncSession, actor: Principal, plan: Plan, org: Org, version: PlanVersion
) -> PlanVersion:
    service.may(actor, org)
    await _state(session, version, "submit", VersionStatus.draft)
    if not version.content.get("sections") and not version.content.get("levels"):
        raise Invalid.field("content", "missing")
    before = _step(session, version, VersionStatus.in_review)
    version.submitted_at = utcnow()
    version.submitted_by = actor.user_id
    await session.flush()
    await versions.record(session, actor, plan, org, version, "submitted", before)
    return version


async def approve(
    session: AsyncSession,
    actor: Principal,
    plan: Plan,
    org: Org,
    version: PlanVersion,
    rules: Rules,
    note: str | None = None,
) -> PlanVersion:
    service.may(actor, org, "plan.approve")
    await _state(session, version, "approve", VersionStatus.in_review)
    _not_own(actor, version, rules)
    before = _step(session, version, VersionStatus.approved)
    now = utcnow()
    version.decided_at = now
    version.decided_by = actor.user_id
    version.decision_note = note
    version.filing_due_date = add_working_days(local_date(now, org), rules.filing_working_days)
    await session.flush()
    await clock.schedule(
        session,
        FILING_DUE,
        ref(version),
        end_of_day(version.filing_due_date, org),
        payload={"version_id": version.id},
    )
    await versions.record(session, actor, plan, org, version, "approved", before)
    return version


async def reject(
    session: AsyncSession,
    actor: Principal,
    plan: Plan,
    org: Org,
    version: PlanVersion,
    note: str | None,
) -> PlanVersion:
    service.may(actor, org, "plan.approve")
    await _state(session, version, "reject", VersionStatus.in_review)
    before = _step(session, version, VersionStatus.rejected)
    version.decided_at = utcnow()
    version.decided_by = actor.user_id
    version.decision_note = note
    await session.flush()
    await versions.record(session, actor, plan, org, version, "rejected", before)
    return version


async def file(
    session: AsyncSession,
    actor: Principal,
    plan: Plan,
    org: Org,
    version: PlanVersion,
    data: Filing,
) -> PlanVersion:
    """备案: recorded by a user of the parent org (the level above the plan's org)."""
    parent = await _may_file(session, actor, org)
    await _state(session, version, "file", VersionStatus.approved)
    approved_on = local_date(version.decided_at or utcnow(), org)
    if data.filing_date < approved_on:
        raise Invalid.field("filing_date", "plan_filing_before_approval", day=approved_on)
    if data.filing_date > local_date(utcnow(), org):
        raise Invalid.field("filing_date", "plan_filing_future")
    before = _step(session, version, VersionStatus.filed)
    version.filing_number = data.filing_number
    version.filing_date = data.filing_date
    version.filing_org_id = parent.id if parent else None
    version.filed_at = utcnow()
    version.filed_by = actor.user_id
    await session.flush()
    await clock.cancel(session, FILING_DUE, ref(version))
    await versions.record(session, actor, plan, org, version, "filed", before)
    return version


async def publish(
    session: AsyncSession,
    actor: Principal,
    plan: Plan,
    org: Org,
    version: PlanVersion,
    rules: Rules,
) -> PlanVersion:
    """Publish a filed version; the one published before it is superseded."""
    service.may(actor, org)
    await _state(session, version, "publish", VersionStatus.filed)
    now = utcnow()
    previous = (
        await session.exec(
            select(PlanVersion).where(
                PlanVersion.plan_id == plan.id,
                col(PlanVersion.status) == VersionStatus.published,
            )
        )
    ).all()
    for old in previous:
        old_before = _step(session, old, VersionStatus.superseded)
        old.ended_at = now
        await session.flush()
        await versions.record(session, actor, plan, org, old, "superseded", old_before)
    before = _step(session, version, VersionStatus.published)
    version.published_at = now
    version.published_by = actor.user_id
    plan_before = service.plan_dump(plan)
    plan.published_version = version.number
    plan.published_at = now
    plan.withdrawn = False
    plan.review_due_date = reviews.due_after(local_date(now, org), rules.years_for(plan.kind))
    plan.updated_at = now
    session.add(plan)
    await session.flush()
    await versions.record(session, actor, plan, org, version, "published", before)
    await service.record(
        session, actor, org, "plan", "updated", plan.id, plan_before, service.plan_dump(plan)
    )
    await reviews.ensure_weekly(session)
    return version


async def withdraw(
    session: AsyncSession,
    actor: Principal,
    plan: Plan,
    org: Org,
    version: PlanVersion,
    reason: str,
) -> PlanVersion:
    """Withdraw a version in progress, or the published one (the plan then has none)."""
    service.may(actor, org)
    await _state(
        session,
        version,
        "withdraw",
        VersionStatus.draft,
        VersionStatus.in_review,
        VersionStatus.approved,
        VersionStatus.filed,
        VersionStatus.published,
    )
    was_published = version.status == VersionStatus.published
    before = _step(session, version, VersionStatus.withdrawn)
    version.ended_at = utcnow()
    version.withdraw_reason = reason
    await session.flush()
    await clock.cancel(session, FILING_DUE, ref(version))
    await versions.record(session, actor, plan, org, version, "withdrawn", before)
    if was_published:
        plan_before = service.plan_dump(plan)
        plan.published_version = None
        plan.review_due_date = None
        plan.withdrawn = True
        plan.updated_at = utcnow()
        session.add(plan)
        await session.flush()
        await service.record(
            session, actor, org, "plan", "updated", plan.id, plan_before, service.plan_dump(plan)
        )
    return version


def _allowed(check: Any) -> bool:
    try:
        check()
    except Forbidden:
        return False
    return True


WITHDRAWABLE = (*OPEN_STATUSES, VersionStatus.published)


async def version_actions(
    session: AsyncSession,
    actor: Principal,
    org: Org,
    version: PlanVersion,
    rules: Rules,
) -> list[str]:
    """What the caller may do with this version now, by the same rules as the steps
    themselves (a client shows these buttons and no others)."""
    status = version.status
    writer = _allowed(lambda: service.may(actor, org))
    out: list[str] = []
    if status == VersionStatus.draft and writer:
        out += ["edit", "submit"]
    if (
        status == VersionStatus.in_review
        and _allowed(lambda: service.may(actor, org, "plan.approve"))
        and _allowed(lambda: _not_own(actor, version, rules))
    ):
        out += ["approve", "reject"]
    if status == VersionStatus.approved:
        try:
            await _may_file(session, actor, org)
            out.append("file")
        except Forbidden:
            pass
    if status == VersionStatus.filed and writer:
        out.append("publish")
    if status in WITHDRAWABLE and writer:
        out.append("withdraw")
    return out


async def plan_actions(session: AsyncSession, actor: Principal, plan: Plan, org: Org) -> list[str]:
    """What the caller may do with the plan itself: change it, start a new draft (when no
    version is open), record an evaluation (when one is published)."""
    if not _allowed(lambda: service.may(actor, org)):
        return []
    out = ["update"]
    if await versions.open_version(session, plan) is None:
        out.append("new_version")
    if plan.published_version is not None:
        out.append("evaluate")
    return out
