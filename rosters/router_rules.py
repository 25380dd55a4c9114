"""``/api/v1/duty``: how the roster is made (pattern, posts, rotations, leave, overrides,
swaps, key periods)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from sqlmodel import col

from rosters import rules, setup, swaps
from rosters.models import (
    DutyLeave,
    DutyOverride,
    DutyPost,
    DutyRotation,
    DutySwap,
    KeyPeriod,
    SwapState,
)
from rosters.schemas import (
    KeyPeriodCreate,
    KeyPeriodRead,
    LeaveCreate,
    LeaveRead,
    OverrideCreate,
    OverrideRead,
    PostCreate,
    PostRead,
    PostUpdate,
    RotationCreate,
    RotationRead,
    RotationUpdate,
    ScheduleRead,
    ScheduleWrite,
    SwapCreate,
    SwapRead,
)
from service.deps import CurrentUser, PageDep, PathId, QueryId, SessionDep, ensure, require
from service.orgs import service as orgs
from service.schemas import Page

router = APIRouter(prefix="/duty", tags=["duty"])
WRITE = [require("duty.write")]


def _by(model: Any, **filters: int | str | None) -> list[Any]:
    return [col(getattr(model, k)) == v for k, v in filters.items() if v is not None]


# ---- shift pattern and posts -----------------------------------------------------------


@router.get("/schedules/{org_id}", response_model=ScheduleRead)
async def get_schedule(session: SessionDep, user: CurrentUser, org_id: PathId) -> ScheduleRead:
    org = await orgs.get_visible(session, user.scope("duty.read"), org_id)
    return await setup.schedule_of(session, org)


@router.put("/schedules/{org_id}", response_model=ScheduleRead, dependencies=WRITE)
async def put_schedule(
    session: SessionDep, user: CurrentUser, org_id: PathId, data: ScheduleWrite
) -> ScheduleRead:
    org = await orgs.get_visible(session, user.scope("duty.read"), org_id)
    ensure(user, "duty.write", org.path)
    return await setup.set_schedule(session, user, org, data)


@router.get("/posts", response_model=Page[PostRead])
async def list_posts(
    session: SessionDep, user: CurrentUser, page: PageDep, org_id: QueryId = None
) -> Page[PostRead]:
    rows, count = await rules.listing(
        session,
        user.scope("duty.read"),
        DutyPost,
        where=_by(DutyPost, org_id=org_id),
        limit=page.limit,
        offset=page.offset,
    )
    return Page(data=[PostRead.model_validate(r) for r in rows], count=count)


@router.post("/posts", response_model=PostRead, status_code=201, dependencies=WRITE)
async def create_post(session: SessionDep, user: CurrentUser, data: PostCreate) -> PostRead:
    return PostRead.model_validate(await setup.create_post(session, user, data))


@router.patch("/posts/{post_id}", response_model=PostRead)
async def update_post(
    session: SessionDep, user: CurrentUser, post_id: PathId, data: PostUpdate
) -> PostRead:
    post, org = await rules.visible(
        session, user.scope("duty.read"), DutyPost, post_id, "duty_post"
    )
    return PostRead.model_validate(await setup.update_post(session, user, post, org, data))


@router.delete("/posts/{post_id}", status_code=204)
async def delete_post(session: SessionDep, user: CurrentUser, post_id: PathId) -> None:
    post, org = await rules.visible(
        session, user.scope("duty.read"), DutyPost, post_id, "duty_post"
    )
    await setup.delete_post(session, user, post, org)


# ---- rotations -------------------------------------------------------------------------


@router.get("/rotations", response_model=Page[RotationRead])
async def list_rotations(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    org_id: QueryId = None,
    post_id: QueryId = None,
) -> Page[RotationRead]:
    where = _by(DutyRotation, org_id=org_id, post_id=post_id)
    rows, count = await rules.listing(
        session,
        user.scope("duty.read"),
        DutyRotation,
        where=where,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(data=[RotationRead.model_validate(r) for r in rows], count=count)


@router.post("/rotations", response_model=RotationRead, status_code=201, dependencies=WRITE)
async def create_rotation(
    session: SessionDep, user: CurrentUser, data: RotationCreate
) -> RotationRead:
    return RotationRead.model_validate(await rules.create_rotation(session, user, data))


@router.get("/rotations/{rotation_id}", response_model=RotationRead)
async def get_rotation(session: SessionDep, user: CurrentUser, rotation_id: PathId) -> RotationRead:
    row, _ = await rules.visible(
        session, user.scope("duty.read"), DutyRotation, rotation_id, "rotation"
    )
    return RotationRead.model_validate(row)


@router.patch("/rotations/{rotation_id}", response_model=RotationRead)
async def update_rotation(
    session: SessionDep, user: CurrentUser, rotation_id: PathId, data: RotationUpdate
) -> RotationRead:
    row, org = await rules.visible(
        session, user.scope("duty.read"), DutyRotation, rotation_id, "rotation"
    )
    return RotationRead.model_validate(await rules.update_rotation(session, user, row, org, data))


@router.delete("/rotations/{rotation_id}", status_code=204)
async def delete_rotation(session: SessionDep, user: CurrentUser, rotation_id: PathId) -> None:
    row, org = await rules.visible(
        session, user.scope("duty.read"), DutyRotation, rotation_id, "rotation"
    )
    await rules.delete_rotation(session, user, row, org)


# ---- leave and overrides ---------------------------------------------------------------


@router.get("/leave", response_model=Page[LeaveRead])
async def list_leave(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    org_id: QueryId = None,
    person_id: QueryId = None,
) -> Page[LeaveRead]:
    where = _by(DutyLeave, org_id=org_id, person_id=person_id)
    rows, count = await rules.listing(
        session,
        user.scope("duty.read"),
        DutyLeave,
        where=where,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(data=[LeaveRead.model_validate(r) for r in rows], count=count)


@router.post("/leave", response_model=LeaveRead, status_code=201, dependencies=WRITE)
async def create_leave(session: SessionDep, user: CurrentUser, data: LeaveCreate) -> LeaveRead:
    return LeaveRead.model_validate(await rules.create_leave(session, user, data))


@router.delete("/leave/{leave_id}", status_code=204)
async def delete_leave(session: SessionDep, user: CurrentUser, leave_id: PathId) -> None:
    row, org = await rules.visible(session, user.scope("duty.read"), DutyLeave, leave_id, "leave")
    await rules.delete_leave(session, user, row, org)


@router.get("/overrides", response_model=Page[OverrideRead])
async def list_overrides(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    org_id: QueryId = None,
    person_id: QueryId = None,
) -> Page[OverrideRead]:
    where = _by(DutyOverride, org_id=org_id, person_id=person_id)
    rows, count = await rules.listing(
        session,
        user.scope("duty.read"),
        DutyOverride,
        where=where,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(data=[OverrideRead.model_validate(r) for r in rows], count=count)


@router.post("/overrides", response_model=OverrideRead, status_code=201, dependencies=WRITE)
async def create_override(
    session: SessionDep, user: CurrentUser, data: OverrideCreate
) -> OverrideRead:
    return OverrideRead.model_validate(await rules.create_override(session, user, data))


@router.delete("/overrides/{override_id}", status_code=204)
async def delete_override(session: SessionDep, user: CurrentUser, override_id: PathId) -> None:
    row, org = await rules.visible(
        session, user.scope("duty.read"), DutyOverride, override_id, "override"
    )
    await rules.delete_override(session, user, row, org)


# ---- swaps -----------------------------------------------------------------------------


@router.get("/swaps", response_model=Page[SwapRead])
async def list_swaps(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    org_id: QueryId = None,
    state: Annotated[SwapState | None, Query()] = None,
) -> Page[SwapRead]:
    where = _by(DutySwap, org_id=org_id, state=state)
    rows, count = await rules.listing(
        session,
        user.scope("duty.read"),
        DutySwap,
        where=where,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(data=[SwapRead.model_validate(r) for r in rows], count=count)


@router.post("/swaps", response_model=SwapRead, status_code=201)
async def request_swap(
    session: SessionDep, user: CurrentUser, data: SwapCreate, response: Response
) -> SwapRead:
    """201 with a new swap; the same request while it is pending answers 200 with it."""
    swap, created = await swaps.request(session, user, data)
    if not created:
        response.status_code = 200
    return SwapRead.model_validate(swap)


@router.get("/swaps/{swap_id}", response_model=SwapRead)
async def get_swap(session: SessionDep, user: CurrentUser, swap_id: PathId) -> SwapRead:
    row, _ = await swaps.visible(session, user, swap_id)
    return SwapRead.model_validate(row)


STEPS = {
    "accept": swaps.accept,
    "approve": swaps.approve,
    "reject": swaps.reject,
    "cancel": swaps.cancel,
}


SwapStep = Literal["accept", "approve", "reject", "cancel"]


@router.post("/swaps/{swap_id}/{step}", response_model=SwapRead)
async def swap_step(
    session: SessionDep, user: CurrentUser, swap_id: PathId, step: SwapStep
) -> SwapRead:
    """accept (the counterpart), approve or reject (a leader of the org), cancel (the requester)."""
    row, org = await swaps.visible(session, user, swap_id)
    return SwapRead.model_validate(await STEPS[step](session, user, row, org))


# ---- key periods -----------------------------------------------------------------------


@router.get("/key-periods", response_model=Page[KeyPeriodRead])
async def list_key_periods(
    session: SessionDep, user: CurrentUser, page: PageDep, org_id: QueryId = None
) -> Page[KeyPeriodRead]:
    rows, count = await rules.listing(
        session,
        user.scope("duty.read"),
        KeyPeriod,
        where=_by(KeyPeriod, org_id=org_id),
        limit=page.limit,
        offset=page.offset,
    )
    return Page(data=[KeyPeriodRead.model_validate(r) for r in rows], count=count)


@router.post("/key-periods", response_model=KeyPeriodRead, status_code=201, dependencies=WRITE)
async def create_key_period(
    session: SessionDep, user: CurrentUser, data: KeyPeriodCreate, response: Response
) -> KeyPeriodRead:
    """201 with a new key period; the same one again answers 200 with the first."""
    period, created = await rules.create_key_period(session, user, data)
    if not created:
        response.status_code = 200
    return KeyPeriodRead.model_validate(period)


@router.delete("/key-periods/{period_id}", status_code=204)
async def delete_key_period(session: SessionDep, user: CurrentUser, period_id: PathId) -> None:
    row, org = await rules.visible(
        session, user.scope("duty.read"), KeyPeriod, period_id, "key_period"
    )
    await rules.delete_key_period(session, user, row, org)
