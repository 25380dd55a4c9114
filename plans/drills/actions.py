"""Corrective actions (整改措施) of a drill's findings: an owner, a due date, a status tracked
to done. The clock tells the owner ``YINGJI_DRILL_ACTION_NOTICE_DAYS`` before the due date
and again once it has passed (``drill.action_due``, ``drill.action_overdue``); both stop
when the action is done or cancelled.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from plans.drills import service
from plans.drills.models import (
    OPEN_ACTIONS,
    ActionStatus,
    CorrectiveAction,
    Drill,
    Finding,
)
from plans.drills.schemas import ActionCreate, ActionRead, ActionUpdate
from service.auth.permissions import Principal
from service.clock import service as clock
from service.clock.models import Timer
from service.clock.runner import handler
from service.db import utcnow
from service.errors import Invalid, NotFound
from service.i18n import t
from service.notify import service as notify
from service.orgs import service as orgs
from service.orgs.models import Org
from service.people import service as people
from service.realtime import outbox
from service.schemas import dump
from service.settings import Settings

DUE = "drill.action_due"
OVERDUE = "drill.action_overdue"
NOTICE_AT = time(9, 0)  # local time of the "due soon" notice


def ref(action: CorrectiveAction) -> str:
    return f"drill_action:{action.id}"


def today(org: Org) -> date:
    return utcnow().astimezone(ZoneInfo(org.timezone)).date()


def read(action: CorrectiveAction, org: Org) -> ActionRead:
    item = ActionRead.model_validate(action)
    item.overdue = action.status in OPEN_ACTIONS and action.due_date < today(org)
    return item


def action_dump(action: CorrectiveAction, org: Org) -> dict[str, Any]:
    return dump(read(action, org))


async def open_of(session: AsyncSession, drill: Drill) -> list[CorrectiveAction]:
    rows = await session.exec(
        select(CorrectiveAction)
        .where(
            CorrectiveAction.drill_id == drill.id, col(CorrectiveAction.status).in_(OPEN_ACTIONS)
        )
        .order_by(col(CorrectiveAction.due_date), col(CorrectiveAction.id))
    )
    return list(rows.all())


async def of(session: AsyncSession, drill: Drill) -> list[CorrectiveAction]:
    rows = await session.exec(
        select(CorrectiveAction)
        .where(CorrectiveAction.drill_id == drill.id)
        .order_by(col(CorrectiveAction.id))
    )
    return list(rows.all())


async def search(
    session: AsyncSession,
    actor: Principal,
    *,
    status: ActionStatus | None = None,
    overdue: bool | None = None,
    org_id: int | None = None,
    owner_person_id: int | None = None,
    limit: int,
    offset: int,
) -> tuple[list[ActionRead], int]:
    """Corrective actions of the drills the caller sees (organised in ``org_id``'s subtree),
    the earliest due first; ``overdue``: open past its due date (local day)."""
    query = (
        select(CorrectiveAction, Org)
        .join(Drill, col(Drill.id) == col(CorrectiveAction.drill_id))
        .join(Org, col(Org.id) == col(Drill.org_id))
        .where(actor.scope(service.READ).clause(col(Org.path)))
    )
    if status is not None:
        query = query.where(col(CorrectiveAction.status) == status)
    if overdue is not None:
        late = col(CorrectiveAction.status).in_(OPEN_ACTIONS) & (
            col(CorrectiveAction.due_date) < today_local()
        )
        query = query.where(late if overdue else ~late)
    if org_id is not None:
        within = await orgs.get(session, org_id)
        query = query.where(col(Org.path).startswith(within.path if within else "-"))
    if owner_person_id is not None:
        query = query.where(col(CorrectiveAction.owner_person_id) == owner_person_id)
    total = await session.scalar(
        sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    )
    rows = await session.exec(
        query.order_by(col(CorrectiveAction.due_date), col(CorrectiveAction.id))
        .limit(limit)
        .offset(offset)
    )
    return [read(a, org) for a, org in rows.all()], int(total or 0)


def today_local() -> date:
    return utcnow().astimezone(ZoneInfo("Asia/Shanghai")).date()


async def get(session: AsyncSession, drill: Drill, action_id: int) -> CorrectiveAction:
    action = await session.get(CorrectiveAction, action_id)
    if action is None or action.drill_id != drill.id:
        raise NotFound("corrective_action")
    return action


async def _check_owner(
    session: AsyncSession, actor: Principal, person_id: int | None, org_id: int | None
) -> None:
    if person_id is not None:
        await people.referenced(session, actor.scope("person.read"), person_id, "owner_person_id")
    if org_id is not None:
        await orgs.referenced(session, actor.scope("org.read"), org_id, "owner_org_id")


async def _schedule(
    session: AsyncSession, action: CorrectiveAction, org: Org, settings: Settings
) -> None:
    if action.status not in OPEN_ACTIONS:
        await clock.cancel(session, DUE, ref(action))
        await clock.cancel(session, OVERDUE, ref(action))
        return
    zone = ZoneInfo(org.timezone)
    notice_day = action.due_date - timedelta(days=settings.drill_action_notice_days)
    notice = datetime.combine(notice_day, NOTICE_AT, zone)
    if notice > utcnow():
        await clock.schedule(session, DUE, ref(action), notice)
    else:
        await clock.cancel(session, DUE, ref(action))
    end = datetime.combine(action.due_date + timedelta(days=1), time(0, 0), zone)
    await clock.schedule(session, OVERDUE, ref(action), end)


async def create(
    session: AsyncSession,
    actor: Principal,
    drill: Drill,
    organiser: Org,
    finding: Finding,
    data: ActionCreate,
    settings: Settings,
) -> CorrectiveAction:
    from plans.drills.evaluation import ensure_open

    service.may(actor, organiser)
    ensure_open(drill)
    await _check_owner(session, actor, data.owner_person_id, data.owner_org_id)
    action = CorrectiveAction(
        drill_id=drill.id or 0,
        finding_id=finding.id or 0,
        **data.model_dump(),
        created_by=actor.user_id,
    )
    session.add(action)
    await session.flush()
    after = action_dump(action, organiser)
    await service.record(
        session, actor, organiser, "drill_action", "created", action.id, None, after
    )
    await _schedule(session, action, organiser, settings)
    return action


async def update(
    session: AsyncSession,
    actor: Principal,
    drill: Drill,
    organiser: Org,
    action: CorrectiveAction,
    data: ActionUpdate,
    settings: Settings,
) -> CorrectiveAction:
    from plans.drills.evaluation import ensure_open

    service.may(actor, organiser)
    ensure_open(drill)
    changes = data.model_dump(exclude_unset=True)
    for required in ("text", "due_date", "status"):
        if required in changes and changes[required] is None:
            raise Invalid.field(required, "missing")
    await _check_owner(session, actor, changes.get("owner_person_id"), changes.get("owner_org_id"))
    before = action_dump(action, organiser)
    for key, value in changes.items():
        setattr(action, key, value)
    if action.status == ActionStatus.done and action.done_at is None:
        action.done_at = utcnow()
    elif action.status != ActionStatus.done:
        action.done_at = None
    action.updated_at = utcnow()
    session.add(action)
    await session.flush()
    after = action_dump(action, organiser)
    await service.record(
        session, actor, organiser, "drill_action", "updated", action.id, before, after
    )
    await _schedule(session, action, organiser, settings)
    return action


async def _tell(session: AsyncSession, timer: Timer, code: str) -> None:
    action = await session.get(CorrectiveAction, int(timer.ref.split(":")[1]))
    if action is None or action.status not in OPEN_ACTIONS:
        return
    drill = await session.get(Drill, action.drill_id)
    organiser = await orgs.get(session, drill.org_id) if drill else None
    if drill is None or organiser is None:
        return
    title = t("drill_action_title", text=action.text[:60])
    text = t(code, text=action.text, drill=drill.title, due=action.due_date.isoformat())
    stamp = f"{timer.kind}:{action.id}:{action.due_date.isoformat()}"
    if action.owner_person_id is not None:
        await notify.notify_people(
            session,
            None,
            [action.owner_person_id],
            title=title,
            text=text,
            ref=stamp,
            org=organiser,
        )
    owner_org = await orgs.get(session, action.owner_org_id) if action.owner_org_id else None
    if owner_org is not None:
        await notify.notify_org(session, None, owner_org, title=title, text=text, ref=stamp)
    await outbox.append(
        session,
        topic=service.TOPIC,
        type=f"drill_action.{'due' if timer.kind == DUE else 'overdue'}",
        data=action_dump(action, organiser),
        org_id=organiser.id,
        org_path=organiser.path,
    )


@handler(DUE)
async def action_due(session: AsyncSession, timer: Timer) -> None:
    await _tell(session, timer, "drill_action_due_text")


@handler(OVERDUE)
async def action_overdue(session: AsyncSession, timer: Timer) -> None:
    await _tell(session, timer, "drill_action_overdue_text")
