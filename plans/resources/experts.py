"""The expert pool (专家库): people and their specialties, searchable by specialty."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from plans.resources.common import READ, may_write, person_in_scope, record, visible
from plans.resources.models import Availability, Expert
from plans.resources.schemas import ExpertCreate, ExpertRead, ExpertUpdate
from service.auth.permissions import Principal, Scope
from service.db import fetch_page, json_array_has, utcnow
from service.errors import Conflict, Invalid
from service.orgs.models import Org
from service.people.models import Person
from service.schemas import dump

WRITE = "resource.write"


async def get_visible(session: AsyncSession, scope: Scope, expert_id: int) -> tuple[Expert, Org]:
    return await visible(session, scope, Expert, expert_id, "expert")


async def read(session: AsyncSession, experts: list[Expert]) -> list[ExpertRead]:
    ids = sorted({e.person_id for e in experts})
    people = {
        p.id: p for p in (await session.exec(select(Person).where(col(Person.id).in_(ids)))).all()
    }
    found = []
    for expert in experts:
        person = people.get(expert.person_id)
        found.append(
            ExpertRead.model_validate(expert).model_copy(
                update={
                    "name": person.name if person else None,
                    "phones": list(person.phones) if person else [],
                }
            )
        )
    return found


async def search(
    session: AsyncSession,
    scope: Scope,
    *,
    specialty: str | None = None,
    availability: Availability | None = None,
    q: str | None = None,
    org_id: int | None = None,
    limit: int,
    offset: int,
) -> tuple[list[Expert], int]:
    where = [scope.clause(col(Org.path))]
    if specialty:
        where.append(json_array_has(Expert.specialties, specialty))
    if availability is not None:
        where.append(col(Expert.availability) == availability)
    if org_id is not None:
        where.append(col(Expert.org_id) == org_id)
    base = select(Expert).join(Org, col(Org.id) == col(Expert.org_id))
    if q:
        base = base.join(Person, col(Person.id) == col(Expert.person_id))
        where.append(col(Person.name).contains(q, autoescape=True))
    return await fetch_page(
        session, base.where(*where), order_by=col(Expert.id), limit=limit, offset=offset
    )


async def create(session: AsyncSession, actor: Principal, data: ExpertCreate) -> Expert:
    person, org = await person_in_scope(session, actor.scope(READ), data.person_id, "person_id")
    may_write(actor, org, WRITE)
    if await session.scalar(select(Expert.id).where(Expert.person_id == person.id)) is not None:
        raise Conflict("expert_exists")
    expert = Expert(**data.model_dump(), org_id=org.id or 0)
    session.add(expert)
    await session.flush()
    after = dump((await read(session, [expert]))[0])
    await record(session, actor, org, "expert", "created", expert.id, None, after)
    return expert


async def update(
    session: AsyncSession, actor: Principal, expert: Expert, org: Org, data: ExpertUpdate
) -> Expert:
    may_write(actor, org, WRITE)
    before = dump((await read(session, [expert]))[0])
    changes = data.model_dump(exclude_unset=True)
    for required in ("specialties", "availability"):
        if required in changes and changes[required] is None:
            raise Invalid.field(required, "missing")
    for key, value in changes.items():
        setattr(expert, key, value)
    expert.updated_at = utcnow()
    session.add(expert)
    await session.flush()
    after = dump((await read(session, [expert]))[0])
    await record(session, actor, org, "expert", "updated", expert.id, before, after)
    return expert


async def delete(session: AsyncSession, actor: Principal, expert: Expert, org: Org) -> None:
    may_write(actor, org, WRITE)
    before = dump((await read(session, [expert]))[0])
    await session.delete(expert)
    await session.flush()
    await record(session, actor, org, "expert", "deleted", before["id"], before, None)
