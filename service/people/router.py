"""``/api/v1/people``: whom the service calls."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from service.deps import CurrentUser, PageDep, PathId, QueryId, SessionDep, ensure, require
from service.orgs import service as orgs
from service.orgs.models import Org
from service.people import service
from service.people.models import Person
from service.people.schemas import PersonCreate, PersonRead, PersonUpdate
from service.schemas import MAX_ID, Page

router = APIRouter(prefix="/people", tags=["people"])


async def current_person(
    session: SessionDep, user: CurrentUser, person_id: PathId
) -> tuple[Person, Org]:
    return await service.get_visible(session, user.scope("person.read"), person_id)


CurrentPerson = Annotated[tuple[Person, Org], Depends(current_person)]


@router.get("", response_model=Page[PersonRead])
async def list_people(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    q: Annotated[str | None, Query(max_length=100, description="part of the name")] = None,
    org_id: QueryId = None,
    within: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="people of this org's subtree")
    ] = None,
    tag: Annotated[str | None, Query(max_length=40)] = None,
    phone: Annotated[str | None, Query(max_length=40)] = None,
) -> Page[PersonRead]:
    scope = user.scope("person.read")
    root = await orgs.get_visible(session, scope, within) if within is not None else None
    rows, count = await service.search(
        session,
        scope,
        q=q,
        org_id=org_id,
        within=root,
        tag=tag,
        phone=phone,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(data=[PersonRead.model_validate(r) for r in rows], count=count)


@router.post("", response_model=PersonRead, status_code=201, dependencies=[require("person.write")])
async def create_person(session: SessionDep, user: CurrentUser, data: PersonCreate) -> PersonRead:
    return PersonRead.model_validate(await service.create(session, user, data))


@router.get("/{person_id}", response_model=PersonRead)
async def get_person(current: CurrentPerson) -> PersonRead:
    return PersonRead.model_validate(current[0])


@router.patch("/{person_id}", response_model=PersonRead)
async def update_person(
    session: SessionDep, user: CurrentUser, current: CurrentPerson, data: PersonUpdate
) -> PersonRead:
    person, org = current
    ensure(user, "person.write", org.path)
    return PersonRead.model_validate(await service.update(session, user, person, org, data))


@router.delete("/{person_id}", status_code=204)
async def delete_person(session: SessionDep, user: CurrentUser, current: CurrentPerson) -> None:
    person, org = current
    ensure(user, "person.write", org.path)
    await service.delete(session, user, person, org)
