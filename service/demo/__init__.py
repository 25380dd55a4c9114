"""Load the demo county through the same services the API uses (audited, with events).

Idempotent: what exists (by name under the same parent, or by username) is kept.
"""

from __future__ import annotations

from itertools import count

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch.incidents import demo as incidents_demo
from dispatch.warnings import demo as warnings_demo
from plans.drills import demo as drills_demo
from plans.library import demo as plans_demo
from plans.resources import demo as resources_demo
from rosters import demo as rosters_demo
from service.auth import users
from service.auth.models import User
from service.auth.permissions import SYSTEM
from service.auth.schemas import UserCreate
from service.db import Database
from service.demo.county import (
    COMMANDS,
    COUNTY,
    DEMO_PASSWORD,
    DEPARTMENTS,
    STAFF,
    STEMS,
    SURNAMES,
    TOWNSHIPS,
    USERS,
    VILLAGES,
)
from service.orgs import service as orgs
from service.orgs.models import Org
from service.orgs.schemas import OrgCreate
from service.people import service as people
from service.people.models import Person
from service.people.schemas import PersonCreate
from service.settings import Settings, SettingsError


async def _org(
    session: AsyncSession,
    settings: Settings,
    name: str,
    kind: str,
    parent: Org | None,
    **fields: object,
) -> Org:
    existing = (
        await session.exec(
            select(Org).where(Org.name == name, Org.parent_id == (parent.id if parent else None))
        )
    ).first()
    if existing is not None:
        return existing
    data = OrgCreate.model_validate(
        {"name": name, "kind": kind, "parent_id": parent.id if parent else None, **fields}
    )
    return await orgs.create(session, SYSTEM, data, default_timezone=settings.timezone)


async def _staff(session: AsyncSession, org: Org, numbers: count[int]) -> list[Person]:
    found = list(
        await session.exec(select(Person).where(Person.org_id == org.id).order_by(col(Person.id)))
    )
    if found:
        return found
    staff = []
    for index, (title, tags) in enumerate(STAFF[org.kind]):
        n = next(numbers)
        name = f"{SURNAMES[n % len(SURNAMES)]}某{STEMS[index % len(STEMS)]}"
        data = PersonCreate(
            name=name, org_id=org.id or 0, title=title, tags=tags, phones=[f"1390000{n:04d}"]
        )
        staff.append(await people.create(session, SYSTEM, data))
    return staff


async def _populate(session: AsyncSession, settings: Settings) -> dict[str, int]:
    numbers = count(1)
    county = await _org(session, settings, parent=None, **COUNTY)  # type: ignore[arg-type]
    by_name = {county.name: county}
    for name, suffix, lat, lon in TOWNSHIPS:
        township = await _org(
            session,
            settings,
            name,
            "township",
            county,
            division_code=f"{COUNTY['division_code']}{suffix}",
            lat=lat,
            lon=lon,
        )
        by_name[name] = township
        for index, (village, vlat, vlon) in enumerate(VILLAGES.get(name, []), start=1):
            code = f"{COUNTY['division_code']}{suffix}{index:03d}"
            by_name[village] = await _org(
                session,
                settings,
                village,
                "village",
                township,
                division_code=code,
                lat=vlat,
                lon=vlon,
            )
    for name in DEPARTMENTS:
        by_name[name] = await _org(
            session, settings, name, "department", county, lat=county.lat, lon=county.lon
        )
    for name in COMMANDS:
        by_name[name] = await _org(session, settings, name, "command", county)
    staff = {name: await _staff(session, org, numbers) for name, org in by_name.items()}
    rostered = 0
    for org in by_name.values():
        if org.kind in ("county", "township"):
            rostered += await rosters_demo.load(session, org, staff[org.name])
    for username, (roles, org_name, person_ref) in USERS.items():
        if await session.scalar(select(User.id).where(User.username == username)) is not None:
            continue
        org_id = by_name[org_name].id if org_name else None
        person_id = staff[person_ref[0]][person_ref[1]].id if person_ref else None
        await users.create(
            session,
            SYSTEM,
            UserCreate.model_validate(
                {
                    "username": username,
                    "password": DEMO_PASSWORD,
                    "person_id": person_id,
                    "org_id": org_id,
                    "grants": [{"role": r, "org_id": org_id} for r in roles],
                }
            ),
        )
    await warnings_demo.load(session, settings, county, warnings_demo.townships_of(by_name))
    await incidents_demo.load(session, by_name)
    await plans_demo.load(session, settings, by_name)
    await resources_demo.load(session, county, by_name, staff)
    await drills_demo.load(session, settings, by_name)
    return {
        "orgs": len(by_name),
        "people": sum(len(v) for v in staff.values()),
        "rosters": rostered,
    }


async def load(settings: Settings) -> str:
    if settings.production:
        raise SettingsError("the demo county is not loaded into a production database")
    db = Database(settings.database_url)
    try:
        async with db.session() as session:
            totals = await _populate(session, settings)
    finally:
        await db.dispose()
    lines = [
        f"demo county 阳城县: {totals['orgs']} orgs, {totals['people']} people, "
        f"{totals['rosters']} duty rosters",
        f"demo logins (password: {DEMO_PASSWORD}):",
    ]
    for username, (roles, org_name, _) in USERS.items():
        lines.append(f"  {username:<10} {', '.join(roles):<18} {org_name or 'every org'}")
    return "\n".join(lines)


async def create_user_cli(settings: Settings, data: UserCreate) -> int:
    db = Database(settings.database_url)
    try:
        async with db.session() as session:
            user = await users.create(session, SYSTEM, data)
            assert user.id is not None
            return user.id
    finally:
        await db.dispose()
