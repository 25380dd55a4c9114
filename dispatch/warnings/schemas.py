"""API models of warnings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from dispatch.warnings.models import (
    Hazard,
    Level,
    RecipientState,
    TaskState,
    WarningStatus,
)
from plans.resources.models import TeamKind
from service.files.schemas import FileRead
from service.schemas import Id, InputModel, Latitude, Longitude, ReadModel, Timestamp


class ExplicitPeople(InputModel):
    rule: Literal["people"] = "people"
    person_ids: list[Id] = Field(min_length=1, max_length=10_000)


class TaggedPeople(InputModel):
    """People with a tag (default 基层责任人, the responsible persons) in the orgs' subtrees."""

    rule: Literal["responsible_persons"]
    org_ids: list[Id] = Field(min_length=1, max_length=500)
    tag: str = Field(default="基层责任人", min_length=1, max_length=40)


class LeadersOnDuty(InputModel):
    """The leader on duty of each org at issue time, from the roster."""

    rule: Literal["leaders_on_duty"]
    org_ids: list[Id] = Field(min_length=1, max_length=500)


class TeamLeaders(InputModel):
    """The leaders of the rescue teams of these kinds (plans/resources) in the orgs' subtrees;
    without ``org_ids``, in the warning's affected orgs."""

    rule: Literal["team_leaders"]
    team_types: list[TeamKind] = Field(min_length=1, max_length=20)
    org_ids: list[Id] | None = Field(default=None, min_length=1, max_length=500)


AreaKind = Literal["township", "village"]
AREA_KINDS: tuple[AreaKind, ...] = ("township", "village")


class ResponsibleInArea(InputModel):
    """People with the tag (default 基层责任人) of the orgs of these kinds (townships and
    villages) whose location lies inside the warning's polygon."""

    rule: Literal["responsible_in_area"]
    tag: str = Field(default="基层责任人", min_length=1, max_length=40)
    kinds: list[AreaKind] = Field(
        default_factory=lambda: list(AREA_KINDS), min_length=1, max_length=2
    )


Rule = Annotated[
    ExplicitPeople | TaggedPeople | LeadersOnDuty | TeamLeaders | ResponsibleInArea,
    Field(discriminator="rule"),
]
Point = tuple[Latitude, Longitude]


def _expiry(value: datetime | None, info: ValidationInfo) -> datetime | None:
    start = info.data.get("effective_at")
    if value is not None and start is not None and value <= start:
        raise PydanticCustomError("end_before_start", "ends before it starts")
    return value


def _polygon(value: list[Point] | None) -> list[Point] | None:
    if value is not None and value[0] != value[-1]:
        raise PydanticCustomError("polygon_open", "the first and last points must be the same")
    return value


class WarningCreate(InputModel):
    org_id: Id = Field(description="the issuing org")
    hazard: Hazard
    level: Level
    title: str = Field(min_length=1, max_length=200)
    content: str = Field(min_length=1, max_length=8000)
    instruction: str | None = Field(default=None, max_length=4000)
    source: str | None = Field(default=None, max_length=200)
    org_ids: list[Id] = Field(default_factory=list, max_length=500, description="affected orgs")
    polygon: list[Point] | None = Field(default=None, min_length=4, max_length=1000)
    recipients: list[Id] = Field(default_factory=list, max_length=10_000, description="people")
    rules: list[Rule] = Field(default_factory=list, max_length=20)
    effective_at: Timestamp | None = None
    expires_at: Timestamp
    respond_within_s: int | None = Field(default=None, ge=1, le=7 * 86400)
    recall_count: int | None = Field(default=None, ge=0, le=10)
    recall_interval_s: int | None = Field(default=None, ge=1, le=86400)
    issue: bool = Field(default=True, description="false: keep it as a draft")

    _expires = field_validator("expires_at")(_expiry)
    _closed = field_validator("polygon")(_polygon)


class WarningUpdate(InputModel):
    """A change after issue: a new level or area calls the recipients added; all are told."""

    level: Level | None = None
    title: str | None = Field(default=None, min_length=1, max_length=200)
    content: str | None = Field(default=None, min_length=1, max_length=8000)
    instruction: str | None = Field(default=None, max_length=4000)
    org_ids: list[Id] | None = Field(default=None, max_length=500)
    polygon: list[Point] | None = Field(default=None, min_length=4, max_length=1000)
    recipients: list[Id] | None = Field(default=None, max_length=10_000)
    rules: list[Rule] | None = Field(default=None, max_length=20)
    expires_at: Timestamp | None = None

    _closed = field_validator("polygon")(_polygon)


class PreviewCreate(InputModel):
    """What a draft would call: its affected orgs and polygon (for the rules that use the
    warning's area), people and rules, resolved now without issuing anything."""

    org_ids: list[Id] = Field(default_factory=list, max_length=500)
    polygon: list[Point] | None = Field(default=None, min_length=4, max_length=1000)
    recipients: list[Id] = Field(default_factory=list, max_length=10_000)
    rules: list[Rule] = Field(default_factory=list, max_length=20)
    limit: int = Field(default=200, ge=0, le=10_000, description="people listed at most")

    _closed = field_validator("polygon")(_polygon)


class AckCreate(InputModel):
    person_id: Id
    feedback: str | None = Field(default=None, max_length=4000)


class AckFrame(AckCreate):
    """The WebSocket ``ack`` op's fields (its ``op`` and ``ref`` are the channel's)."""

    warning_id: Id


class FeedbackCreate(InputModel):
    person_id: Id
    evacuated: int = Field(default=0, ge=0, le=10_000_000)
    roads_closed: int = Field(default=0, ge=0, le=100_000)
    sites_checked: int = Field(default=0, ge=0, le=100_000)
    text: str | None = Field(default=None, max_length=4000)
    client_id: str | None = Field(
        default=None, max_length=64, description="the client's id for this report: repeats are one"
    )


class PreviewPerson(ReadModel):
    person_id: int
    name: str
    org_id: int
    org_name: str
    township_id: int | None
    township_name: str | None
    reason: str


class PreviewTownship(ReadModel):
    org_id: int | None
    name: str | None
    count: int


class RecipientsPreview(ReadModel):
    count: int
    by_township: list[PreviewTownship]
    people: list[PreviewPerson] = Field(description="the first ``limit`` people")


class TaskRead(ReadModel):
    id: int
    recipient_id: int
    assignee_id: int
    org_id: int
    step: int
    via: str
    state: TaskState
    deadline_at: datetime
    acked_at: datetime | None


class RecipientRead(ReadModel):
    id: int
    person_id: int
    name: str | None = None
    phones: list[str] = Field(default_factory=list)
    org_id: int
    township_id: int | None
    reason: str
    state: RecipientState
    calls: int
    called_at: datetime | None
    deadline_at: datetime | None
    acked_at: datetime | None
    on_behalf: bool
    escalated_at: datetime | None
    chain: list[TaskRead] = Field(default_factory=list)


class FeedbackRead(ReadModel):
    id: int
    recipient_id: int
    person_id: int
    evacuated: int
    roads_closed: int
    sites_checked: int
    text: str | None
    client_id: str | None = None
    photos: list[FileRead] = Field(default_factory=list)
    created_at: datetime


class RollUp(ReadModel):
    org_id: int | None
    name: str | None
    recipients: int
    answered: int
    late: int
    pending: int
    escalated: int


class WarningRead(ReadModel):
    id: int
    org_id: int
    status: WarningStatus
    hazard: Hazard
    level: Level
    title: str
    content: str
    instruction: str | None
    source: str | None
    org_ids: list[int]
    polygon: list[list[float]] | None
    rules: list[dict[str, Any]]
    effective_at: datetime
    expires_at: datetime
    respond_within_s: int
    recall_count: int
    recall_interval_s: int
    version: int
    exercise: bool = Field(default=False, description="issued in a drill (CAP status Exercise)")
    issued_at: datetime | None
    ended_at: datetime | None
    created_at: datetime
    updated_at: datetime


class WarningStatusRead(WarningRead):
    totals: RollUp
    by_township: list[RollUp]
    recipients: list[RecipientRead]


class WarningStats(ReadModel):
    """Statistics of real warnings (exercise ones are never counted)."""

    warnings: int
    by_status: dict[str, int]
    by_level: dict[str, int]
    recipients: int
    answered: int
    late: int
    escalated: int
    pending: int
