"""API models of incidents, their grades, reports and activity log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from dispatch.incidents.grading import Grade
from dispatch.incidents.models import (
    IncidentStatus,
    IncidentType,
    ReportKind,
    ReportLevel,
    ReportState,
    Source,
)
from service.schemas import Id, InputModel, Latitude, Longitude, ReadModel, Timestamp

Count = Field(default=0, ge=0, le=1_000_000)
Loss = Field(default=0, ge=0, le=10**15, description="direct economic loss in yuan")
Url = Field(min_length=1, max_length=1000)


class Numbers(InputModel):
    """Casualties and loss; every change re-grades the incident."""

    deaths: int = Count
    missing: int = Count
    serious_injuries: int = Field(
        default=0, ge=0, le=1_000_000, description="including acute industrial poisoning"
    )
    injuries: int = Count
    trapped: int = Count
    direct_loss_yuan: int = Loss


NUMBER_FIELDS = tuple(Numbers.model_fields)


class IncidentCreate(Numbers):
    title: str = Field(min_length=1, max_length=200)
    type: IncidentType
    org_id: Id | None = Field(
        default=None, description="jurisdiction; suggested from lat/lon when left out"
    )
    lat: Latitude | None = None
    lon: Longitude | None = None
    address: str | None = Field(default=None, max_length=300)
    occurred_at: Timestamp
    reported_at: Timestamp | None = Field(default=None, description="default: now")
    description: str | None = Field(default=None, max_length=8000)
    attachments: list[str] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _located(self) -> IncidentCreate:
        if (self.lat is None) != (self.lon is None):
            raise PydanticCustomError("lat_lon_pair", "give both lat and lon, or neither")
        return self


class IncidentUpdate(InputModel):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    type: IncidentType | None = None
    status: IncidentStatus | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    address: str | None = Field(default=None, max_length=300)
    occurred_at: Timestamp | None = None
    description: str | None = Field(default=None, max_length=8000)
    attachments: list[str] | None = Field(default=None, max_length=50)
    deaths: int | None = Field(default=None, ge=0, le=1_000_000)
    missing: int | None = Field(default=None, ge=0, le=1_000_000)
    serious_injuries: int | None = Field(default=None, ge=0, le=1_000_000)
    injuries: int | None = Field(default=None, ge=0, le=1_000_000)
    trapped: int | None = Field(default=None, ge=0, le=1_000_000)
    direct_loss_yuan: int | None = Field(default=None, ge=0, le=10**15)


class GradeSet(InputModel):
    """A grade set by hand (with a written reason), or ``null`` to go back to the one the
    regulation gives."""

    grade: Grade | None
    reason: str | None = Field(default=None, min_length=1, max_length=1000)

    @model_validator(mode="after")
    def _reason(self) -> GradeSet:
        if self.grade is not None and not self.reason:
            raise PydanticCustomError("grade_reason_required", "a manual grade needs a reason")
        return self


class IncidentRead(ReadModel):
    id: int
    org_id: int
    title: str
    type: IncidentType
    source: Source
    status: IncidentStatus
    lat: float | None
    lon: float | None
    address: str | None
    occurred_at: datetime
    reported_at: datetime
    deaths: int
    missing: int
    serious_injuries: int
    injuries: int
    trapped: int
    direct_loss_yuan: int
    description: str | None
    attachments: list[str]
    grade: Grade
    computed_grade: Grade
    grade_manual: bool
    grade_reason: str | None
    exercise: bool = Field(default=False, description="recorded in a drill")
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class IncidentStats(ReadModel):
    """Statistics of real incidents (exercise ones are never counted)."""

    incidents: int
    by_grade: dict[str, int]
    by_type: dict[str, int]
    by_status: dict[str, int]
    deaths: int
    serious_injuries: int
    direct_loss_yuan: int


class GradeRead(ReadModel):
    id: int
    grade: Grade
    previous: Grade | None
    manual: bool
    reason: str
    numbers: dict[str, Any]
    by_user: int | None
    at: datetime


class ReportContent(InputModel):
    """第十二条: what a report contains. Left out, each part is drafted from the incident."""

    unit: str | None = Field(default=None, max_length=2000)
    time_place: str | None = Field(default=None, max_length=2000)
    course: str | None = Field(default=None, max_length=4000)
    casualties_loss: str | None = Field(default=None, max_length=2000)
    measures: str | None = Field(default=None, max_length=4000)
    other: str | None = Field(default=None, max_length=4000)


class ReportSend(ReportContent):
    kind: ReportKind
    level: ReportLevel | None = Field(default=None, description="initial reports: to which level")
    sent_to: str = Field(min_length=1, max_length=200, description="the receiving office")
    via: str | None = Field(default=None, max_length=40)
    sent_at: Timestamp | None = Field(default=None, description="default: now")


class ReportRead(ReadModel):
    id: int
    incident_id: int
    kind: ReportKind
    level: ReportLevel | None
    state: ReportState
    due_at: datetime | None
    sent_at: datetime | None
    sent_by: int | None
    sent_to: str | None
    via: str | None
    unit: str | None
    time_place: str | None
    course: str | None
    casualties_loss: str | None
    measures: str | None
    other: str | None
    numbers: dict[str, Any]


class LogCreate(InputModel):
    text: str = Field(min_length=1, max_length=4000)


class LogRead(ReadModel):
    id: int
    incident_id: int
    at: datetime
    kind: str
    text: str
    data: dict[str, Any]
    user_id: int | None
    author: str


class IncidentDetail(IncidentRead):
    grades: list[GradeRead]
    reports: list[ReportRead]
