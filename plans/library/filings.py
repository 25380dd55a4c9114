"""The filing-due list (备案): approved versions waiting for the parent org to record their
filing, the most urgent first. The deadline itself is a clock timer (see workflow)."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from plans.library.models import Plan, PlanVersion, VersionStatus
from plans.library.reviews import today
from plans.library.schemas import FilingItem, PlanRead
from service.auth.permissions import Principal
from service.db import fetch_page
from service.orgs.models import Org


async def due(
    session: AsyncSession,
    actor: Principal,
    *,
    overdue: bool | None = None,
    org_id: int | None = None,
    limit: int = 500,
    offset: int = 0,
) -> tuple[list[FilingItem], int]:
    """Approved versions of plans the caller may see, by filing due date. ``overdue``
    keeps only those past (or, False, not yet past) their due date."""
    day = today()
    base = (
        select(PlanVersion)
        .join(Plan, col(Plan.id) == col(PlanVersion.plan_id))
        .join(Org, col(Org.id) == col(Plan.org_id))
        .where(
            actor.scope("plan.read").clause(col(Org.path)),
            col(PlanVersion.status) == VersionStatus.approved,
        )
    )
    if org_id is not None:
        base = base.where(col(Plan.org_id) == org_id)
    if overdue is True:
        base = base.where(col(PlanVersion.filing_due_date) < day)
    elif overdue is False:
        base = base.where(col(PlanVersion.filing_due_date) >= day)
    rows, count = await fetch_page(
        session,
        base,
        order_by=(col(PlanVersion.filing_due_date), col(PlanVersion.id)),
        limit=limit,
        offset=offset,
    )
    plans = {p.id: p for p in await _plans(session, {v.plan_id for v in rows})}
    orgs = {o.id: o for o in await _orgs(session, {p.org_id for p in plans.values()})}
    out = []
    for version in rows:
        plan = plans[version.plan_id]
        due_date = version.filing_due_date or day
        left = (due_date - day).days
        out.append(
            FilingItem(
                plan=PlanRead.model_validate(plan),
                number=version.number,
                approved_at=version.decided_at,
                filing_due_date=due_date,
                days_left=left,
                overdue=left < 0,
                filing_org_id=orgs[plan.org_id].parent_id,
            )
        )
    return out, count


async def _plans(session: AsyncSession, ids: set[int]) -> list[Plan]:
    if not ids:
        return []
    return list((await session.exec(select(Plan).where(col(Plan.id).in_(sorted(ids))))).all())


async def _orgs(session: AsyncSession, ids: set[int]) -> list[Org]:
    if not ids:
        return []
    return list((await session.exec(select(Org).where(col(Org.id).in_(sorted(ids))))).all())
