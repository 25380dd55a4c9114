"""Finished timers are kept for ``clock_keep_days`` (what fired, when, by which instance),
then deleted by a daily job, as are the proposals of ``schedule_once`` of that age.

Failed timers stay until someone looks at them: each is a job that gave up. Pending and
running timers are never touched. The job is proposed by every instance's scheduler and
fires once a day through the clock itself, as the domains' daily jobs do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
import structlog
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from service.clock import service as clock
from service.clock.models import Timer, TimerOnce, TimerState
from service.clock.runner import handler
from service.db import Database, utcnow
from service.settings import Settings

log = structlog.get_logger("yingji.clock")
PRUNE = "clock.prune"


@dataclass
class PruneConfig:
    keep_days: int = 30

    def configure(self, settings: Settings) -> None:
        self.keep_days = settings.clock_keep_days


CONFIG = PruneConfig()


async def propose_daily(db: Database) -> None:
    """Called by each instance's scheduler; one timer per day fires once."""
    async with db.session() as session:
        await clock.schedule_once(session, PRUNE, f"day:{utcnow().date()}", utcnow())


@handler(PRUNE)
async def daily(session: AsyncSession, timer: Timer) -> None:
    await prune(session, utcnow() - timedelta(days=CONFIG.keep_days))


async def prune(session: AsyncSession, before: datetime) -> dict[str, int]:
    """Delete the timers done or cancelled before ``before``, and the proposals made
    before it (their days and weeks are long past: nobody proposes them again)."""
    timers = await session.exec(
        sa.delete(Timer)
        .where(
            col(Timer.state).in_([TimerState.done, TimerState.cancelled]),
            col(Timer.finished_at) < before,
        )
        .execution_options(synchronize_session=False)
    )
    proposals = await session.exec(
        sa.delete(TimerOnce)
        .where(col(TimerOnce.created_at) < before)
        .execution_options(synchronize_session=False)
    )
    pruned = {"timers": int(timers.rowcount or 0), "proposals": int(proposals.rowcount or 0)}
    log.info("clock pruned", before=before.isoformat(), **pruned)
    return pruned
