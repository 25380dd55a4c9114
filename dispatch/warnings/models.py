"""Table models of warnings, their recipients, answers, feedback and escalation tasks."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.columns import json_field, utc_field


class Level(StrEnum):
    """蓝 < 黄 < 橙 < 红 (IV to I)."""

    blue = "blue"
    yellow = "yellow"
    orange = "orange"
    red = "red"


LEVEL_RANK = {Level.blue: 1, Level.yellow: 2, Level.orange: 3, Level.red: 4}


class Hazard(StrEnum):
    rainstorm = "rainstorm"
    flood = "flood"
    mountain_torrent = "mountain_torrent"
    geological = "geological"
    forest_fire = "forest_fire"
    earthquake = "earthquake"
    cold_wave = "cold_wave"
    snow_ice = "snow_ice"
    strong_wind = "strong_wind"
    hazardous_chemicals = "hazardous_chemicals"
    other = "other"


class WarningStatus(StrEnum):
    draft = "draft"
    issued = "issued"
    lifted = "lifted"
    cancelled = "cancelled"


class RecipientState(StrEnum):
    pending = "pending"  # called, not answered yet, deadline not passed (or being called again)
    acknowledged = "acknowledged"  # answered in time
    late = "late"  # answered after the deadline
    escalated = "escalated"  # not answered; a leader on duty above is reaching them


class TaskState(StrEnum):
    pending = "pending"
    acknowledged = "acknowledged"
    escalated = "escalated"  # not answered in time: the next level up has its own task
    stopped = "stopped"  # the recipient answered, or the warning ended


class Warning(SQLModel, table=True):
    """A warning (预警) and how its recipients must answer."""

    __tablename__ = "warning"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="org.id", index=True)  # the issuing org
    status: WarningStatus = Field(default=WarningStatus.draft, sa_type=sa.String(10))
    hazard: Hazard = Field(sa_type=sa.String(24))
    level: Level = Field(sa_type=sa.String(8))
    title: str = Field(max_length=200)
    content: str = Field(max_length=8000)
    instruction: str | None = Field(default=None, max_length=4000)
    source: str | None = Field(default=None, max_length=200)
    org_ids: list[int] = json_field(list)  # affected orgs
    polygon: list[list[float]] | None = json_field(nullable=True)  # [[lat, lon], …], closed
    rules: list[dict[str, Any]] = json_field(list)  # recipient rules, as given
    effective_at: datetime = utc_field()
    expires_at: datetime = utc_field()
    respond_within_s: int
    recall_count: int = 2
    recall_interval_s: int = 300
    version: int = 1  # bumped by every update after issue (CAP Update messages)
    cap_identifier: str | None = Field(default=None, max_length=200)  # of an imported alert
    cap_sender: str | None = Field(default=None, max_length=200)
    exercise: bool = False  # issued in a drill (CAP status Exercise): kept out of statistics
    issued_at: datetime | None = utc_field(nullable=True)
    ended_at: datetime | None = utc_field(nullable=True)  # lifted or cancelled
    created_by: int | None = Field(default=None, foreign_key="auth_user.id", ondelete="SET NULL")
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)


class Recipient(SQLModel, table=True):
    """One person called for a warning, and where their answer stands."""

    __tablename__ = "warning_recipient"
    __table_args__ = (
        sa.UniqueConstraint("warning_id", "person_id"),
        # room in each page: the row's updates (calls, answer) stay in it (migration 0015)
        {"sqlite_autoincrement": True, "postgresql_with": {"fillfactor": 70}},
    )

    id: int | None = Field(default=None, primary_key=True)
    warning_id: int = Field(foreign_key="warning.id", ondelete="CASCADE", index=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    org_id: int = Field(foreign_key="org.id")  # the person's org when called
    org_path: str = Field(max_length=600)
    township_id: int | None = None  # the township (or county) the person's org lies in
    reason: str = Field(max_length=100)  # "explicit" or the rule that named them
    state: RecipientState = Field(default=RecipientState.pending, sa_type=sa.String(12))
    calls: int = 0  # how many times called (the first call included)
    called_at: datetime | None = utc_field(nullable=True)
    due_at: datetime | None = utc_field(nullable=True)  # the answer is late after this
    deadline_at: datetime | None = utc_field(nullable=True)  # of the current call
    acked_at: datetime | None = utc_field(nullable=True)
    acked_by: int | None = Field(default=None, foreign_key="auth_user.id", ondelete="SET NULL")
    on_behalf: bool = False  # a duty officer recorded a phone answer
    escalated_at: datetime | None = utc_field(nullable=True)
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)


class EscalationTask(SQLModel, table=True):
    """ "Reach X": a leader on duty (or X's superior) must get the recipient to answer, and
    answer this task like a warning; unanswered, it climbs to the next org up."""

    __tablename__ = "warning_escalation"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    warning_id: int = Field(foreign_key="warning.id", ondelete="CASCADE", index=True)
    recipient_id: int = Field(foreign_key="warning_recipient.id", ondelete="CASCADE", index=True)
    assignee_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    org_id: int = Field(foreign_key="org.id")  # where the assignee is on duty (or belongs)
    org_path: str = Field(max_length=600)
    step: int  # 1: the first level above the recipient
    via: str = Field(max_length=20)  # "superior" or "duty"
    state: TaskState = Field(default=TaskState.pending, sa_type=sa.String(12))
    deadline_at: datetime = utc_field()
    acked_at: datetime | None = utc_field(nullable=True)
    created_at: datetime = utc_field(default_now=True)


class Feedback(SQLModel, table=True):
    """跟踪反馈: what a recipient reports doing, any number of times after answering; its
    photos are files of the shared store (owner ``warning_feedback``)."""

    __tablename__ = "warning_feedback"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    warning_id: int = Field(foreign_key="warning.id", ondelete="CASCADE", index=True)
    recipient_id: int = Field(foreign_key="warning_recipient.id", ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    evacuated: int = 0
    roads_closed: int = 0
    sites_checked: int = 0
    text: str | None = Field(default=None, max_length=4000)
    client_id: str | None = Field(default=None, max_length=64)  # the phone's id: repeats dedupe
    created_by: int | None = Field(default=None, foreign_key="auth_user.id", ondelete="SET NULL")
    created_at: datetime = utc_field(default_now=True)
