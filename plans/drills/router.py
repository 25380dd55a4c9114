"""``/api/v1/drills``: schedule, change, find drills; their lifecycle, calendar and yearly
compliance. Thin: parse, resolve the drill once, call one service function. Running and
evaluating a drill are in ``router_run``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from plans.drills import actions as corrective
from plans.drills import lifecycle, reminders, service
from plans.drills.models import Drill, DrillStatus, DrillType
from plans.drills.schemas import (
    Cancellation,
    DrillCreate,
    DrillDetail,
    DrillRead,
    DrillUpdate,
)
from service.auth.permissions import Principal
from service.deps import CurrentUser, PageDep, PathId, QueryId, SessionDep, SettingsDep, require
from service.orgs.models import Org
from service.schemas import Page, Timestamp

assert corrective  # the clock handlers of actions and reminders register on import
assert reminders
router = APIRouter(prefix="/drills", tags=["drills"])


async def current_drill(
    session: SessionDep, user: CurrentUser, drill_id: PathId
) -> tuple[Drill, Org]:
    return await service.get_visible(session, user, drill_id)


CurrentDrill = Annotated[tuple[Drill, Org], Depends(current_drill)]


async def detail(session: SessionDep, user: Principal, drill: Drill, org: Org) -> DrillDetail:
    return DrillDetail(
        **DrillRead.model_validate(drill).model_dump(),
        conflicts=await service.conflicts(session, drill),
        reminders=await reminders.of(session, drill),
        actions=lifecycle.actions_for(user, drill, org),
    )


@router.get("", response_model=Page[DrillRead])
async def list_drills(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    start: Annotated[
        Timestamp | None, Query(alias="from", description="drills ending after this")
    ] = None,
    end: Annotated[Timestamp | None, Query(alias="to", description="starting before this")] = None,
    status: DrillStatus | None = None,
    type: DrillType | None = None,
    org_id: QueryId = None,
    person_id: QueryId = None,
    team_id: QueryId = None,
) -> Page[DrillRead]:
    """Drills the caller sees, by start time; ``from``/``to`` give a month view."""
    rows, count = await service.search(
        session,
        user,
        start=start,
        end=end,
        status=status,
        type_=type,
        org_id=org_id,
        person_id=person_id,
        team_id=team_id,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(data=[DrillRead.model_validate(r) for r in rows], count=count)


@router.post("", response_model=DrillDetail, status_code=201, dependencies=[require("drill.write")])
async def create_drill(
    session: SessionDep, user: CurrentUser, settings: SettingsDep, data: DrillCreate
) -> DrillDetail:
    """A planned drill; its reminders are scheduled, its conflicts shown."""
    drill = await service.create(session, user, data, settings)
    return await detail(session, user, drill, await service.organiser(session, drill))


@router.get("/{drill_id}", response_model=DrillDetail)
async def get_drill(session: SessionDep, user: CurrentUser, current: CurrentDrill) -> DrillDetail:
    """The drill, its conflicts (a team in an overlapping drill or out on a real incident),
    its reminders and the steps the caller may take."""
    return await detail(session, user, *current)


@router.patch("/{drill_id}", response_model=DrillDetail)
async def update_drill(
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    current: CurrentDrill,
    data: DrillUpdate,
) -> DrillDetail:
    """Only while planned or notified; new times move the reminders."""
    drill = await service.update(session, user, *current, data, settings)
    return await detail(session, user, drill, current[1])


async def _step(
    session: SessionDep, user: Principal, current: tuple[Drill, Org], action: str
) -> DrillDetail:
    drill = await lifecycle.step(session, user, *current, action)
    return await detail(session, user, drill, current[1])


@router.post("/{drill_id}/notify", response_model=DrillDetail)
async def notify_drill(
    session: SessionDep, user: CurrentUser, current: CurrentDrill
) -> DrillDetail:
    """planned → notified: every participant is told now (reminders follow)."""
    return await _step(session, user, current, "notify")


@router.post("/{drill_id}/start", response_model=DrillDetail)
async def start_drill(session: SessionDep, user: CurrentUser, current: CurrentDrill) -> DrillDetail:
    """→ in_progress: exercise warnings and incidents may be issued."""
    return await _step(session, user, current, "start")


@router.post("/{drill_id}/complete", response_model=DrillDetail)
async def complete_drill(
    session: SessionDep, user: CurrentUser, current: CurrentDrill
) -> DrillDetail:
    """in_progress → completed: ready for evaluation."""
    return await _step(session, user, current, "complete")


@router.post("/{drill_id}/close", response_model=DrillDetail)
async def close_drill(session: SessionDep, user: CurrentUser, current: CurrentDrill) -> DrillDetail:
    """evaluated → closed; 409 ``drill_actions_open`` listing any open corrective action."""
    return await _step(session, user, current, "close")


@router.post("/{drill_id}/cancel", response_model=DrillDetail)
async def cancel_drill(
    session: SessionDep, user: CurrentUser, current: CurrentDrill, data: Cancellation
) -> DrillDetail:
    """Before it completes; the reminders stop and notified participants are told."""
    drill = await lifecycle.step(session, user, *current, "cancel", reason=data.reason)
    return await detail(session, user, drill, current[1])
