"""Reminders to everyone taking part: at T-7 days, T-1 day and T-1 hour before the start
(``YINGJI_DRILL_REMINDER_OFFSETS_S``), each a clock timer (``drill.reminder``), so a restart
loses none and each fires once. The people reached: those named, the leaders and members of
the participating teams; the participating orgs' own channels (duty room robots) too.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from plans.drills.models import Drill, DrillStatus
from plans.drills.schemas import Reminder
from plans.resources import teams
from service.clock import service as clock
from service.clock.models import Timer
from service.clock.runner import handler
from service.db import utcnow
from service.i18n import t
from service.notify import service as notify
from service.orgs import service as orgs
from service.orgs.models import Org
from service.realtime import outbox
from service.settings import Settings

REMINDER = "drill.reminder"
REMINDED = (DrillStatus.planned, DrillStatus.notified)


def ref(drill: Drill, offset_s: int) -> str:
    return f"drill:{drill.id}:T-{offset_s}"


def when_text(offset_s: int) -> str:
    if offset_s % 86400 == 0:
        return f"{offset_s // 86400} 天后"
    if offset_s % 3600 == 0:
        return f"{offset_s // 3600} 小时后"
    return f"{max(1, offset_s // 60)} 分钟后"


async def schedule(session: AsyncSession, drill: Drill, settings: Settings) -> None:
    """One timer per offset still ahead; offsets already passed get none (a drill set up two
    days ahead has no T-7 reminder), and timers of a moved drill move with it."""
    now = utcnow()
    for offset in sorted(set(settings.drill_reminder_offsets_s), reverse=True):
        due = drill.start_at - timedelta(seconds=offset)
        if due > now:
            await clock.schedule(
                session, REMINDER, ref(drill, offset), due, payload={"offset_s": offset}
            )
        else:
            await clock.cancel(session, REMINDER, ref(drill, offset))
    await _cancel_stale(session, drill, settings)


async def _cancel_stale(session: AsyncSession, drill: Drill, settings: Settings) -> None:
    """Timers of offsets no longer configured stop (a changed setting, then a new date)."""
    keep = {ref(drill, o) for o in settings.drill_reminder_offsets_s}
    rows = await session.exec(
        select(Timer.ref).where(
            Timer.kind == REMINDER,
            col(Timer.ref).startswith(f"drill:{drill.id}:T-"),
            col(Timer.state) == "pending",
        )
    )
    stale = [r for r in rows.all() if r not in keep]
    if stale:
        await clock.cancel_many(session, REMINDER, stale)


async def cancel(session: AsyncSession, drill: Drill) -> None:
    rows = await session.exec(
        select(Timer.ref).where(
            Timer.kind == REMINDER,
            col(Timer.ref).startswith(f"drill:{drill.id}:T-"),
            col(Timer.state) == "pending",
        )
    )
    refs = list(rows.all())
    if refs:
        await clock.cancel_many(session, REMINDER, refs)


async def of(session: AsyncSession, drill: Drill) -> list[Reminder]:
    rows = await session.exec(
        select(Timer)
        .where(Timer.kind == REMINDER, col(Timer.ref).startswith(f"drill:{drill.id}:T-"))
        .order_by(col(Timer.due_at), col(Timer.id))
    )
    return [
        Reminder(offset_s=int(r.payload.get("offset_s", 0)), due_at=r.due_at, state=r.state)
        for r in rows.all()
    ]


async def people_of(session: AsyncSession, drill: Drill) -> list[int]:
    """Everyone taking part: named people, and the leaders and members of the teams."""
    found = set(drill.person_ids)
    for team in await teams.by_ids(session, drill.team_ids):
        if team.leader_id is not None:
            found.add(team.leader_id)
    for members in (await teams.members_of(session, drill.team_ids)).values():
        found.update(m.person_id for m in members)
    return sorted(found)


def local(at: datetime, org: Org) -> str:
    return at.astimezone(ZoneInfo(org.timezone)).strftime("%Y-%m-%d %H:%M")


async def tell(
    session: AsyncSession, drill: Drill, organiser: Org, *, title: str, text: str, ref: str
) -> int:
    """The message to every participant's channels and to the participating orgs'; the
    ``ref`` makes a repeat harmless. How many people were told."""
    people = await people_of(session, drill)
    await notify.notify_people(
        session, None, people, title=title, text=text, ref=ref, org=organiser
    )
    for org_id in drill.org_ids:
        org = await orgs.get(session, org_id)
        if org is not None:
            await notify.notify_org(session, None, org, title=title, text=text, ref=ref)
    return len(people)


@handler(REMINDER)
async def remind(session: AsyncSession, timer: Timer) -> None:
    drill = await session.get(Drill, int(timer.ref.split(":")[1]))
    if drill is None or drill.status not in REMINDED:
        return
    organiser = await orgs.get(session, drill.org_id)
    if organiser is None:
        return
    offset = int(timer.payload.get("offset_s", 0))
    location = drill.location or organiser.name
    people = await tell(
        session,
        drill,
        organiser,
        title=t("drill_reminder_title", title=drill.title),
        text=t(
            "drill_reminder_text",
            title=drill.title,
            start=local(drill.start_at, organiser),
            when=when_text(offset),
            location=location,
        ),
        ref=f"{timer.ref}:{drill.start_at.isoformat()}",
    )
    await outbox.append(
        session,
        topic="drills",
        type="drill.reminder",
        data={
            "drill_id": drill.id,
            "title": drill.title,
            "offset_s": offset,
            "start_at": drill.start_at.isoformat(),
            "people": people,
        },
        org_id=organiser.id,
        org_path=organiser.path,
    )
