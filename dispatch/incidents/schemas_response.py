"""API models of the response to an incident: plan activations and their tasks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from dispatch.incidents.models import ActivationState, TaskState
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
