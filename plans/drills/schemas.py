"""API models of drills, their evaluation, findings, corrective actions, run log and
compliance."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from plans.drills.models import ActionStatus, Criterion, DrillScope, DrillStatus, DrillType
from plans.library.schemas import ResponseLevelName
from service.schemas import Day, Id, InputModel, Latitude, Longitude, ReadModel, Timestamp

Title = Annotated[str, Field(min_length=1, max_length=200)]


def _unique(value: list[int] | None) -> list[int] | None:
    if value is not None and len(set(value)) != len(value):
        raise PydanticCustomError("duplicate_items", "lists an item twice")
    return value


def _ends_after(value: datetime | None, info: ValidationInfo) -> datetime | None:
    start = info.data.get("start_at")
    if value is not None and start is not None and value <= start:
        raise PydanticCustomError("end_before_start", "ends before it starts")
    return value


class DrillBase(InputModel):
    scenario: str | None = Field(default=None, max_length=8000)
    location: str | None = Field(default=None, max_length=300)
    lat: Latitude | None = None
    lon: Longitude | None = None
    plan_id: Id | None = Field(default=None, description="the plan under test")
    plan_version: int | None = Field(
        default=None, ge=1, le=10_000, description="its published version (default: current)"
    )
    level: ResponseLevelName | None = Field(default=None, description="response level exercised")
    org_ids: list[Id] = Field(default_factory=list, max_length=200, description="participating")
    team_ids: list[Id] = Field(default_factory=list, max_length=200)
    person_ids: list[Id] = Field(default_factory=list, max_length=2000)

    _distinct = field_validator("org_ids", "team_ids", "person_ids")(_unique)


class DrillCreate(DrillBase):
    org_id: Id = Field(description="the organiser")
    title: Title
    type: DrillType
    scope: DrillScope
    start_at: Timestamp
    end_at: Timestamp

    _ends = field_validator("end_at")(_ends_after)


class DrillUpdate(InputModel):
    """Changes while planned or notified; new times move the reminders."""

    title: Title | None = None
    type: DrillType | None = None
    scope: DrillScope | None = None
    scenario: str | None = Field(default=None, max_length=8000)
    location: str | None = Field(default=None, max_length=300)
    lat: Latitude | None = None
    lon: Longitude | None = None
    plan_id: Id | None = None
    plan_version: int | None = Field(default=None, ge=1, le=10_000)
    level: ResponseLevelName | None = None
    org_ids: list[Id] | None = Field(default=None, max_length=200)
    team_ids: list[Id] | None = Field(default=None, max_length=200)
    person_ids: list[Id] | None = Field(default=None, max_length=2000)
    start_at: Timestamp | None = None
    end_at: Timestamp | None = None

    _distinct = field_validator("org_ids", "team_ids", "person_ids")(_unique)
    _ends = field_validator("end_at")(_ends_after)


class Cancellation(InputModel):
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


class DrillRead(ReadModel):
    id: int
    org_id: int
    title: str
    type: DrillType
    scope: DrillScope
    status: DrillStatus
    plan_id: int | None
    plan_version: int | None
    level: str | None
    scenario: str | None
    location: str | None
    lat: float | None
    lon: float | None
    start_at: datetime
    end_at: datetime
    org_ids: list[int]
    team_ids: list[int]
    person_ids: list[int]
    multi_department: bool
    evaluation: dict[str, Any] | None
    notified_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    evaluated_at: datetime | None
    closed_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    created_at: datetime
    updated_at: datetime


class Conflict(ReadModel):
    """A participating team booked twice: in an overlapping drill (``drill``), or
    dispatched to a real incident (``incident``)."""

    kind: Literal["drill", "incident"]
    team_id: int
    team_name: str
    drill_id: int | None = None
    drill_title: str | None = None
    incident_id: int | None = None
    incident_title: str | None = None
    since: datetime | None = None


class Reminder(ReadModel):
    offset_s: int
    due_at: datetime
    state: str  # pending, done, cancelled, failed


class DrillDetail(DrillRead):
    conflicts: list[Conflict]
    reminders: list[Reminder]
    actions: list[str] = Field(description="what the caller may do now")


class Score(InputModel):
    criterion: Criterion
    score: int = Field(ge=0, le=100)
    comment: str | None = Field(default=None, max_length=4000)


class EvaluationSet(InputModel):
    """Scores (0–100) for every criterion, with comments, and a summary."""

    scores: list[Score] = Field(min_length=1, max_length=len(Criterion))
    summary: str | None = Field(default=None, max_length=8000)

    @field_validator("scores")
    @classmethod
    def _once(cls, value: list[Score]) -> list[Score]:
        if len({s.criterion for s in value}) != len(value):
            raise PydanticCustomError("duplicate_items", "lists an item twice")
        return value


class FindingCreate(InputModel):
    text: Annotated[str, Field(min_length=1, max_length=4000)]
    criterion: Criterion | None = None


class FindingRead(ReadModel):
    id: int
    drill_id: int
    criterion: Criterion | None
    text: str
    revision_plan_id: int | None
    revision_version: int | None
    created_at: datetime


class RevisionCreate(InputModel):
    change_note: str | None = Field(default=None, max_length=2000)


class ActionCreate(InputModel):
    text: Annotated[str, Field(min_length=1, max_length=2000)]
    owner_person_id: Id | None = None
    owner_org_id: Id | None = None
    due_date: Day


class ActionUpdate(InputModel):
    text: Annotated[str, Field(min_length=1, max_length=2000)] | None = None
    owner_person_id: Id | None = None
    owner_org_id: Id | None = None
    due_date: Day | None = None
    status: ActionStatus | None = None
    note: str | None = Field(default=None, max_length=2000)


class ActionRead(ReadModel):
    id: int
    drill_id: int
    finding_id: int
    text: str
    owner_person_id: int | None
    owner_org_id: int | None
    due_date: date
    status: ActionStatus
    note: str | None
    done_at: datetime | None
    overdue: bool = False
    created_at: datetime
    updated_at: datetime


class FindingDetail(FindingRead):
    actions: list[ActionRead]


class AnswerTiming(ReadModel):
    person_id: int
    name: str | None
    state: str
    called_at: datetime | None
    acked_at: datetime | None
    answer_s: float | None  # from the first call to the answer
    escalated: bool


class WarningRun(ReadModel):
    warning_id: int
    title: str
    level: str
    status: str
    issued_at: datetime | None
    recipients: int
    answered: int
    escalated: int
    slowest_answer_s: float | None
    recipients_timing: list[AnswerTiming]


class IncidentRun(ReadModel):
    incident_id: int
    title: str
    grade: str
    status: str
    reported_at: datetime
    first_dispatch_at: datetime | None
    first_dispatch_s: float | None  # from the report to the first dispatch
    dispatches: int
    reports_sent: int


class RunLog(ReadModel):
    drill_id: int
    started_at: datetime | None
    completed_at: datetime | None
    warnings: list[WarningRun]
    incidents: list[IncidentRun]


class Named(ReadModel):
    id: int
    name: str


class AfterActionReport(ReadModel):
    """Everything the after-action report's print view shows."""

    drill: DrillRead
    organiser: Named
    plan: dict[str, Any] | None  # id, title, kind, version, level name
    orgs: list[Named]
    teams: list[Named]
    people: list[Named]
    log: RunLog
    overall_score: float | None
    findings: list[FindingDetail]
    open_actions: int


ComplianceState = Literal["met", "due", "due_soon", "overdue"]


class RuleRead(ReadModel):
    code: str
    title: str
    applies_to: str
    every: str
    citations: list[str]


class ComplianceItem(ReadModel):
    rule: str
    org_id: int
    org_name: str
    plan_id: int | None = None
    plan_title: str | None = None
    period_start: date
    period_end: date  # the last day of the period
    state: ComplianceState
    drill_ids: list[int]  # held drills that meet it
    planned_drill_ids: list[int]  # scheduled ones in the period, not held yet


class Compliance(ReadModel):
    year: int
    as_of: date
    rules: list[RuleRead]
    items: list[ComplianceItem]
