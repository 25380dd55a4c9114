"""The life of a drill: planned → notified → in_progress → completed → evaluated → closed,
or cancelled before it completes. Each step is audited and emits ``drill.<step>``.

Closing needs every corrective action done or cancelled (409 listing the open ones).
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from plans.drills import actions as corrective
from plans.drills import reminders, service
from plans.drills.models import ACTIVE_STATUSES, Drill, DrillStatus
from plans.drills.schemas import ActionRead
from service.auth.permissions import Principal
from service.db import utcnow
from service.errors import Conflict
from service.i18n import t
from service.orgs.models import Org
from service.schemas import dump

# step -> the statuses it may start from, and where it leads
STEPS: dict[str, tuple[tuple[DrillStatus, ...], DrillStatus]] = {
    "notify": ((DrillStatus.planned,), DrillStatus.notified),
    "start": ((DrillStatus.planned, DrillStatus.notified), DrillStatus.in_progress),
    "complete": ((DrillStatus.in_progress,), DrillStatus.completed),
    "close": ((DrillStatus.evaluated,), DrillStatus.closed),
    "cancel": (ACTIVE_STATUSES, DrillStatus.cancelled),
}


def ensure_status(drill: Drill, allowed: tuple[DrillStatus, ...], action: str) -> None:
    if drill.status not in allowed:
        raise Conflict("drill_state", status=drill.status, action=action)


async def lock(session: AsyncSession, drill: Drill) -> None:
    """Re-read under a row lock (PostgreSQL), so racing steps see each other's change."""
    await session.refresh(drill, with_for_update=True)


async def step(
    session: AsyncSession,
    actor: Principal,
    drill: Drill,
    organiser: Org,
    action: str,
    *,
    reason: str | None = None,
) -> Drill:
    service.may(actor, organiser)
    await lock(session, drill)
    allowed, to = STEPS[action]
    if drill.status == to:
        return drill  # a repeated request (a retry) changes nothing
    ensure_status(drill, allowed, action)
    if action == "close":
        still = await corrective.open_of(session, drill)
        if still:
            raise Conflict(
                "drill_actions_open",
                count=len(still),
                extra={"open_actions": [dump(ActionRead.model_validate(a)) for a in still]},
            )
    before = service.drill_dump(drill)
    now = utcnow()
    drill.status = to
    stamp = {
        "notify": "notified_at",
        "start": "started_at",
        "complete": "completed_at",
        "close": "closed_at",
        "cancel": "cancelled_at",
    }[action]
    setattr(drill, stamp, now)
    if action == "cancel":
        drill.cancel_reason = reason
    drill.updated_at = now
    session.add(drill)
    await session.flush()
    await service.record(
        session, actor, organiser, "drill", str(to), drill.id, before, service.drill_dump(drill)
    )
    if action == "notify":
        await _notice(session, drill, organiser)
    if action in ("start", "cancel"):
        await reminders.cancel(session, drill)
    if action == "cancel" and before["status"] != DrillStatus.planned:
        await reminders.tell(
            session,
            drill,
            organiser,
            title=t("drill_notice_title", title=drill.title),
            text=t("drill_cancelled_text", title=drill.title, reason=reason or ""),
            ref=f"drill:{drill.id}:cancelled",
        )
    return drill


async def _notice(session: AsyncSession, drill: Drill, organiser: Org) -> None:
    await reminders.tell(
        session,
        drill,
        organiser,
        title=t("drill_notice_title", title=drill.title),
        text=t(
            "drill_notice_text",
            title=drill.title,
            start=reminders.local(drill.start_at, organiser),
            end=reminders.local(drill.end_at, organiser),
            location=drill.location or organiser.name,
        ),
        ref=f"drill:{drill.id}:notice:{drill.start_at.isoformat()}",
    )


def actions_for(actor: Principal, drill: Drill, organiser: Org) -> list[str]:
    """The steps the caller may take now (the buttons a client shows)."""
    if not actor.scope(service.WRITE).covers(organiser.path):
        return []
    out = [name for name, (allowed, _to) in STEPS.items() if drill.status in allowed]
    if drill.status in service.EDITABLE:
        out.insert(0, "update")
    if drill.status == DrillStatus.in_progress:
        out += ["exercise_warning", "exercise_incident"]
    if drill.status in (DrillStatus.completed, DrillStatus.evaluated):
        out += ["evaluate", "add_finding"]
    return out
