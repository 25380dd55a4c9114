"""Plans: create, change, find; who sees and who changes them; audit and events.

A plan is visible to whoever may read plans of its org (the org's subtree and above).
Versions, the workflow, reviews and attachments live in their own modules.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from plans.library.models import Plan, PlanHazard, PlanKind, PlanVersion, VersionStatus
from plans.library.schemas import Content, PlanCreate, PlanRead, PlanUpdate
from service.auth.permissions import PERMISSIONS, Principal
from service.changes import OrgRecorder
from service.db import fetch_page, json_array_has, utcnow
from service.errors import Forbidden, Invalid, NotFound
from service.orgs import service as orgs
from service.orgs.models import Org
from service.people import service as people
from service.schemas import dump

TOPIC = "plans"


def forbid(permission: str = "plan.write") -> Forbidden:
    return Forbidden("role_required", roles=", ".join(sorted(PERMISSIONS[permission])))


def may(actor: Principal, org: Org, permission: str = "plan.write") -> None:
    if not actor.scope(permission).covers(org.path):
        raise forbid(permission)


async def get(session: AsyncSession, plan_id: int) -> Plan | None:
    return await session.get(Plan, plan_id)


async def get_visible(session: AsyncSession, actor: Principal, plan_id: int) -> tuple[Plan, Org]:
    plan = await session.get(Plan, plan_id)
    org = await orgs.get(session, plan.org_id) if plan else None
    if plan is None or org is None or not actor.scope("plan.read").covers(org.path):
        raise NotFound("plan")
    return plan, org


record = OrgRecorder(TOPIC)  # audit row and event of a change, on this domain's topic


def plan_dump(plan: Plan) -> dict[str, Any]:
    return dump(PlanRead.model_validate(plan))


def search_text(plan: Plan, content: dict[str, Any] | None) -> str:
    """What ``q`` searches: the title, hazards, and the sections and triggers of the latest
    version (lower case; capped so one huge plan cannot bloat the index)."""
    parts = [plan.title, *plan.hazards]
    for section in (content or {}).get("sections", []):
        parts += [section.get("title", ""), section.get("body", "")]
    for level in (content or {}).get("levels", []):
        parts += level.get("triggers", [])
        parts += [a.get("action", "") for a in level.get("actions", [])]
    return "\n".join(parts).lower()[:200_000]


async def _parent_plan(
    session: AsyncSession, actor: Principal, org: Org, parent_id: int, plan_id: int | None
) -> Plan:
    """A plan to link under (衔接): visible to the caller, or a published plan of an org
    above the plan's own (a township plan under the county's published plan)."""
    if parent_id == plan_id:
        raise Invalid.field("parent_plan_id", "plan_parent_self")
    parent = await session.get(Plan, parent_id)
    parent_org = await orgs.get(session, parent.org_id) if parent else None
    if parent is None or parent_org is None:
        raise Invalid.field("parent_plan_id", "plan_unknown")
    visible = actor.scope("plan.read").covers(parent_org.path)
    above = org.path.startswith(parent_org.path) and parent.published_version is not None
    if not (visible or above):
        raise Invalid.field("parent_plan_id", "plan_unknown")
    seen = {parent_id}
    current: Plan | None = parent
    while current is not None and current.parent_plan_id is not None:
        if current.parent_plan_id == plan_id or current.parent_plan_id in seen:
            raise Invalid.field("parent_plan_id", "plan_parent_cycle")
        seen.add(current.parent_plan_id)
        current = await session.get(Plan, current.parent_plan_id)
    return parent


async def create(session: AsyncSession, actor: Principal, data: PlanCreate) -> Plan:
    """A plan and its first draft (version 1)."""
    from plans.library import versions  # the draft's rules live there

    org = await orgs.referenced(session, actor.scope("plan.read"), data.org_id, "org_id")
    may(actor, org)
    if data.parent_plan_id is not None:
        await _parent_plan(session, actor, org, data.parent_plan_id, None)
    if data.owner_person_id is not None:
        await people.referenced(
            session, actor.scope("person.read"), data.owner_person_id, "owner_person_id"
        )
    plan = Plan(
        org_id=org.id or 0,
        kind=data.kind,
        title=data.title,
        hazards=[str(h) for h in data.hazards],
        parent_plan_id=data.parent_plan_id,
        owner_person_id=data.owner_person_id,
        created_by=actor.user_id,
    )
    session.add(plan)
    await session.flush()
    await record(session, actor, org, "plan", "created", plan.id, None, plan_dump(plan))
    await versions.add_draft(
        session, actor, plan, org, content=data.content, change_note=data.change_note
    )
    return plan


async def update(
    session: AsyncSession, actor: Principal, plan: Plan, org: Org, data: PlanUpdate
) -> Plan:
    may(actor, org)
    changes = data.model_dump(exclude_unset=True)
    for required in ("title", "hazards"):
        if required in changes and changes[required] is None:
            raise Invalid.field(required, "missing")
    if changes.get("parent_plan_id") is not None:
        await _parent_plan(session, actor, org, changes["parent_plan_id"], plan.id)
    if changes.get("owner_person_id") is not None:
        await people.referenced(
            session, actor.scope("person.read"), changes["owner_person_id"], "owner_person_id"
        )
    before = plan_dump(plan)
    for key, value in changes.items():
        setattr(plan, key, [str(h) for h in value] if key == "hazards" else value)
    latest = await latest_content(session, plan)
    plan.search_text = search_text(plan, latest)
    plan.updated_at = utcnow()
    session.add(plan)
    await session.flush()
    await record(session, actor, org, "plan", "updated", plan.id, before, plan_dump(plan))
    return plan


async def latest_content(session: AsyncSession, plan: Plan) -> dict[str, Any] | None:
    return await session.scalar(
        select(PlanVersion.content).where(
            PlanVersion.plan_id == plan.id, PlanVersion.number == plan.latest_version
        )
    )


async def search(
    session: AsyncSession,
    actor: Principal,
    *,
    hazard: PlanHazard | None = None,
    kind: PlanKind | None = None,
    org_id: int | None = None,
    q: str | None = None,
    status: VersionStatus | None = None,
    limit: int,
    offset: int,
) -> tuple[list[Plan], int]:
    """Plans the caller may see; ``status`` matches the latest version's status."""
    base = (
        select(Plan)
        .join(Org, col(Org.id) == col(Plan.org_id))
        .where(actor.scope("plan.read").clause(col(Org.path)))
    )
    if hazard is not None:
        base = base.where(json_array_has(col(Plan.hazards), str(hazard)))
    if kind is not None:
        base = base.where(col(Plan.kind) == kind)
    if org_id is not None:
        base = base.where(col(Plan.org_id) == org_id)
    if q:
        for word in q.lower().split()[:8]:
            base = base.where(col(Plan.search_text).contains(word, autoescape=True))
    if status is not None:
        base = base.where(
            sa.exists().where(
                col(PlanVersion.plan_id) == col(Plan.id),
                col(PlanVersion.number) == col(Plan.latest_version),
                col(PlanVersion.status) == status,
            )
        )
    return await fetch_page(session, base, order_by=col(Plan.id), limit=limit, offset=offset)


def content_of(version: PlanVersion) -> Content:
    return Content.model_validate(version.content)


async def published(
    session: AsyncSession, actor: Principal, kinds: list[str], within: Org | None = None
) -> list[tuple[Plan, Org]]:
    """Published plans of these kinds that the caller sees (in ``within``'s subtree), with
    their orgs."""
    query = (
        select(Plan, Org)
        .join(Org, col(Org.id) == col(Plan.org_id))
        .where(
            actor.scope("plan.read").clause(col(Org.path)),
            col(Plan.kind).in_(kinds),
            col(Plan.published_version).is_not(None),
            col(Plan.withdrawn).is_(False),
        )
        .order_by(col(Org.path), col(Plan.id))
    )
    if within is not None:
        query = query.where(col(Org.path).startswith(within.path))
    return [(p, o) for p, o in (await session.exec(query)).all()]
