"""The timer table: every deadline of every domain is one row."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.columns import json_field, utc_field


class TimerState(StrEnum):
    pending = "pending"
    running = "running"
    done = "done"
    failed = "failed"
    cancelled = "cancelled"


class Timer(SQLModel, table=True):
    """``kind`` names the handler, ``ref`` the thing it is about (``delivery:12``)."""

    __tablename__ = "clock_timer"
    __table_args__ = (sa.Index("ix_clock_timer_due", "state", "due_at"),)

    id: int | None = Field(
        default=None, primary_key=True, sa_type=sa.BigInteger().with_variant(sa.Integer, "sqlite")
    )
    kind: str = Field(max_length=60)
    ref: str = Field(max_length=120, index=True)
    due_at: datetime = utc_field()
    state: TimerState = Field(default=TimerState.pending, sa_type=sa.String(12))
    attempts: int = 0
    max_attempts: int = 8
    payload: dict[str, Any] = json_field(dict)
    last_error: str | None = Field(default=None, max_length=1000)
    claimed_by: str | None = Field(default=None, max_length=120)
    claimed_at: datetime | None = utc_field(nullable=True)
    finished_at: datetime | None = utc_field(nullable=True)
    created_at: datetime = utc_field(default_now=True)


class TimerOnce(SQLModel, table=True):
    """A job proposed by every instance (``schedule_once``): the first to insert its
    (kind, ref) schedules the timer; the primary key makes that race-free."""

    __tablename__ = "clock_once"

    kind: str = Field(max_length=60, primary_key=True)
    ref: str = Field(max_length=120, primary_key=True)
    created_at: datetime = utc_field(default_now=True)
