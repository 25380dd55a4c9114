"""API models of the response to an incident: plan activations and their tasks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from dispatch.incidents.models import (
    ActivationState,
    DispatchKind,
    DispatchStatus,
    TaskState,
)
from plans.library.schemas import ResponseLevelName
from service.schemas import Id, InputModel, ReadModel


class ActivationCreate(InputModel):
    plan_id: Id
    version: int | None = Field(default=None, ge=1, le=10_000, description="default: published")
    level: ResponseLevelName


class ActivationUpdate(InputModel):
    level: ResponseLevelName


class TaskUpdate(InputModel):
    done: bool | None = None
    note: str | None = Field(default=None, max_length=2000)


class TaskRead(ReadModel):
    id: int
    activation_id: int
    level: str
    position: int
    action_key: str | None
    action: str
    responsible: str
    responsible_org_id: int | None
    due_at: datetime | None
    state: TaskState
    done_at: datetime | None
    done_by: int | None
    note: str | None


class ActivationRead(ReadModel):
    id: int
    incident_id: int
    plan_id: int
    version_id: int
    version_number: int
    plan_title: str
    level: str
    state: ActivationState
    levels: list[dict[str, Any]]
    activated_at: datetime
    activated_by: int | None
    deactivated_at: datetime | None
    tasks: list[TaskRead] = Field(default_factory=list)
    required: dict[str, Any] = Field(default_factory=dict, description="the level's resources")
    dispatched: dict[str, Any] = Field(
        default_factory=dict, description="dispatched so far: team types and items with counts"
    )


class DispatchCreate(InputModel):
    """A team (``team_id``), or materials (``depot_id``, ``item_id``, ``quantity``)."""

    team_id: Id | None = None
    depot_id: Id | None = None
    item_id: Id | None = None
    quantity: int | None = Field(default=None, gt=0, le=10**12)
    lot_id: Id | None = None
    note: str | None = Field(default=None, max_length=1000)

    @model_validator(mode="after")
    def _one_kind(self) -> DispatchCreate:
        material = (self.depot_id, self.item_id, self.quantity)
        if self.team_id is not None and any(v is not None for v in material):
            raise PydanticCustomError("dispatch_one_kind", "a team or materials, not both")
        if self.team_id is None and any(v is None for v in material):
            raise PydanticCustomError(
                "dispatch_one_kind", "give team_id, or depot_id, item_id and quantity"
            )
        return self


class DispatchUpdate(InputModel):
    status: DispatchStatus
    note: str | None = Field(default=None, max_length=1000)


class DispatchRead(ReadModel):
    id: int
    incident_id: int
    kind: DispatchKind
    team_id: int | None
    team_kind: str | None
    depot_id: int | None
    item_id: int | None
    quantity: int | None
    name: str
    status: DispatchStatus
    distance_km: float | None
    op_id: str | None
    note: str | None
    requested_at: datetime
    en_route_at: datetime | None
    on_scene_at: datetime | None
    returned_at: datetime | None
    cancelled_at: datetime | None
