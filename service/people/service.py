"""People: whom the service calls, each belonging to an org."""

from __future__ import annotations

import sqlalchemy as sa
from pydantic_core import PydanticCustomError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from service.auth.models import User
from service.auth.permissions import Principal, Scope, subtree_of
from service.changes import record_change
from service.db import fetch_page, json_array_has, utcnow
from service.errors import Conflict, Forbidden, Invalid, NotFound
from service.orgs import service as orgs
from service.orgs.models import Org
from service.people.models import Person
from service.people.schemas import PersonCreate, PersonRead, PersonUpdate
from service.schemas import dump
from service.schemas import normalize_phone as _normalize_phone

TOPIC = "people"
MAX_SUPERIOR_CHAIN = 50


async def get_visible(session: AsyncSession, scope: Scope, person_id: int) -> tuple[Person, Org]:
    row = (
        await session.exec(
            select(Person, Org)
            .join(Org, col(Org.id) == col(Person.org_id))
            .where(Person.id == person_id)
        )
    ).first()
    if row is None or not scope.covers(row[1].path):
        raise NotFound("person")
    return row[0], row[1]


async def referenced(session: AsyncSession, scope: Scope, person_id: int, field: str) -> Person:
    try:
        person, _ = await get_visible(session, scope, person_id)
    except NotFound:
        raise Invalid.field(field, "person_unknown") from None
    return person


async def search(
    session: AsyncSession,
    scope: Scope,
    *,
    q: str | None = None,
    org_id: int | None = None,
    within: Org | None = None,
    tag: str | None = None,
    phone: str | None = None,
    limit: int,
    offset: int,
) -> tuple[list[Person], int]:
    where = [scope.clause(col(Org.path))]
    if q:
        where.append(col(Person.name).contains(q, autoescape=True))
    if org_id is not None:
        where.append(col(Person.org_id) == org_id)
    if within is not None:
        where.append(col(Org.path).like(subtree_of(within.path)))
    if tag:
        where.append(json_array_has(Person.tags, tag))
    if phone:
        try:
            number = _normalize_phone(phone)
        except PydanticCustomError:
            return [], 0
        where.append(json_array_has(Person.phones, number))
    base = select(Person).join(Org, col(Org.id) == col(Person.org_id)).where(*where)
    return await fetch_page(session, base, order_by=col(Person.id), limit=limit, offset=offset)


async def _org_for_write(session: AsyncSession, actor: Principal, org_id: int) -> Org:
    org = await orgs.referenced(session, actor.scope("person.read"), org_id, "org_id")
    if not actor.scope("person.write").covers(org.path):
        raise Forbidden("role_required", roles="admin, leader, duty_officer")
    return org


async def _check_superior(
    session: AsyncSession, actor: Principal, person_id: int | None, superior_id: int
) -> None:
    if superior_id == person_id:
        raise Invalid.field("superior_id", "superior_self")
    await referenced(session, actor.scope("person.read"), superior_id, "superior_id")
    current: int | None = superior_id
    for _ in range(MAX_SUPERIOR_CHAIN):
        current = await session.scalar(select(Person.superior_id).where(Person.id == current))
        if current is None:
            return
        if current == person_id:
            raise Invalid.field("superior_id", "superior_cycle")
    raise Invalid.field("superior_id", "superior_cycle")


async def create(session: AsyncSession, actor: Principal, data: PersonCreate) -> Person:
    org = await _org_for_write(session, actor, data.org_id)
    if data.superior_id is not None:
        await _check_superior(session, actor, None, data.superior_id)
    person = Person(**data.model_dump())
    session.add(person)
    await session.flush()
    await record_change(
        session,
        actor,
        topic=TOPIC,
        object_type="person",
        action="created",
        object_id=person.id,
        org_id=org.id,
        org_path=org.path,
        after=dump(PersonRead.model_validate(person)),
    )
    return person


async def update(
    session: AsyncSession, actor: Principal, person: Person, org: Org, data: PersonUpdate
) -> Person:
    if not actor.scope("person.write").covers(org.path):
        raise Forbidden("role_required", roles="admin, leader, duty_officer")
    before = dump(PersonRead.model_validate(person))
    changes = data.model_dump(exclude_unset=True)
    for required in ("name", "org_id", "phones", "tags"):
        if required in changes and changes[required] is None:
            raise Invalid.field(required, "missing")
    if "org_id" in changes and changes["org_id"] != person.org_id:
        org = await _org_for_write(session, actor, changes["org_id"])
    if changes.get("superior_id") is not None:
        await _check_superior(session, actor, person.id, changes["superior_id"])
    for key, value in changes.items():
        setattr(person, key, value)
    person.updated_at = utcnow()
    session.add(person)
    await session.flush()
    await record_change(
        session,
        actor,
        topic=TOPIC,
        object_type="person",
        action="updated",
        object_id=person.id,
        org_id=org.id,
        org_path=org.path,
        before=before,
        after=dump(PersonRead.model_validate(person)),
    )
    return person


async def delete(session: AsyncSession, actor: Principal, person: Person, org: Org) -> None:
    if not actor.scope("person.write").covers(org.path):
        raise Forbidden("role_required", roles="admin, leader, duty_officer")
    if await session.scalar(select(User.id).where(User.person_id == person.id)) is not None:
        raise Conflict("person_has_users")
    subordinates = int(
        await session.scalar(select(sa.func.count()).where(Person.superior_id == person.id)) or 0
    )
    if subordinates:
        raise Conflict("person_is_superior", count=subordinates)
    before = dump(PersonRead.model_validate(person))
    await session.delete(person)
    await session.flush()
    await record_change(
        session,
        actor,
        topic=TOPIC,
        object_type="person",
        action="deleted",
        object_id=before["id"],
        org_id=org.id,
        org_path=org.path,
        before=before,
    )


async def names(session: AsyncSession, person_ids: list[int]) -> dict[int, str]:
    """The names of these people (those that exist), by id."""
    if not person_ids:
        return {}
    rows = await session.exec(
        select(Person.id, Person.name).where(col(Person.id).in_(sorted(set(person_ids))))
    )
    return {i: n for i, n in rows.all() if i is not None}
