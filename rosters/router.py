"""``/api/v1/duty``: who is on duty, the shifts, gaps, check-in and handover."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from rosters import presence, shifts
from rosters.models import DutyHandover, DutyShift
from rosters.rules import visible
from rosters.schemas import (
    DutyNow,
    Gaps,
    HandoverCreate,
    HandoverRead,
    ShiftDetail,
    ShiftRead,
)
from service.db import utcnow
from service.deps import CurrentUser, PageDep, PathId, QueryId, SessionDep
from service.orgs import service as orgs
from service.orgs.models import Org
from service.schemas import Page, Timestamp

router = APIRouter(prefix="/duty", tags=["duty"])

OrgQuery = Annotated[int, Query(ge=1, le=2**31 - 1, description="the org")]
At = Annotated[Timestamp | None, Query(description="ISO 8601 with offset; default now")]


async def current_shift(
    session: SessionDep, user: CurrentUser, shift_id: PathId
) -> tuple[DutyShift, Org]:
    return await shifts.get_visible(session, user.scope("duty.read"), shift_id)


CurrentShift = Annotated[tuple[DutyShift, Org], Depends(current_shift)]


@router.get("/now", response_model=DutyNow)
async def duty_now(
    session: SessionDep, user: CurrentUser, org_id: OrgQuery, at: At = None
) -> DutyNow:
    org = await orgs.get_visible(session, user.scope("duty.read"), org_id)
    return await shifts.now(session, org, at or utcnow())


@router.get("/gaps", response_model=Gaps)
async def duty_gaps(
    session: SessionDep,
    user: CurrentUser,
    org_id: OrgQuery,
    start: Annotated[Timestamp, Query()],
    end: Annotated[Timestamp, Query()],
) -> Gaps:
    shifts.check_range(start, end)
    org = await orgs.get_visible(session, user.scope("duty.read"), org_id)
    return await shifts.gaps(session, org, start, end)


@router.get("/shifts", response_model=Page[ShiftRead])
async def list_shifts(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    org_id: QueryId = None,
    person_id: QueryId = None,
    post_id: QueryId = None,
    start: Annotated[Timestamp | None, Query()] = None,
    end: Annotated[Timestamp | None, Query()] = None,
) -> Page[ShiftRead]:
    if start is not None and end is not None:
        shifts.check_range(start, end, limit=shifts.MAX_RANGE * 10)
    rows, count = await shifts.search(
        session,
        user.scope("duty.read"),
        org_id=org_id,
        person_id=person_id,
        post_id=post_id,
        start=start,
        end=end,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(data=[ShiftRead.model_validate(r) for r in rows], count=count)


@router.get("/shifts/{shift_id}", response_model=ShiftDetail)
async def get_shift(session: SessionDep, current: CurrentShift) -> ShiftDetail:
    return await shifts.detail(session, current[0])


@router.post("/shifts/{shift_id}/checkin", response_model=ShiftRead)
async def check_in(session: SessionDep, user: CurrentUser, current: CurrentShift) -> ShiftRead:
    return ShiftRead.model_validate(await presence.check_in(session, user, *current))


@router.post("/shifts/{shift_id}/handover", response_model=HandoverRead, status_code=201)
async def hand_over(
    session: SessionDep, user: CurrentUser, current: CurrentShift, data: HandoverCreate
) -> HandoverRead:
    return HandoverRead.model_validate(await presence.hand_over(session, user, *current, data))


@router.post("/handovers/{handover_id}/ack", response_model=HandoverRead)
async def acknowledge_handover(
    session: SessionDep, user: CurrentUser, handover_id: PathId
) -> HandoverRead:
    handover, org = await visible(
        session, user.scope("duty.read"), DutyHandover, handover_id, "handover"
    )
    return HandoverRead.model_validate(await presence.acknowledge(session, user, handover, org))
