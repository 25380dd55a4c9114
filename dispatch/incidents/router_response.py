"""``/api/v1/incidents/{id}/activations``, ``/tasks``, ``/dispatches`` and ``/photos``: the
response."""

from __future__ import annotations

from fastapi import APIRouter, Response, UploadFile

from dispatch.incidents import activations, dispatches, photos
from dispatch.incidents.router import CurrentIncident, WritableIncident
from dispatch.incidents.schemas_response import (
    ActivationCreate,
    ActivationRead,
    ActivationUpdate,
    DispatchCreate,
    DispatchRead,
    DispatchUpdate,
    TaskRead,
    TaskUpdate,
)
from service.deps import CurrentUser, PathId, SessionDep, SettingsDep
from service.files.responses import file_response
from service.files.schemas import FileRead
from service.schemas import Page

router = APIRouter(prefix="/incidents", tags=["incidents"])


@router.get("/{incident_id}/activations", response_model=Page[ActivationRead])
async def list_activations(session: SessionDep, current: CurrentIncident) -> Page[ActivationRead]:
    """Plan activations with their task lists and the resources each level requires."""
    rows = await activations.of(session, current[0])
    sent = await dispatches.counts(session, current[0])
    return Page(data=[await activations.read(session, a, sent) for a in rows], count=len(rows))


@router.post("/{incident_id}/activations", response_model=ActivationRead, status_code=201)
async def activate_plan(
    session: SessionDep, user: CurrentUser, current: WritableIncident, data: ActivationCreate
) -> ActivationRead:
    """Activate a published plan version at a response level: its checklist becomes tasks."""
    activation = await activations.activate(session, user, *current, data)
    return await activations.read(session, activation, await dispatches.counts(session, current[0]))


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
    return await activations.read(session, activation, await dispatches.counts(session, current[0]))


@router.post("/{incident_id}/activations/{activation_id}/deactivate", response_model=ActivationRead)
async def deactivate_plan(
    session: SessionDep, user: CurrentUser, current: WritableIncident, activation_id: PathId
) -> ActivationRead:
    activation = await activations.get(session, current[0], activation_id)
    activation = await activations.deactivate(session, user, *current, activation)
    return await activations.read(session, activation, await dispatches.counts(session, current[0]))


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


@router.get("/{incident_id}/dispatches", response_model=Page[DispatchRead])
async def list_dispatches(session: SessionDep, current: CurrentIncident) -> Page[DispatchRead]:
    rows = await dispatches.of(session, current[0])
    return Page(data=[DispatchRead.model_validate(r) for r in rows], count=len(rows))


@router.post("/{incident_id}/dispatches", response_model=DispatchRead, status_code=201)
async def dispatch_resource(
    session: SessionDep, user: CurrentUser, current: WritableIncident, data: DispatchCreate
) -> DispatchRead:
    """Send a team (it must be available or on standby) or materials (a stock ledger
    movement; a shortfall is 409)."""
    return DispatchRead.model_validate(await dispatches.create(session, user, *current, data))


@router.patch("/{incident_id}/dispatches/{dispatch_id}", response_model=DispatchRead)
async def move_dispatch(
    session: SessionDep,
    user: CurrentUser,
    current: WritableIncident,
    dispatch_id: PathId,
    data: DispatchUpdate,
) -> DispatchRead:
    """requested → en_route → on_scene → returned (teams), or cancelled before arrival."""
    row = await dispatches.get(session, current[0], dispatch_id)
    return DispatchRead.model_validate(await dispatches.move(session, user, *current, row, data))


@router.get("/{incident_id}/photos", response_model=Page[FileRead])
async def list_photos(session: SessionDep, current: CurrentIncident) -> Page[FileRead]:
    rows = await photos.of(session, current[0])
    return Page(data=rows, count=len(rows))


@router.post("/{incident_id}/photos", response_model=FileRead, status_code=201)
async def add_photo(
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    current: WritableIncident,
    file: UploadFile,
) -> FileRead:
    """A photo (multipart field ``file``: JPEG, PNG or WebP, checked by its content; its
    metadata, GPS included, is removed)."""
    data = await file.read(settings.photo_max_bytes + 1)
    return await photos.add(
        session,
        user,
        *current,
        filename=file.filename or "photo",
        data=data,
        max_bytes=settings.photo_max_bytes,
        max_pixels=settings.photo_max_pixels,
    )


@router.get("/{incident_id}/photos/{photo_id}", response_class=Response)
async def get_photo(session: SessionDep, current: CurrentIncident, photo_id: PathId) -> Response:
    return file_response(*await photos.get(session, current[0], photo_id))


@router.delete("/{incident_id}/photos/{photo_id}", status_code=204)
async def delete_photo(
    session: SessionDep, user: CurrentUser, current: WritableIncident, photo_id: PathId
) -> Response:
    await photos.delete(session, user, *current, photo_id)
    return Response(status_code=204)
