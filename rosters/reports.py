"""每日调度: during a key period, a daily dispatch report at a set time to the org's channels:
who is on duty, check-ins of the last day, and the gaps of the coming days."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from rosters.models import KeyPeriod
from rosters.rotation import local, parse_time
from rosters.setup import record
from service.auth.permissions import SYSTEM
from service.clock import service as clock
from service.clock.models import Timer
from service.clock.runner import handler
from service.db import utcnow
from service.i18n import t
from service.notify import service as notify
from service.orgs import service as orgs
from service.orgs.models import Org

REPORT = "duty.daily_report"


def _ref(period: KeyPeriod, day: date) -> str:
    return f"period:{period.id}:{day.isoformat()}"


def next_report(period: KeyPeriod, org: Org, after: datetime) -> tuple[date, datetime] | None:
    zone = ZoneInfo(org.timezone)
    day = max(period.start_date, after.astimezone(zone).date())
    while day <= period.end_date:
        due = local(day, parse_time(period.report_time), zone)
        if due > after:
            return day, due
        day += timedelta(days=1)
    return None


async def schedule_next(
    session: AsyncSession, period: KeyPeriod, org: Org, after: datetime | None = None
) -> None:
    upcoming = next_report(period, org, after or utcnow())
    if upcoming is not None:
        day, due = upcoming
        payload = {"day": day.isoformat()}
        await clock.schedule(session, REPORT, _ref(period, day), due, payload=payload)


async def cancel(session: AsyncSession, period: KeyPeriod, org: Org) -> None:
    upcoming = next_report(period, org, utcnow())
    if upcoming is not None:
        await clock.cancel(session, REPORT, _ref(period, upcoming[0]))


async def compose(session: AsyncSession, org: Org, when: datetime, name: str) -> str:
    from rosters import shifts

    duty = await shifts.now(session, org, when)
    gaps = await shifts.gaps(session, org, when, when + timedelta(days=3))
    leader = duty.leader.name if duty.leader else t("nobody")
    officers = "、".join(p.name for p in duty.officers) or t("nobody")
    checked = sum(1 for s in duty.shifts if s.checked_in_at is not None)
    return t(
        "daily_report_text",
        period=name,
        org=org.name,
        leader=leader,
        officers=officers,
        checked=checked,
        total=len(duty.shifts),
        gaps=gaps.count,
    )


@handler(REPORT)
async def send_report(session: AsyncSession, timer: Timer) -> None:
    period = await session.get(KeyPeriod, int(timer.ref.split(":")[1]))
    org = await orgs.get(session, period.org_id) if period else None
    if period is None or org is None:
        return
    day = timer.payload.get("day", "")
    text = await compose(session, org, timer.due_at, period.name)
    data = {"key_period_id": period.id, "org_id": org.id, "day": day, "text": text}
    await record(session, SYSTEM, org, "duty", "daily_report", period.id, None, None, data=data)
    await notify.notify_org(
        session,
        SYSTEM,
        org,
        title=t("daily_report_title", period=period.name, day=day),
        text=text,
        ref=f"duty.daily_report:{period.id}:{day}",
    )
    await schedule_next(session, period, org, timer.due_at)  # the next day's: a timer of its own
