"""``/api/v1/teams`` and ``/api/v1/experts``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from plans.resources import experts, teams
from plans.resources.common import EXPIRY_DAYS, READ
from plans.resources.models import Availability, Expert, Team, TeamKind, TeamStatus
from plans.resources.schemas import (
    CertificationDue,
    ExpertCreate,
    ExpertRead,
    ExpertUpdate,
    Location,
    MemberCreate,
    MemberRead,
    MemberUpdate,
    StatusChange,
    StatusChangeRead,
    TeamCreate,
    TeamDetail,
    TeamRead,
    TeamUpdate,
)
from service.deps import CurrentUser, PageDep, PathId, QueryId, SessionDep, require
from service.orgs.models import Org
from service.schemas import Page

router = APIRouter(prefix="/teams", tags=["teams"])
experts_router = APIRouter(prefix="/experts", tags=["experts"])


async def current_team(session: SessionDep, user: CurrentUser, team_id: PathId) -> tuple[Team, Org]:
    return await teams.get_visible(session, user.scope(READ), team_id)


CurrentTeam = Annotated[tuple[Team, Org], Depends(current_team)]


@router.get("", response_model=Page[TeamRead])
async def list_teams(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    kind: Annotated[TeamKind | None, Query()] = None,
    status: Annotated[TeamStatus | None, Query()] = None,
    org_id: QueryId = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> Page[TeamRead]:
    rows, count = await teams.search(
        session,
        user.scope(READ),
        kind=kind,
        status=status,
        org_id=org_id,
        q=q,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(data=[TeamRead.model_validate(r) for r in rows], count=count)


@router.post("", response_model=TeamRead, status_code=201, dependencies=[require("team.write")])
async def create_team(session: SessionDep, user: CurrentUser, data: TeamCreate) -> TeamRead:
    return TeamRead.model_validate(await teams.create(session, user, data))


@router.get("/certifications", response_model=Page[CertificationDue])
async def certifications_expiring(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    within_days: Annotated[int, Query(ge=0, le=3660)] = EXPIRY_DAYS,
    team_id: QueryId = None,
    org_id: QueryId = None,
) -> Page[CertificationDue]:
    """Members' certificates expiring within ``within_days`` (default 30) or expired."""
    rows, count = await teams.certifications_due(
        session,
        user.scope(READ),
        within_days=within_days,
        team_id=team_id,
        org_id=org_id,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(data=rows, count=count)


@router.get("/{team_id}", response_model=TeamDetail)
async def get_team(session: SessionDep, current: CurrentTeam) -> TeamDetail:
    return await teams.detail(session, current[0])


@router.patch("/{team_id}", response_model=TeamRead)
async def update_team(
    session: SessionDep, user: CurrentUser, current: CurrentTeam, data: TeamUpdate
) -> TeamRead:
    return TeamRead.model_validate(await teams.update(session, user, *current, data))


@router.delete("/{team_id}", status_code=204)
async def delete_team(session: SessionDep, user: CurrentUser, current: CurrentTeam) -> None:
    await teams.delete(session, user, *current)


@router.post("/{team_id}/status", response_model=TeamRead)
async def change_status(
    session: SessionDep, user: CurrentUser, current: CurrentTeam, data: StatusChange
) -> TeamRead:
    return TeamRead.model_validate(await teams.set_status(session, user, *current, data))


@router.get("/{team_id}/status", response_model=Page[StatusChangeRead])
async def status_history(
    session: SessionDep, current: CurrentTeam, page: PageDep
) -> Page[StatusChangeRead]:
    rows, count = await teams.history(session, current[0], limit=page.limit, offset=page.offset)
    return Page(data=[StatusChangeRead.model_validate(r) for r in rows], count=count)


@router.post("/{team_id}/location", response_model=TeamRead)
async def move_team(
    session: SessionDep, user: CurrentUser, current: CurrentTeam, data: Location
) -> TeamRead:
    return TeamRead.model_validate(await teams.move(session, user, *current, data))


@router.post("/{team_id}/members", response_model=MemberRead, status_code=201)
async def add_member(
    session: SessionDep, user: CurrentUser, current: CurrentTeam, data: MemberCreate
) -> MemberRead:
    return await teams.add_member(session, user, *current, data)


@router.patch("/{team_id}/members/{member_id}", response_model=MemberRead)
async def update_member(
    session: SessionDep,
    user: CurrentUser,
    current: CurrentTeam,
    member_id: PathId,
    data: MemberUpdate,
) -> MemberRead:
    member = await teams.get_member(session, current[0], member_id)
    return await teams.update_member(session, user, *current, member, data)


@router.delete("/{team_id}/members/{member_id}", status_code=204)
async def remove_member(
    session: SessionDep, user: CurrentUser, current: CurrentTeam, member_id: PathId
) -> None:
    member = await teams.get_member(session, current[0], member_id)
    await teams.remove_member(session, user, *current, member)


async def current_expert(
    session: SessionDep, user: CurrentUser, expert_id: PathId
) -> tuple[Expert, Org]:
    return await experts.get_visible(session, user.scope(READ), expert_id)


CurrentExpert = Annotated[tuple[Expert, Org], Depends(current_expert)]


@experts_router.get("", response_model=Page[ExpertRead])
async def list_experts(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    specialty: Annotated[str | None, Query(max_length=40)] = None,
    availability: Annotated[Availability | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    org_id: QueryId = None,
) -> Page[ExpertRead]:
    rows, count = await experts.search(
        session,
        user.scope(READ),
        specialty=specialty,
        availability=availability,
        q=q,
        org_id=org_id,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(data=await experts.read(session, rows), count=count)


@experts_router.post(
    "", response_model=ExpertRead, status_code=201, dependencies=[require("resource.write")]
)
async def create_expert(session: SessionDep, user: CurrentUser, data: ExpertCreate) -> ExpertRead:
    expert = await experts.create(session, user, data)
    return (await experts.read(session, [expert]))[0]


@experts_router.get("/{expert_id}", response_model=ExpertRead)
async def get_expert(session: SessionDep, current: CurrentExpert) -> ExpertRead:
    return (await experts.read(session, [current[0]]))[0]


@experts_router.patch("/{expert_id}", response_model=ExpertRead)
async def update_expert(
    session: SessionDep, user: CurrentUser, current: CurrentExpert, data: ExpertUpdate
) -> ExpertRead:
    expert = await experts.update(session, user, *current, data)
    return (await experts.read(session, [expert]))[0]


@experts_router.delete("/{expert_id}", status_code=204)
async def delete_expert(session: SessionDep, user: CurrentUser, current: CurrentExpert) -> None:
    await experts.delete(session, user, *current)
