"""Versions: a draft is edited freely; from submission on a version never changes.

Actions get a stable ``key`` (``II-3``) when saved without one, and a new draft copies the
keys of the version it starts from, so the diff can tell a changed action from a new one.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from plans.library import service
from plans.library.models import OPEN_STATUSES, Plan, PlanVersion, VersionStatus
from plans.library.schemas import (
    Content,
    RevisionTrigger,
    VersionCreate,
    VersionRead,
    VersionUpdate,
)
from plans.resources import depots
from service.auth.permissions import Principal
from service.db import utcnow
from service.errors import Conflict, FieldError, Invalid, NotFound
from service.orgs.models import Org
from service.people.models import Person
from service.schemas import dump


def version_dump(version: PlanVersion) -> dict[str, Any]:
    return dump(VersionRead.model_validate(version))


def event_data(plan: Plan, version: PlanVersion) -> dict[str, Any]:
    """What a version's events carry: the version without its (large) content."""
    data = version_dump(version)
    data.pop("content", None)
    return {**data, "plan_title": plan.title, "org_id": plan.org_id}


async def record(
    session: AsyncSession,
    actor: Principal | None,
    plan: Plan,
    org: Org,
    version: PlanVersion,
    action: str,
    before: dict[str, Any] | None,
) -> None:
    await service.record(
        session,
        actor,
        org,
        "plan_version",
        action,
        version.id,
        before,
        version_dump(version),
        data=event_data(plan, version),
    )


async def get(session: AsyncSession, plan: Plan, number: int) -> PlanVersion:
    version = (
        await session.exec(
            select(PlanVersion).where(PlanVersion.plan_id == plan.id, PlanVersion.number == number)
        )
    ).first()
    if version is None:
        raise NotFound("plan_version")
    return version


async def list_of(session: AsyncSession, plan: Plan) -> list[PlanVersion]:
    rows = await session.exec(
        select(PlanVersion).where(PlanVersion.plan_id == plan.id).order_by(col(PlanVersion.number))
    )
    return list(rows.all())


async def open_version(session: AsyncSession, plan: Plan) -> PlanVersion | None:
    return (
        await session.exec(
            select(PlanVersion).where(
                PlanVersion.plan_id == plan.id, col(PlanVersion.status).in_(OPEN_STATUSES)
            )
        )
    ).first()


def _assign_keys(content: Content, *earlier: dict[str, Any]) -> dict[str, Any]:
    """Give each action without a key the next ``<level>-<n>`` never used in this level, by
    this content or the earlier contents given (a removed action's key is not reused)."""
    for level in content.levels:
        keys = {a.key for a in level.actions if a.key}
        for old in earlier:
            for old_level in old.get("levels", []):
                if old_level.get("level") == level.level:
                    keys |= {str(a.get("key")) for a in old_level.get("actions", [])}
        prefix = f"{level.level}-"
        numbers = [
            int(k[len(prefix) :])
            for k in keys
            if k.startswith(prefix) and k[len(prefix) :].isdigit()
        ]
        n = max(numbers, default=0)
        for action in level.actions:
            if action.key is None:
                n += 1
                action.key = f"{prefix}{n}"
    return content.model_dump(mode="json")


async def _check_references(session: AsyncSession, actor: Principal, content: Content) -> None:
    """People in the command structure and orgs responsible for actions must be ones the
    caller may see, required items entries of the resource catalogue (their name, spec and
    unit are copied in); every bad reference is named. Team types are the catalogue's team
    kinds, checked when the content is parsed."""
    errors: list[FieldError] = []
    people_scope = actor.scope("person.read")
    org_scope = actor.scope("org.read")
    wanted = [need.item_id for level in content.levels for need in level.resources.items]
    catalogue = await depots.items_by_id(session, wanted)
    for i, level in enumerate(content.levels):
        for j, need in enumerate(level.resources.items):
            item = catalogue.get(need.item_id)
            if item is None:
                errors.append(
                    FieldError(f"content.levels.{i}.resources.items.{j}.item_id", "item_unknown")
                )
            else:
                need.name, need.spec, need.unit = item.name, item.spec, item.unit
        for j, role in enumerate(level.command):
            if role.person_id is None:
                continue
            person = await session.get(Person, role.person_id)
            org = await session.get(Org, person.org_id) if person else None
            if org is None or not people_scope.covers(org.path):
                errors.append(
                    FieldError(f"content.levels.{i}.command.{j}.person_id", "person_unknown")
                )
        for j, action in enumerate(level.actions):
            if action.responsible_org_id is None:
                continue
            org = await session.get(Org, action.responsible_org_id)
            if org is None or not org_scope.covers(org.path):
                errors.append(
                    FieldError(f"content.levels.{i}.actions.{j}.responsible_org_id", "org_unknown")
                )
    if errors:
        raise Invalid(*errors)


def _triggers(triggers: list[RevisionTrigger]) -> list[dict[str, Any]]:
    return [t.model_dump(mode="json") for t in triggers]


async def add_draft(
    session: AsyncSession,
    actor: Principal,
    plan: Plan,
    org: Org,
    *,
    content: Content,
    change_note: str | None = None,
    triggers: list[RevisionTrigger] | None = None,
    based_on: int | None = None,
    earlier: list[dict[str, Any]] | None = None,
) -> PlanVersion:
    await _check_references(session, actor, content)
    version = PlanVersion(
        plan_id=plan.id or 0,
        number=plan.latest_version + 1,
        content=_assign_keys(content, *(earlier or [])),
        change_note=change_note,
        revision_triggers=_triggers(triggers or []),
        based_on=based_on,
        created_by=actor.user_id,
    )
    session.add(version)
    plan.latest_version = version.number
    plan.search_text = service.search_text(plan, version.content)
    plan.updated_at = utcnow()
    session.add(plan)
    await session.flush()
    await record(session, actor, plan, org, version, "created", None)
    return version


async def create(
    session: AsyncSession, actor: Principal, plan: Plan, org: Org, data: VersionCreate
) -> PlanVersion:
    """A new draft: the given content, or a copy of ``copy_from`` (default: the latest)."""
    service.may(actor, org)
    current = await open_version(session, plan)
    if current is not None:
        raise Conflict("plan_version_open", number=current.number, status=current.status)
    if plan.published_version is not None and not data.revision_triggers:
        raise Invalid.field("revision_triggers", "revision_triggers_required")
    source = None
    if data.copy_from is not None or (data.content is None and plan.latest_version):
        try:
            source = await get(session, plan, data.copy_from or plan.latest_version)
        except NotFound:
            raise Invalid.field("copy_from", "plan_version_unknown") from None
    content = data.content
    if content is None:
        content = service.content_of(source) if source else Content()
    based_on = source.number if source else None
    return await add_draft(
        session,
        actor,
        plan,
        org,
        content=content,
        change_note=data.change_note,
        triggers=data.revision_triggers,
        based_on=based_on,
        earlier=[source.content] if source else [],
    )


async def lock(session: AsyncSession, version: PlanVersion) -> None:
    """Re-read the version under a row lock (PostgreSQL; SQLite writers are serialised), so
    two requests racing over one version see each other's change of status."""
    await session.refresh(version, with_for_update=True)


async def ensure_draft(session: AsyncSession, version: PlanVersion) -> None:
    await lock(session, version)
    if version.status != VersionStatus.draft:
        raise Conflict("plan_version_locked", number=version.number, status=version.status)


async def update(
    session: AsyncSession,
    actor: Principal,
    plan: Plan,
    org: Org,
    version: PlanVersion,
    data: VersionUpdate,
) -> PlanVersion:
    service.may(actor, org)
    await ensure_draft(session, version)
    changes = data.model_dump(exclude_unset=True)
    if "content" in changes and data.content is None:
        raise Invalid.field("content", "missing")
    if (
        "revision_triggers" in changes
        and plan.published_version is not None
        and not data.revision_triggers
    ):
        raise Invalid.field("revision_triggers", "revision_triggers_required")
    before = version_dump(version)
    if data.content is not None:
        await _check_references(session, actor, data.content)
        earlier = [version.content]
        if version.based_on:
            earlier.append((await get(session, plan, version.based_on)).content)
        version.content = _assign_keys(data.content, *earlier)
        plan.search_text = service.search_text(plan, version.content)
        plan.updated_at = utcnow()
        session.add(plan)
    if "change_note" in changes:
        version.change_note = data.change_note
    if data.revision_triggers is not None:
        version.revision_triggers = _triggers(data.revision_triggers)
    version.updated_at = utcnow()
    session.add(version)
    await session.flush()
    await record(session, actor, plan, org, version, "updated", before)
    return version
