"""API models of plans and versions, and the structured content of a version.

Required resources reference the resource catalogue (plans/resources): team types are its
team kinds, items are entries of its item catalogue (by id; the name, spec and unit are
copied in when the version is saved, so an immutable version reads the same later).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from plans.library.models import PlanHazard, PlanKind, VersionStatus
from plans.resources.models import TeamKind
from service.schemas import Day, Id, InputModel, ReadModel

Text = Annotated[str, Field(min_length=1, max_length=2000)]
Key = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.\-]+$")]


# the team types a plan level may require are the resource catalogue's team kinds
TeamType = TeamKind


class ResponseLevelName(StrEnum):
    I = "I"  # noqa: E741  Ⅰ级 (the highest)
    II = "II"
    III = "III"
    IV = "IV"


LEVEL_ORDER = {"I": 1, "II": 2, "III": 3, "IV": 4}


class TriggerKind(StrEnum):
    law_change = "law_change"
    org_change = "org_change"
    risk_change = "risk_change"
    resource_change = "resource_change"
    incident_lessons = "incident_lessons"
    drill_lessons = "drill_lessons"
    review = "review"  # the periodic evaluation found it due
    other = "other"


def _unique(values: list[Any], attr: str, code: str) -> None:
    seen: set[Any] = set()
    for v in values:
        key = getattr(v, attr)
        if key is None:
            continue
        if key in seen:
            raise PydanticCustomError(code, "{key} is listed twice", {"key": key, "level": key})
        seen.add(key)


class Section(InputModel):
    key: Key
    title: Annotated[str, Field(min_length=1, max_length=200)]
    body: str = Field(default="", max_length=100_000, description="Markdown")


class CommandRole(InputModel):
    """A role of the command structure, held by a post (县长) or a named person."""

    role: Annotated[str, Field(min_length=1, max_length=100)]
    post: str | None = Field(default=None, max_length=200)
    person_id: Id | None = None
    duties: str | None = Field(default=None, max_length=2000)


class Action(InputModel):
    key: Key | None = Field(default=None, description="stable across versions (assigned)")
    action: Text
    responsible: Annotated[str, Field(min_length=1, max_length=200)]  # an org or a role
    responsible_org_id: Id | None = None
    within_min: int | None = Field(
        default=None, ge=0, le=60 * 24 * 30, description="time limit after activation"
    )


class TeamNeed(InputModel):
    team_type: TeamType
    count: int = Field(ge=1, le=10_000)
    note: str | None = Field(default=None, max_length=500)


class ItemNeed(InputModel):
    """An item of the catalogue (``/api/v1/stock/items``) in whole units; ``name``, ``spec``
    and ``unit`` are filled from the catalogue when saved (any given are replaced)."""

    item_id: Id
    quantity: int = Field(ge=1, le=1_000_000_000)
    note: str | None = Field(default=None, max_length=500)
    name: str | None = Field(default=None, max_length=100)
    spec: str | None = Field(default=None, max_length=100)
    unit: str | None = Field(default=None, max_length=20)


class Resources(InputModel):
    teams: list[TeamNeed] = Field(default_factory=list, max_length=50)
    items: list[ItemNeed] = Field(default_factory=list, max_length=200)

    @field_validator("teams")
    @classmethod
    def _teams(cls, value: list[TeamNeed]) -> list[TeamNeed]:
        _unique(value, "team_type", "key_duplicate")
        return value

    @field_validator("items")
    @classmethod
    def _items(cls, value: list[ItemNeed]) -> list[ItemNeed]:
        _unique(value, "item_id", "key_duplicate")
        return value


class ResponseLevel(InputModel):
    level: ResponseLevelName
    name: str | None = Field(default=None, max_length=100)  # 一级应急响应
    triggers: list[Text] = Field(min_length=1, max_length=50)
    command: list[CommandRole] = Field(default_factory=list, max_length=100)
    actions: list[Action] = Field(default_factory=list, max_length=200)
    resources: Resources = Field(default_factory=Resources)

    @field_validator("actions")
    @classmethod
    def _actions(cls, value: list[Action]) -> list[Action]:
        _unique(value, "key", "key_duplicate")
        return value


class Content(InputModel):
    sections: list[Section] = Field(default_factory=list, max_length=200)
    levels: list[ResponseLevel] = Field(default_factory=list, max_length=4)

    @field_validator("sections")
    @classmethod
    def _sections(cls, value: list[Section]) -> list[Section]:
        _unique(value, "key", "key_duplicate")
        return value

    @field_validator("levels")
    @classmethod
    def _levels(cls, value: list[ResponseLevel]) -> list[ResponseLevel]:
        _unique(value, "level", "level_duplicate")
        return sorted(value, key=lambda lv: LEVEL_ORDER[lv.level])


class RevisionTrigger(InputModel):
    kind: TriggerKind
    note: str | None = Field(default=None, max_length=2000)
    ref: str | None = Field(default=None, max_length=200, description="e.g. drill:12")


class PlanCreate(InputModel):
    org_id: Id
    kind: PlanKind
    title: Annotated[str, Field(min_length=1, max_length=200)]
    hazards: list[PlanHazard] = Field(default_factory=list, max_length=20)
    parent_plan_id: Id | None = None
    owner_person_id: Id | None = None
    content: Content = Field(default_factory=Content, description="of the first draft")
    change_note: str | None = Field(default=None, max_length=2000)


class PlanUpdate(InputModel):
    title: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    hazards: list[PlanHazard] | None = Field(default=None, max_length=20)
    parent_plan_id: Id | None = None
    owner_person_id: Id | None = None


class PlanRead(ReadModel):
    id: int
    org_id: int
    kind: PlanKind
    title: str
    hazards: list[str]
    parent_plan_id: int | None
    owner_person_id: int | None
    latest_version: int
    published_version: int | None
    published_at: datetime | None
    review_due_date: date | None
    last_evaluated_date: date | None
    withdrawn: bool
    created_at: datetime
    updated_at: datetime


class VersionCreate(InputModel):
    content: Content | None = Field(default=None, description="default: a copy of copy_from")
    copy_from: int | None = Field(default=None, ge=1, le=10_000)
    change_note: str | None = Field(default=None, max_length=2000)
    revision_triggers: list[RevisionTrigger] = Field(default_factory=list, max_length=20)


class VersionUpdate(InputModel):
    content: Content | None = None
    change_note: str | None = Field(default=None, max_length=2000)
    revision_triggers: list[RevisionTrigger] | None = Field(default=None, max_length=20)


class Decision(InputModel):
    note: str | None = Field(default=None, max_length=2000)


class Filing(InputModel):
    filing_number: Annotated[str, Field(min_length=1, max_length=100)]
    filing_date: Day


class Withdrawal(InputModel):
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


class Evaluation(InputModel):
    evaluated_date: Day
    note: str | None = Field(default=None, max_length=2000)


class VersionSummary(ReadModel):
    id: int
    plan_id: int
    number: int
    status: VersionStatus
    change_note: str | None
    revision_triggers: list[dict[str, Any]]
    based_on: int | None
    submitted_at: datetime | None
    submitted_by: int | None
    decided_at: datetime | None
    decided_by: int | None
    decision_note: str | None
    filing_due_date: date | None
    filing_overdue: bool
    filing_number: str | None
    filing_date: date | None
    filing_org_id: int | None
    filed_at: datetime | None
    published_at: datetime | None
    ended_at: datetime | None
    withdraw_reason: str | None
    created_by: int | None
    created_at: datetime
    updated_at: datetime


class VersionRead(VersionSummary):
    content: dict[str, Any]


class AttachmentRead(ReadModel):
    id: int
    version_id: int
    filename: str
    media_type: str
    size_bytes: int
    sha256: str
    created_at: datetime


class ReviewItem(ReadModel):
    plan: PlanRead
    review_due_date: date
    days_left: int
    overdue: bool


class FilingItem(ReadModel):
    """An approved version waiting for its filing (备案) by ``filing_org_id``."""

    plan: PlanRead
    number: int
    approved_at: datetime | None
    filing_due_date: date
    days_left: int
    overdue: bool
    filing_org_id: int | None  # the parent org that records it (None: a top-level org)


class Actions(ReadModel):
    """What the caller may do now (the buttons a client shows)."""

    actions: list[str]


class TextDiff(ReadModel):
    key: str
    title: str
    change: Literal["added", "removed", "changed"]
    diff: list[str]


class FieldChange(ReadModel):
    key: str
    change: Literal["added", "removed", "changed"]
    before: Any = None
    after: Any = None
    fields: list[str] = Field(default_factory=list)


class LevelDiff(ReadModel):
    level: str
    change: Literal["added", "removed", "changed", "same"]
    fields: list[str] = Field(default_factory=list)
    actions: list[FieldChange] = Field(default_factory=list)
    teams: list[FieldChange] = Field(default_factory=list)
    items: list[FieldChange] = Field(default_factory=list)


class VersionDiff(ReadModel):
    plan_id: int
    number: int
    against: int
    sections: list[TextDiff]
    levels: list[LevelDiff]
