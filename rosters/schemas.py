"""API models of the duty roster."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from rosters.models import DayFilter, RotationKind, ShiftSource, SwapState
from service.people.schemas import PersonRead
from service.schemas import Day, Id, InputModel, Name, ReadModel, Timestamp

_HH_MM = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]", re.ASCII)


def _clock_time(value: str) -> str:
    """Exactly HH:MM, 00:00 to 23:59, in ASCII digits (no signs, spaces or other digits)."""
    if not _HH_MM.fullmatch(value):
        raise PydanticCustomError("clock_time", "not a time of day HH:MM")
    return value


ClockTime = Annotated[
    str, Field(min_length=5, max_length=5, examples=["08:30"]), AfterValidator(_clock_time)
]
PostKey = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$", examples=["leader", "officer"])]


def _unique(values: list[Any] | None) -> list[Any] | None:
    if values is not None and len(set(values)) != len(values):
        raise PydanticCustomError("duplicate_items", "lists an item twice")
    return values


def _after_start(field: str, *, strict: bool = True) -> Any:
    """A validator of an end field: it lies after ``field`` (or on it, unless strict)."""

    def check(value: Any, info: ValidationInfo) -> Any:
        start = info.data.get(field)
        if (
            value is not None
            and start is not None
            and (value <= start if strict else value < start)
        ):
            raise PydanticCustomError("end_before_start", "ends before it starts")
        return value

    return check


# ---- posts and the shift pattern -------------------------------------------------------


class PostCreate(InputModel):
    org_id: Id
    key: PostKey
    name: Name
    min_count: int = Field(default=1, ge=0, le=20)
    max_count: int | None = Field(default=None, ge=1, le=20)


class PostUpdate(InputModel):
    name: Name | None = None
    min_count: int | None = Field(default=None, ge=0, le=20)
    max_count: int | None = Field(default=None, ge=1, le=20)


class PostRead(ReadModel):
    id: int
    org_id: int
    key: str
    name: str
    min_count: int
    max_count: int | None


class ScheduleWrite(InputModel):
    changeovers: list[ClockTime] = Field(
        min_length=1,
        max_length=4,
        description="changeover times in the org's zone: one for a 24-hour duty day, "
        "two for day and night shifts",
    )
    _distinct = field_validator("changeovers")(_unique)


class ScheduleRead(ReadModel):
    org_id: int
    changeovers: list[str]
    timezone: str
    posts: list[PostRead]
    updated_at: datetime | None


# ---- rotations and leave ---------------------------------------------------------------


class RotationCreate(InputModel):
    org_id: Id
    post_id: Id
    name: Name
    kind: RotationKind = RotationKind.regular
    people: list[Id] = Field(min_length=1, max_length=200, description="in turn order")
    start_date: Day
    end_date: Day | None = None
    period_days: int = Field(
        default=1, ge=1, le=366, description="1 daily, 7 weekly, N every N days"
    )
    days: DayFilter = DayFilter.all
    weekdays: list[Annotated[int, Field(ge=1, le=7)]] = Field(default_factory=list, max_length=7)
    slots: list[Annotated[int, Field(ge=0, le=3)]] = Field(default_factory=list, max_length=4)

    _people = field_validator("people", "weekdays", "slots")(_unique)

    _end = field_validator("end_date")(_after_start("start_date", strict=False))


class RotationUpdate(InputModel):
    name: Name | None = None
    people: list[Id] | None = Field(default=None, min_length=1, max_length=200)
    start_date: Day | None = None
    end_date: Day | None = None
    period_days: int | None = Field(default=None, ge=1, le=366)
    days: DayFilter | None = None
    weekdays: list[Annotated[int, Field(ge=1, le=7)]] | None = Field(default=None, max_length=7)
    slots: list[Annotated[int, Field(ge=0, le=3)]] | None = Field(default=None, max_length=4)

    _people = field_validator("people", "weekdays", "slots")(_unique)


class RotationRead(ReadModel):
    id: int
    org_id: int
    post_id: int
    name: str
    kind: RotationKind
    people: list[int]
    start_date: Day
    end_date: date | None
    period_days: int
    days: DayFilter
    weekdays: list[int]
    slots: list[int]
    updated_at: datetime


class LeaveCreate(InputModel):
    person_id: Id
    start_at: Timestamp
    end_at: Timestamp
    reason: str | None = Field(default=None, max_length=200)

    _end = field_validator("end_at")(_after_start("start_at"))


class LeaveRead(ReadModel):
    id: int
    person_id: int
    org_id: int
    start_at: datetime
    end_at: datetime
    reason: str | None


# ---- overrides and swaps ---------------------------------------------------------------


class OverrideCreate(InputModel):
    org_id: Id
    post_id: Id
    person_id: Id
    replaces_person_id: Id | None = None
    start_at: Timestamp
    end_at: Timestamp
    reason: str | None = Field(default=None, max_length=200)

    _end = field_validator("end_at")(_after_start("start_at"))


class OverrideRead(ReadModel):
    id: int
    org_id: int
    post_id: int
    person_id: int
    replaces_person_id: int | None
    start_at: datetime
    end_at: datetime
    source: ShiftSource
    reason: str | None
    swap_id: int | None
    created_at: datetime


class SwapCreate(InputModel):
    shift_id: Id
    counterpart_id: Id
    counterpart_shift_id: Id | None = None
    reason: str | None = Field(default=None, max_length=200)


class SwapRead(ReadModel):
    id: int
    org_id: int
    post_id: int
    shift_id: int | None
    counterpart_shift_id: int | None
    requester_id: int
    counterpart_id: int
    start_at: datetime
    end_at: datetime
    counterpart_start_at: datetime | None
    counterpart_end_at: datetime | None
    state: SwapState
    reason: str | None
    accepted_at: datetime | None
    decided_at: datetime | None
    decided_by: int | None
    created_at: datetime


# ---- shifts, duty now, gaps -----------------------------------------------------------


class ShiftRead(ReadModel):
    id: int
    org_id: int
    post_id: int
    person_id: int
    start_at: datetime
    end_at: datetime
    source: ShiftSource
    rotation_id: int | None
    override_id: int | None
    note: str | None
    provisional: bool
    checked_in_at: datetime | None
    sequence: int


class Warning_(ReadModel):
    code: str
    message: str


class DutyNow(ReadModel):
    org_id: int
    at: datetime
    leader: PersonRead | None
    officers: list[PersonRead]
    shift_id: int | None = Field(description="the leader's shift")
    shifts: list[ShiftRead]
    warnings: list[Warning_] = Field(default_factory=list)


class GapRead(ReadModel):
    post_id: int
    post_key: str
    start_at: datetime
    end_at: datetime
    count: int
    min_count: int


class Gaps(ReadModel):
    org_id: int
    start_at: datetime
    end_at: datetime
    data: list[GapRead]
    count: int
    warnings: list[Warning_] = Field(default_factory=list)


# ---- presence and handover -------------------------------------------------------------


class OpenMatter(InputModel):
    kind: Literal["incident", "warning", "other"]
    id: Id | None = None
    title: str = Field(min_length=1, max_length=200)


class HandoverCreate(InputModel):
    notes: str = Field(min_length=1, max_length=4000)
    open_matters: list[OpenMatter] = Field(default_factory=list, max_length=50)


class HandoverRead(ReadModel):
    id: int
    shift_id: int
    next_shift_id: int | None
    org_id: int
    notes: str
    open_matters: list[dict[str, Any]]
    created_by: int | None
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: int | None


class ShiftDetail(ShiftRead):
    person: PersonRead | None = None
    handover: HandoverRead | None = Field(default=None, description="what this shift handed on")
    received: HandoverRead | None = Field(default=None, description="what it was handed")


# ---- the official calendar -------------------------------------------------------------


class HolidayRead(ReadModel):
    date: date
    workday: bool = Field(description="a working day by the official calendar")
    statutory: bool = Field(description="a statutory holiday (法定节假日)")
    adjusted: bool = Field(description="a weekend day that is an adjusted working day (调休上班)")
    name: str | None = Field(description="the holiday's name (also on its adjusted working days)")
    name_zh: str | None
    known: bool = Field(description="false: the year is not published in chinese-calendar yet")


class Holidays(ReadModel):
    start_date: date
    end_date: date
    data: list[HolidayRead] = Field(description="every day of the range, in order")
    count: int
    unpublished_years: list[int]
    warnings: list[Warning_] = Field(default_factory=list)


# ---- key periods -----------------------------------------------------------------------


class KeyPeriodCreate(InputModel):
    org_id: Id
    name: Name
    start_date: Day
    end_date: Day
    report_time: ClockTime = "08:00"

    _end = field_validator("end_date")(_after_start("start_date", strict=False))


class KeyPeriodRead(ReadModel):
    id: int
    org_id: int
    name: str
    start_date: Day
    end_date: Day
    report_time: str
