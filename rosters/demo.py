"""The demo county's rosters: a 24-hour duty day from 08:30 for the county and each
township, leaders and officers taking turns daily, a holiday rotation for statutory
holidays (Spring Festival, National Day …), materialised from the start of the year."""

from __future__ import annotations

from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from rosters import materialise, rules, setup
from rosters.models import DutySchedule, RotationKind
from rosters.schemas import KeyPeriodCreate, RotationCreate, ScheduleWrite
from service.auth.permissions import SYSTEM
from service.orgs.models import Org
from service.people.models import Person

YEAR_START = date(2026, 1, 1)


async def load(session: AsyncSession, org: Org, staff: list[Person]) -> bool:
    """Give ``org`` its roster unless it has one; whether it has one now."""
    if await session.get(DutySchedule, org.id) is not None:
        return True
    leaders = [p.id or 0 for p in staff if "带班领导" in p.tags]
    officers = [p.id or 0 for p in staff if "值班员" in p.tags]
    if not leaders or not officers:
        return False
    schedule = await setup.set_schedule(session, SYSTEM, org, ScheduleWrite(changeovers=["08:30"]))
    posts = {p.key: p.id for p in schedule.posts}
    org_id = org.id or 0
    for post, kind, people in (
        ("leader", RotationKind.regular, leaders),
        ("officer", RotationKind.regular, officers),
        ("leader", RotationKind.holiday, list(reversed(leaders))),
    ):
        name = {"leader": "带班领导", "officer": "值班员"}[post]
        if kind == RotationKind.holiday:
            name = f"节假日{name}"
        data = RotationCreate(
            org_id=org_id,
            post_id=posts[post],
            name=f"{name}轮值",
            kind=kind,
            people=people,
            start_date=YEAR_START,
        )
        await rules.create_rotation(session, SYSTEM, data)
    if org.kind == "county":
        period = KeyPeriodCreate(
            org_id=org_id,
            name="冬春森林防火重要时段",
            start_date=date(2026, 11, 1),
            end_date=date(2027, 4, 30),
            report_time="08:00",
        )
        await rules.create_key_period(session, SYSTEM, period)
    await materialise.regenerate(session, SYSTEM, org, backfill_from=YEAR_START, reason="demo")
    return True
