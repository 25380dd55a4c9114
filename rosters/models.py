"""Table models of the duty roster: posts, the shift pattern, rotations, leave, overrides,
swaps, the materialised shifts, handovers, key periods and calendar feed secrets."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.columns import json_field, utc_field

LEADER = "leader"  # 带班领导: exactly one at any moment
OFFICER = "officer"  # 值班员: at least the post's minimum


class RotationKind(StrEnum):
    regular = "regular"
    holiday = "holiday"  # 节假日值班: takes over on statutory holidays


class DayFilter(StrEnum):
    all = "all"
    workdays = "workdays"  # working days by the official calendar (adjusted days included)
    restdays = "restdays"  # weekends and holidays by the official calendar


class ShiftSource(StrEnum):
    rotation = "rotation"
    holiday = "holiday"
    override = "override"
    swap = "swap"
    imported = "import"


class SwapState(StrEnum):
    requested = "requested"  # A asked B
    accepted = "accepted"  # B agreed; a leader decides
    approved = "approved"  # applied to the roster
    rejected = "rejected"
    cancelled = "cancelled"


class DutyPost(SQLModel, table=True):
    """A post of an org's duty: ``leader``, ``officer`` or one the org adds."""

    __tablename__ = "duty_post"
    __table_args__ = (sa.UniqueConstraint("org_id", "key"), {"sqlite_autoincrement": True})

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="org.id", ondelete="CASCADE", index=True)
    key: str = Field(max_length=40)
    name: str = Field(max_length=100)
    min_count: int = 1
    max_count: int | None = None
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)


class DutySchedule(SQLModel, table=True):
    """An org's shift pattern: wall-clock changeover times in the org's zone.

    ``["08:30"]`` is a 24-hour duty day from 08:30 to 08:30; ``["08:30", "20:30"]`` splits
    it into a day and a night shift.
    """

    __tablename__ = "duty_schedule"

    org_id: int = Field(foreign_key="org.id", ondelete="CASCADE", primary_key=True)
    changeovers: list[str] = json_field(list)
    updated_at: datetime = utc_field(default_now=True)


class DutyRotation(SQLModel, table=True):
    """People taking turns on a post: one per period, in list order, from ``start_date``."""

    __tablename__ = "duty_rotation"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="org.id", ondelete="CASCADE", index=True)
    post_id: int = Field(foreign_key="duty_post.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=100)
    kind: RotationKind = Field(sa_type=sa.String(10))
    people: list[int] = json_field(list)
    start_date: date
    end_date: date | None = None
    period_days: int = 1
    days: DayFilter = Field(default=DayFilter.all, sa_type=sa.String(10))
    weekdays: list[int] = json_field(list)  # ISO weekdays 1..7; empty: every weekday
    slots: list[int] = json_field(list)  # indexes of the pattern's shifts; empty: all
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)


class DutyLeave(SQLModel, table=True):
    """A person is unavailable; rotations skip them to the next in line."""

    __tablename__ = "duty_leave"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    org_id: int = Field(foreign_key="org.id", ondelete="CASCADE", index=True)
    start_at: datetime = utc_field()
    end_at: datetime = utc_field()
    reason: str | None = Field(default=None, max_length=200)
    created_at: datetime = utc_field(default_now=True)


class DutyOverride(SQLModel, table=True):
    """``person_id`` holds the post over the interval: instead of ``replaces_person_id``,
    or, without it, instead of whoever the rotations put there."""

    __tablename__ = "duty_override"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="org.id", ondelete="CASCADE", index=True)
    post_id: int = Field(foreign_key="duty_post.id", ondelete="CASCADE", index=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    replaces_person_id: int | None = Field(default=None, foreign_key="person.id")
    start_at: datetime = utc_field()
    end_at: datetime = utc_field(index=True)
    source: ShiftSource = Field(default=ShiftSource.override, sa_type=sa.String(10))
    reason: str | None = Field(default=None, max_length=200)
    swap_id: int | None = Field(default=None, foreign_key="duty_swap.id", ondelete="CASCADE")
    created_by: int | None = Field(default=None, foreign_key="auth_user.id", ondelete="SET NULL")
    created_at: datetime = utc_field(default_now=True)


class DutyShift(SQLModel, table=True):
    """A materialised shift: who holds which post of which org, from when to when.

    Regenerated for the future when the rules change; the past never changes.
    """

    __tablename__ = "duty_shift"
    __table_args__ = (
        sa.Index("ix_duty_shift_org_start", "org_id", "start_at"),
        sa.Index("ix_duty_shift_person_start", "person_id", "start_at"),
        # one row per post, person and start: two rebuilds can never both insert it
        sa.Index("ux_duty_shift_slot", "org_id", "post_id", "person_id", "start_at", unique=True),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="org.id", ondelete="CASCADE")
    post_id: int = Field(foreign_key="duty_post.id", ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    start_at: datetime = utc_field()
    end_at: datetime = utc_field()
    source: ShiftSource = Field(sa_type=sa.String(10))
    rotation_id: int | None = Field(
        default=None, foreign_key="duty_rotation.id", ondelete="SET NULL"
    )
    override_id: int | None = None  # the override that put this person here
    note: str | None = Field(default=None, max_length=300)
    provisional: bool = False  # the official holiday calendar of its year is not out yet
    checked_in_at: datetime | None = utc_field(nullable=True)
    sequence: int = 0  # iCalendar SEQUENCE: bumped whenever the shift changes
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)


class DutySwap(SQLModel, table=True):
    """A asks B to take A's shift (and, optionally, to give A one of B's shifts)."""

    __tablename__ = "duty_swap"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="org.id", ondelete="CASCADE", index=True)
    shift_id: int | None = Field(default=None, foreign_key="duty_shift.id", ondelete="SET NULL")
    counterpart_shift_id: int | None = Field(
        default=None, foreign_key="duty_shift.id", ondelete="SET NULL"
    )
    requester_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    counterpart_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    post_id: int = Field(foreign_key="duty_post.id", ondelete="CASCADE")
    start_at: datetime = utc_field()  # the requester's shift, kept after it is regenerated
    end_at: datetime = utc_field()
    counterpart_start_at: datetime | None = utc_field(nullable=True)
    counterpart_end_at: datetime | None = utc_field(nullable=True)
    state: SwapState = Field(default=SwapState.requested, sa_type=sa.String(10))
    reason: str | None = Field(default=None, max_length=200)
    accepted_at: datetime | None = utc_field(nullable=True)
    decided_at: datetime | None = utc_field(nullable=True)
    decided_by: int | None = Field(default=None, foreign_key="auth_user.id", ondelete="SET NULL")
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)


class DutyHandover(SQLModel, table=True):
    """交接班: what the outgoing shift hands to the next one, and its acknowledgement."""

    __tablename__ = "duty_handover"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    shift_id: int = Field(foreign_key="duty_shift.id", ondelete="CASCADE", unique=True)
    next_shift_id: int | None = Field(
        default=None, foreign_key="duty_shift.id", ondelete="SET NULL", index=True
    )
    org_id: int = Field(foreign_key="org.id", ondelete="CASCADE", index=True)
    notes: str = Field(max_length=4000)
    open_matters: list[dict[str, Any]] = json_field(list)
    created_by: int | None = Field(default=None, foreign_key="auth_user.id", ondelete="SET NULL")
    created_at: datetime = utc_field(default_now=True)
    acknowledged_at: datetime | None = utc_field(nullable=True)
    acknowledged_by: int | None = Field(
        default=None, foreign_key="auth_user.id", ondelete="SET NULL"
    )


class KeyPeriod(SQLModel, table=True):
    """重要时段: dates during which a daily dispatch report (每日调度) goes out."""

    __tablename__ = "duty_key_period"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="org.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=100)
    start_date: date
    end_date: date
    report_time: str = Field(max_length=5)  # "HH:MM" in the org's zone
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)


class CalendarFeed(SQLModel, table=True):
    """The secret of a user's calendar URL (stored hashed; a new one replaces the old)."""

    __tablename__ = "duty_calendar_feed"

    user_id: int = Field(foreign_key="auth_user.id", ondelete="CASCADE", primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = utc_field(default_now=True)
