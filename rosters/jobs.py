"""The roster's daily job: extend every org's rolling horizon, then look 14 days ahead for
gaps and tell the org's admins and leaders (``duty.gap_detected``).

Every instance's scheduler proposes the day's run; ``schedule_once`` lets one timer exist
per day, and the clock fires it once, after a restart too.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import structlog
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from rosters import materialise, shifts
from rosters.config import CONFIG
from rosters.models import DutySchedule
from rosters.setup import record
from service.auth import users
from service.auth.permissions import SYSTEM
from service.clock import service as clock
from service.clock.models import Timer
from service.clock.runner import handler
from service.db import Database, utcnow
from service.errors import Conflict
from service.i18n import t
from service.notify import service as notify
from service.orgs import service as orgs
from service.orgs.models import Org

log = structlog.get_logger("yingji.rosters")
DAILY = "duty.daily_check"


async def propose_daily(db: Database) -> None:
    """Called by each instance's scheduler shortly after midnight UTC."""
    today = utcnow().date()
    async with db.session() as session:
        await clock.schedule_once(session, DAILY, f"day:{today}", utcnow())


@handler(DAILY)
async def daily(session: AsyncSession, timer: Timer) -> None:
    await daily_check(session)


async def daily_check(session: AsyncSession) -> int:
    """Regenerate every org with a roster and report its gaps; how many orgs have gaps.

    Each org is rebuilt in its own savepoint: a clash in one org's rules (two leader
    rotations that meet beyond the old horizon …) undoes that org's rebuild only, and is
    reported as that org's problem with its gaps; the other orgs go on."""
    org_ids = (
        await session.exec(select(DutySchedule.org_id).order_by(col(DutySchedule.org_id)))
    ).all()
    with_gaps = 0
    for org_id in org_ids:
        org = await orgs.get(session, org_id)
        if org is None:
            continue
        problem: dict[str, Any] | None = None
        try:
            async with session.begin_nested():
                await materialise.regenerate(session, SYSTEM, org, reason="horizon")
        except Conflict as exc:
            problem = {"code": exc.code, "message": exc.detail(), **exc.extra}
            log.warning("duty roster clash", org_id=org.id, code=exc.code)
        with_gaps += await check_gaps(session, org, problem)
    return with_gaps


async def check_gaps(session: AsyncSession, org: Org, problem: dict[str, Any] | None = None) -> int:
    start = utcnow()
    found = await shifts.gaps(session, org, start, start + timedelta(days=CONFIG.gap_check_days))
    if not found.count and problem is None:
        return 0
    data = {
        "org_id": org.id,
        "start_at": found.start_at.isoformat(),
        "end_at": found.end_at.isoformat(),
        "gaps": [g.model_dump(mode="json") for g in found.data[:100]],
        "count": found.count,
        "warnings": [w.model_dump() for w in found.warnings],
        "problems": [problem] if problem else [],
    }
    await record(session, SYSTEM, org, "duty", "gap_detected", org.id, None, None, data=data)
    first = found.data[0] if found.data else None
    text = t(
        "gaps_text",
        org=org.name,
        count=found.count,
        days=CONFIG.gap_check_days,
        first=first.start_at.isoformat() if first else "-",
    )
    if problem is not None:
        clash = t("roster_clash_text", org=org.name, problem=problem["message"])
        text = f"{clash} {text}" if found.count else clash
    people = await users.people_with_role(session, org, {"admin", "leader"})
    await notify.notify_people(
        session,
        SYSTEM,
        people,
        title=t("gaps_title", org=org.name),
        text=text,
        ref=f"duty.gaps:{org.id}:{start.date()}",
        org=org,
    )
    log.info("duty gaps found", org_id=org.id, count=found.count)
    return 1
