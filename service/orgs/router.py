"""``/api/v1/orgs``: the org tree."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from service.deps import (
    CurrentUser,
    PageDep,
    PathId,
    QueryId,
    SessionDep,
    SettingsDep,
    ensure,
    require,
)
from service.orgs import service
from service.orgs.models import Org, OrgKind
from service.orgs.schemas import OrgCreate, OrgRead, OrgUpdate
from service.schemas import MAX_ID, Page

router = APIRouter(prefix="/orgs", tags=["orgs"])


async def current_org(session: SessionDep, user: CurrentUser, org_id: PathId) -> Org:
    return await service.get_visible(session, user.scope("org.read"), org_id)


CurrentOrg = Annotated[Org, Depends(current_org)]


@router.get("", response_model=Page[OrgRead])
async def list_orgs(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    parent_id: QueryId = None,
    within: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="only this org and its subtree")
    ] = None,
    kind: OrgKind | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    division_code: Annotated[str | None, Query(max_length=12)] = None,
) -> Page[OrgRead]:
    scope = user.scope("org.read")
    root = await service.get_visible(session, scope, within) if within is not None else None
    rows, count = await service.search(
        session,
        scope,
        parent_id=parent_id,
        within=root,
        kind=kind,
        q=q,
        division_code=division_code,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(data=[OrgRead.model_validate(r) for r in rows], count=count)


@router.post("", response_model=OrgRead, status_code=201, dependencies=[require("org.write")])
async def create_org(
    session: SessionDep, settings: SettingsDep, user: CurrentUser, data: OrgCreate
) -> OrgRead:
    org = await service.create(session, user, data, default_timezone=settings.timezone)
    return OrgRead.model_validate(org)


@router.get("/{org_id}", response_model=OrgRead)
async def get_org(org: CurrentOrg) -> OrgRead:
    return OrgRead.model_validate(org)


@router.patch("/{org_id}", response_model=OrgRead)
async def update_org(
    session: SessionDep, user: CurrentUser, org: CurrentOrg, data: OrgUpdate
) -> OrgRead:
    ensure(user, "org.write", org.path)
    return OrgRead.model_validate(await service.update(session, user, org, data))


@router.delete("/{org_id}", status_code=204)
async def delete_org(session: SessionDep, user: CurrentUser, org: CurrentOrg) -> None:
    ensure(user, "org.write", org.path)
    await service.delete(session, user, org)
