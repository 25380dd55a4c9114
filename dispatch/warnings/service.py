"""Warnings: draft → issued → updated → lifted or cancelled; who sees what; the status
roll-up for the dispatch screen."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch.warnings import calls
from dispatch.warnings.models import (
    EscalationTask,
    Level,
    Recipient,
    Warning,
    WarningStatus,
)
from dispatch.warnings.recipients import Area, Named, Resolver
from dispatch.warnings.schemas import (
    WarningCreate,
    WarningRead,
    WarningUpdate,
)
from service.auth.permissions import PERMISSIONS, Principal, Scope
from service.changes import record_change
from service.db import fetch_page, utcnow
from service.errors import Conflict, Forbidden, Invalid, NotFound
from service.i18n import t
from service.notify import service as notify
from service.orgs import service as orgs
from service.orgs.models import Org
from service.schemas import dump
from service.settings import Settings

TOPIC = calls.TOPIC


def forbid() -> Forbidden:
    return Forbidden("role_required", roles=", ".join(sorted(PERMISSIONS["warning.write"])))


def ensure_writer(actor: Principal, issuer: Org, *, exercise: bool = False) -> None:
    """Warnings are written by duty staff; an exercise warning (issued through a drill) also
    by whoever runs drills of the issuing org."""
    if actor.scope("warning.write").covers(issuer.path):
        return
    if exercise and actor.scope("drill.write").covers(issuer.path):
        return
    raise forbid()


def respond_default(settings: Settings, level: Level) -> int:
    return int(getattr(settings, f"warning_respond_{level}_s"))


def may_answer_for(actor: Principal, person_id: int, org_path: str) -> bool:
    """True: on behalf (a duty officer over the person's org); False: the person themself."""
    if actor.person_id == person_id:
        return False
    if actor.can("warning.write", org_path):
        return True
    raise Forbidden("ack_not_yours")


async def get_visible(
    session: AsyncSession, actor: Principal, warning_id: int
) -> tuple[Warning, Org]:
    """Visible to whoever may read warnings of the issuing org, to the duty rooms of the
    orgs whose people it calls (they see their own people: ``status(..., within=)``), and
    to the people it calls."""
    warning = await session.get(Warning, warning_id)
    org = await orgs.get(session, warning.org_id) if warning else None
    if warning is None or org is None:
        raise NotFound("warning")
    scope = actor.scope("warning.read")
    if scope.covers(org.path):
        return warning, org
    calls_here = await session.scalar(
        select(Recipient.id)
        .where(Recipient.warning_id == warning.id, scope.clause(col(Recipient.org_path)))
        .limit(1)
    )
    if calls_here is not None:
        return warning, org
    if actor.person_id is not None and await _is_called(session, warning, actor.person_id):
        return warning, org
    raise NotFound("warning")


async def _is_called(session: AsyncSession, warning: Warning, person_id: int) -> bool:
    recipient = await session.scalar(
        select(Recipient.id).where(
            Recipient.warning_id == warning.id, Recipient.person_id == person_id
        )
    )
    task = await session.scalar(
        select(EscalationTask.id).where(
            EscalationTask.warning_id == warning.id, EscalationTask.assignee_id == person_id
        )
    )
    return recipient is not None or task is not None


async def search(
    session: AsyncSession,
    actor: Principal,
    *,
    status: WarningStatus | None,
    exercise: bool | None = None,
    limit: int,
    offset: int,
) -> tuple[list[Warning], int]:
    scope: Scope = actor.scope("warning.read")
    visible = scope.clause(col(Org.path)) | col(Warning.id).in_(
        select(Recipient.warning_id).where(scope.clause(col(Recipient.org_path)))
    )
    if actor.person_id is not None:
        visible = visible | col(Warning.id).in_(
            select(Recipient.warning_id).where(Recipient.person_id == actor.person_id)
        )
    base = select(Warning).join(Org, col(Org.id) == col(Warning.org_id)).where(visible)
    if status is not None:
        base = base.where(col(Warning.status) == status)
    if exercise is not None:
        base = base.where(col(Warning.exercise).is_(exercise))
    return await fetch_page(
        session, base, order_by=col(Warning.id).desc(), limit=limit, offset=offset
    )


async def _record(
    session: AsyncSession,
    actor: Principal | None,
    warning: Warning,
    org: Org,
    action: str,
    before: dict[str, Any] | None = None,
) -> None:
    await record_change(
        session,
        actor,
        topic=TOPIC,
        object_type="warning",
        action=action,
        object_id=warning.id,
        org_id=org.id,
        org_path=org.path,
        before=before,
        after=dump(WarningRead.model_validate(warning)),
    )


def area_of(warning: Warning) -> Area:
    return Area(list(warning.org_ids), warning.polygon)


def _uses_area(rule: dict[str, Any]) -> bool:
    return rule["rule"] == "responsible_in_area" or (
        rule["rule"] == "team_leaders" and not rule.get("org_ids")
    )


def _rules(person_ids: list[int], rules: list[Any]) -> list[dict[str, Any]]:
    given = [r.model_dump() for r in rules]
    explicit = {"rule": "people", "person_ids": person_ids, "field": "recipients"}
    return ([explicit] if person_ids else []) + given


async def create(
    session: AsyncSession,
    actor: Principal,
    data: WarningCreate,
    settings: Settings,
    *,
    exercise: bool = False,
) -> Warning:
    """A warning (issued unless ``data.issue`` is false); ``exercise``: one of a drill, marked
    as such everywhere (CAP status Exercise) and kept out of statistics."""
    org = await orgs.referenced(session, actor.scope("warning.read"), data.org_id, "org_id")
    ensure_writer(actor, org, exercise=exercise)
    resolver = Resolver(session, actor.scope("warning.read"))
    for i, org_id in enumerate(data.org_ids):
        await resolver.visible_org(org_id, f"org_ids.{i}")
    now = utcnow()
    warning = Warning(
        org_id=org.id or 0,
        hazard=data.hazard,
        level=data.level,
        title=data.title,
        content=data.content,
        instruction=data.instruction,
        source=data.source,
        org_ids=data.org_ids,
        polygon=[list(p) for p in data.polygon] if data.polygon else None,
        rules=_rules(data.recipients, data.rules),
        effective_at=data.effective_at or now,
        expires_at=data.expires_at,
        respond_within_s=data.respond_within_s or respond_default(settings, data.level),
        recall_count=(
            settings.warning_recall_count if data.recall_count is None else data.recall_count
        ),
        recall_interval_s=data.recall_interval_s or settings.warning_recall_interval_s,
        exercise=exercise,
        created_by=actor.user_id,
    )
    if warning.expires_at <= now:
        raise Invalid.field("expires_at", "expired")
    session.add(warning)
    await session.flush()
    await _record(session, actor, warning, org, "created")
    if data.issue:
        await issue(session, actor, warning, org)
    return warning


async def _add(
    session: AsyncSession, warning: Warning, named: list[Named], known: set[int]
) -> list[Recipient]:
    fresh = [
        Recipient(
            warning_id=warning.id or 0,
            person_id=n.person.id or 0,
            org_id=n.org.id or 0,
            org_path=n.org.path,
            township_id=n.township_id,
            reason=n.reason,
        )
        for n in named
        if n.person.id not in known
    ]
    session.add_all(fresh)
    await session.flush()
    return fresh


async def issue(session: AsyncSession, actor: Principal, warning: Warning, org: Org) -> Warning:
    ensure_writer(actor, org, exercise=warning.exercise)
    if warning.status != WarningStatus.draft:
        raise Conflict("warning_not_draft", status=warning.status)
    now = utcnow()
    resolver = Resolver(session, actor.scope("warning.read"))
    named = await resolver.resolve([], warning.rules, now, area_of(warning))
    if not named:
        raise Invalid.field("recipients", "no_recipients")
    before = dump(WarningRead.model_validate(warning))
    warning.status = WarningStatus.issued
    warning.issued_at = now
    warning.updated_at = now
    session.add(warning)
    fresh = await _add(session, warning, named, set())
    await _record(session, actor, warning, org, "issued", before)
    await calls.call_many(session, warning, fresh, now)
    return warning


async def update(
    session: AsyncSession, actor: Principal, warning: Warning, org: Org, data: WarningUpdate
) -> Warning:
    """Change a draft freely; after issue, a change is a new version: recipients added by
    it are called, and everyone is told."""
    ensure_writer(actor, org, exercise=warning.exercise)
    if warning.status in (WarningStatus.lifted, WarningStatus.cancelled):
        raise Conflict("warning_ended", status=warning.status)
    changes = data.model_dump(exclude_unset=True, exclude={"recipients", "rules"})
    for required in ("level", "title", "content", "org_ids", "expires_at"):
        if required in changes and changes[required] is None:
            raise Invalid.field(required, "missing")
    if changes.get("expires_at") is not None and changes["expires_at"] <= warning.effective_at:
        raise Invalid.field("expires_at", "end_before_start")
    resolver = Resolver(session, actor.scope("warning.read"))
    for i, org_id in enumerate(changes.get("org_ids") or []):
        await resolver.visible_org(org_id, f"org_ids.{i}")
    before = dump(WarningRead.model_validate(warning))
    added_rules = _rules(data.recipients or [], data.rules or [])
    for key, value in changes.items():
        setattr(warning, key, [list(p) for p in value] if key == "polygon" and value else value)
    warning.rules = [*warning.rules, *added_rules]
    now = utcnow()
    warning.updated_at = now
    fresh: list[Recipient] = []
    if warning.status == WarningStatus.issued:
        warning.version += 1
        existing = await recipients_of(session, warning)
        resolve = list(added_rules)
        if {"polygon", "org_ids"} & changes.keys():  # a new area: its rules call who is new
            resolve += [r for r in warning.rules if _uses_area(r) and r not in added_rules]
        named = await resolver.resolve([], resolve, now, area_of(warning)) if resolve else []
        fresh = await _add(session, warning, named, {r.person_id for r in existing})
        await _tell(session, warning, existing, "warning_updated_text")
    session.add(warning)
    await session.flush()
    await _record(session, actor, warning, org, "updated", before)
    if fresh:
        await calls.call_many(session, warning, fresh, now)
    return warning


async def end(
    session: AsyncSession, actor: Principal, warning: Warning, org: Org, status: WarningStatus
) -> Warning:
    """Lift (the danger is over) or cancel (issued in error); pending chains stop."""
    ensure_writer(actor, org, exercise=warning.exercise)
    if warning.status == status:
        return warning
    if warning.status not in (WarningStatus.issued, WarningStatus.draft):
        raise Conflict("warning_ended", status=warning.status)
    if status == WarningStatus.lifted and warning.status == WarningStatus.draft:
        raise Conflict("warning_not_issued")
    before = dump(WarningRead.model_validate(warning))
    was_issued = warning.status == WarningStatus.issued
    warning.status = status
    warning.ended_at = warning.updated_at = utcnow()
    if was_issued:
        warning.version += 1
    session.add(warning)
    await session.flush()
    await _record(session, actor, warning, org, str(status), before)
    if was_issued:
        everyone = await recipients_of(session, warning)
        await calls.stop_chains(session, everyone)
        await _tell(session, warning, everyone, f"warning_{status}_text")
    return warning


async def _tell(
    session: AsyncSession, warning: Warning, recipients: list[Recipient], code: str
) -> None:
    """Everyone called hears of the change: on each recipient org's realtime channel once,
    and on their own phones."""
    by_org: dict[int, Recipient] = {}
    for r in recipients:
        by_org.setdefault(r.org_id, r)
    for r in by_org.values():
        await calls.event(session, "warning.notice", calls.summary(warning), r.org_id, r.org_path)
    org = await orgs.get(session, warning.org_id)
    if org is not None and recipients:
        await notify.notify_people(
            session,
            None,
            [r.person_id for r in recipients],
            title=t("warning_call_title", level=t(f"level_{warning.level}"), title=warning.title),
            text=t(code, title=warning.title),
            ref=f"warning:{warning.id}:v{warning.version}:{warning.status}",
            org=org,
        )


async def recipients_of(session: AsyncSession, warning: Warning) -> list[Recipient]:
    rows = await session.exec(
        select(Recipient).where(Recipient.warning_id == warning.id).order_by(col(Recipient.id))
    )
    return list(rows.all())
