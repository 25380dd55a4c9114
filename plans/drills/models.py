"""Table models of drills (应急演练): the drill with its participants and evaluation, the
exercise warnings and incidents it ran, its findings and their corrective actions."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.columns import json_field, utc_field


class DrillType(StrEnum):
    tabletop = "tabletop"  # 桌面推演
    functional = "functional"  # 功能演练
    full_scale = "full_scale"  # 实战化演练
    evacuation = "evacuation"  # 疏散演练


class DrillScope(StrEnum):
    county_comprehensive = "county_comprehensive"  # 县级综合性（多部门、跨行业）
    command = "command"  # 专项指挥部
    township = "township"  # 乡镇（街道）
    department = "department"  # 部门
    unit = "unit"  # 企业 / 单位


class DrillStatus(StrEnum):
    planned = "planned"
    notified = "notified"  # participants were told
    in_progress = "in_progress"
    completed = "completed"
    evaluated = "evaluated"
    closed = "closed"
    cancelled = "cancelled"


ACTIVE_STATUSES = (DrillStatus.planned, DrillStatus.notified, DrillStatus.in_progress)
HELD_STATUSES = (DrillStatus.completed, DrillStatus.evaluated, DrillStatus.closed)


class Criterion(StrEnum):
    plan = "plan"  # 预案合理性
    command = "command"  # 指挥协调
    personnel = "personnel"  # 人员
    equipment = "equipment"  # 装备物资
    timeliness = "timeliness"  # 响应时效


class ActionStatus(StrEnum):
    open = "open"
    in_progress = "in_progress"
    done = "done"
    cancelled = "cancelled"


OPEN_ACTIONS = (ActionStatus.open, ActionStatus.in_progress)


class Drill(SQLModel, table=True):
    """A drill of an organiser org: what is exercised, who takes part, when and where."""

    __tablename__ = "drill"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="org.id", index=True)  # the organiser
    title: str = Field(max_length=200)
    type: DrillType = Field(sa_type=sa.String(12))
    scope: DrillScope = Field(sa_type=sa.String(24))
    status: DrillStatus = Field(default=DrillStatus.planned, sa_type=sa.String(12), index=True)
    plan_id: int | None = Field(default=None, foreign_key="plan.id", ondelete="SET NULL")
    plan_version: int | None = None  # the version number under test (published when chosen)
    plan_kind: str | None = Field(default=None, max_length=16)  # copied for compliance
    level: str | None = Field(default=None, max_length=4)  # the response level exercised
    scenario: str | None = Field(default=None, max_length=8000)
    location: str | None = Field(default=None, max_length=300)
    lat: float | None = None
    lon: float | None = None
    start_at: datetime = utc_field(index=True)
    end_at: datetime = utc_field()
    org_ids: list[int] = json_field(list)  # participating orgs
    team_ids: list[int] = json_field(list)  # participating rescue teams
    person_ids: list[int] = json_field(list)  # participating people
    multi_department: bool = False  # more than one org (or a team) takes part
    evaluation: dict[str, Any] | None = json_field(nullable=True)  # scores and summary
    notified_at: datetime | None = utc_field(nullable=True)
    started_at: datetime | None = utc_field(nullable=True)
    completed_at: datetime | None = utc_field(nullable=True)
    evaluated_at: datetime | None = utc_field(nullable=True)
    closed_at: datetime | None = utc_field(nullable=True)
    cancelled_at: datetime | None = utc_field(nullable=True)
    cancel_reason: str | None = Field(default=None, max_length=2000)
    created_by: int | None = Field(default=None, foreign_key="auth_user.id", ondelete="SET NULL")
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)


class DrillExercise(SQLModel, table=True):
    """An exercise warning or incident issued during the drill (one of the two ids)."""

    __tablename__ = "drill_exercise"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    drill_id: int = Field(foreign_key="drill.id", ondelete="CASCADE", index=True)
    kind: str = Field(max_length=10)  # warning | incident
    warning_id: int | None = Field(default=None, foreign_key="warning.id", ondelete="CASCADE")
    incident_id: int | None = Field(default=None, foreign_key="incident.id", ondelete="CASCADE")
    created_at: datetime = utc_field(default_now=True)


class Finding(SQLModel, table=True):
    """What the evaluation found; it may open a revision (a new draft) of the plan."""

    __tablename__ = "drill_finding"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    drill_id: int = Field(foreign_key="drill.id", ondelete="CASCADE", index=True)
    criterion: Criterion | None = Field(default=None, sa_type=sa.String(12))
    text: str = Field(max_length=4000)
    revision_plan_id: int | None = Field(default=None, foreign_key="plan.id", ondelete="SET NULL")
    revision_version: int | None = None  # the draft version it opened
    created_by: int | None = Field(default=None, foreign_key="auth_user.id", ondelete="SET NULL")
    created_at: datetime = utc_field(default_now=True)


class CorrectiveAction(SQLModel, table=True):
    """整改: a finding's action with an owner and a due date, tracked to done."""

    __tablename__ = "drill_action"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    drill_id: int = Field(foreign_key="drill.id", ondelete="CASCADE", index=True)
    finding_id: int = Field(foreign_key="drill_finding.id", ondelete="CASCADE", index=True)
    text: str = Field(max_length=2000)
    owner_person_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    owner_org_id: int | None = Field(default=None, foreign_key="org.id", ondelete="SET NULL")
    due_date: date = Field(index=True)
    status: ActionStatus = Field(default=ActionStatus.open, sa_type=sa.String(12))
    note: str | None = Field(default=None, max_length=2000)
    done_at: datetime | None = utc_field(nullable=True)
    created_by: int | None = Field(default=None, foreign_key="auth_user.id", ondelete="SET NULL")
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)
