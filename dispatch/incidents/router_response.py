"""``/api/v1/incidents/{id}/activations`` and ``/tasks``: the response to an incident."""

from __future__ import annotations

from fastapi import APIRouter

from dispatch.incidents import activations
from dispatch.incidents.router import CurrentIncident, WritableIncident
from dispatch.incidents.schemas_response import (
    ActivationCreate,
    ActivationRead,
    ActivationUpdate,
    TaskRead,
    TaskUpdate,
)
from service.deps import CurrentUser, PathId, SessionDep
from service.schemas import Page

router = APIRouter(prefix="/incidents", tags=["incidents"])


@router.get("/{incident_id}/activations", response_model=Page[ActivationRead])
async def list_activations(session: SessionDep, current: CurrentIncident) -> Page[ActivationRead]:
    """Plan activations with their task lists and the resources each level requires."""
    rows = await activations.of(session, current[0])
    return Page(data=[await activations.read(session, a) for a in rows], count=len(rows))


@router.post("/{incident_id}/activations", response_model=ActivationRead, status_code=201)
async def activate_plan(
    session: SessionDep, user: CurrentUser, current: WritableIncident, data: ActivationCreate
) -> ActivationRead:
    """Activate a published plan version at a response level: its checklist becomes tasks."""
    activation = await activations.activate(session, user, *current, data)
    return await activations.read(session, activation)


@router.patch("/{incident_id}/activations/{activation_id}", response_model=ActivationRead)
async def change_level(
    session: SessionDep,
    user: CurrentUser,
    current: WritableIncident,
    activation_id: PathId,
    data: ActivationUpdate,
) -> ActivationRead:
    """Raise or lower the response level; the checklist follows."""
    activation = await activations.get(session, current[0], activation_id)
    activation = await activations.change_level(session, user, *current, activation, data.level)
    return await activations.read(session, activation)


@router.post("/{incident_id}/activations/{activation_id}/deactivate", response_model=ActivationRead)
async def deactivate_plan(
    session: SessionDep, user: CurrentUser, current: WritableIncident, activation_id: PathId
) -> ActivationRead:
    activation = await activations.get(session, current[0], activation_id)
    activation = await activations.deactivate(session, user, *current, activation)
    return await activations.read(session, activation)


@router.patch("/{incident_id}/tasks/{task_id}", response_model=TaskRead)
async def update_task(
    session: SessionDep,
    user: CurrentUser,
    current: WritableIncident,
    task_id: PathId,
    data: TaskUpdate,
) -> TaskRead:
    """Mark a task done (or open again), with a note."""
    task = await activations.update_task(session, user, *current, task_id, data)
    return TaskRead.model_validate(task)
