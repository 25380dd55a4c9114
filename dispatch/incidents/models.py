"""Table models of incidents, their grade history, required reports and activity log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from dispatch.incidents.grading import Grade
from service.columns import json_field, utc_field


class IncidentType(StrEnum):
    mine = "mine"
    hazardous_chemicals = "hazardous_chemicals"
    fire = "fire"
    road_traffic = "road_traffic"
    construction = "construction"
    gas = "gas"
    special_equipment = "special_equipment"
    industrial = "industrial"
    flood = "flood"
    geological = "geological"
    forest_fire = "forest_fire"
    earthquake = "earthquake"
    other = "other"


class Source(StrEnum):
    """Where the first news came from: an alarm platform, the field, a call, or the duty
    room itself (``duty``, for incidents entered by hand)."""

    police_110 = "110"
    fire_119 = "119"
    ambulance_120 = "120"
    traffic_122 = "122"
    field = "field"
    phone = "phone"
    other = "other"
    duty = "duty"


class IntakeSource(StrEnum):
    """The sources that post through ``/intake/{source}`` (every ``Source`` but ``duty``)."""

    police_110 = "110"
    fire_119 = "119"
    ambulance_120 = "120"
    traffic_122 = "122"
    field = "field"
    phone = "phone"
    other = "other"


class IncidentStatus(StrEnum):
    reported = "reported"
    responding = "responding"
    stabilized = "stabilized"
    closed = "closed"


class Incident(SQLModel, table=True):
    __tablename__ = "incident"
    __table_args__ = (
        sa.UniqueConstraint("source", "intake_key"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="org.id", index=True)  # jurisdiction
    title: str = Field(max_length=200)
    type: IncidentType = Field(sa_type=sa.String(24))
    source: Source = Field(default=Source.duty, sa_type=sa.String(8))
    status: IncidentStatus = Field(
        default=IncidentStatus.reported, sa_type=sa.String(12), index=True
    )  # the dispatch screen lists and counts the open ones
    lat: float | None = None
    lon: float | None = None
    address: str | None = Field(default=None, max_length=300)
    occurred_at: datetime = utc_field()
    reported_at: datetime = utc_field()
    deaths: int = 0
    missing: int = 0
    serious_injuries: int = 0  # including acute industrial poisoning
    injuries: int = 0
    trapped: int = 0
    direct_loss_yuan: int = Field(default=0, sa_type=sa.BigInteger)
    description: str | None = Field(default=None, max_length=8000)
    attachments: list[str] = json_field(list)  # photo URLs
    grade: Grade = Field(default=Grade.general, sa_type=sa.String(20))
    computed_grade: Grade = Field(default=Grade.general, sa_type=sa.String(20))
    grade_manual: bool = False
    grade_reason: str | None = Field(default=None, max_length=1000)
    intake_key: str | None = Field(default=None, max_length=200)  # Idempotency-Key
    intake_hash: str | None = Field(default=None, max_length=64)  # of the first body
    exercise: bool = False  # recorded in a drill: marked everywhere, kept out of statistics
    created_by: int | None = Field(default=None, foreign_key="auth_user.id", ondelete="SET NULL")
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)
    closed_at: datetime | None = utc_field(nullable=True)


class GradeChange(SQLModel, table=True):
    """Every grade the incident has had, why, and the numbers at the time."""

    __tablename__ = "incident_grade"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", ondelete="CASCADE", index=True)
    grade: Grade = Field(sa_type=sa.String(20))
    previous: Grade | None = Field(default=None, sa_type=sa.String(20))
    manual: bool = False
    reason: str = Field(max_length=1000)
    numbers: dict[str, Any] = json_field(dict)
    by_user: int | None = Field(default=None, foreign_key="auth_user.id", ondelete="SET NULL")
    at: datetime = utc_field(default_now=True)


class ReportKind(StrEnum):
    initial = "initial"  # 首报, one per level up the chain
    follow_up = "follow_up"  # 续报
    final = "final"  # 终报
    supplement = "supplement"  # 补报: casualty changes after the final report


class ReportLevel(StrEnum):
    county = "county"
    city = "city"
    province = "province"
    state = "state"  # State Council departments


class ReportState(StrEnum):
    due = "due"
    overdue = "overdue"
    sent = "sent"
    cancelled = "cancelled"  # no longer required (the grade went down, or the final came)


class Report(SQLModel, table=True):
    """A report the regulation requires (with its due time) or one that was sent."""

    __tablename__ = "incident_report"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", ondelete="CASCADE", index=True)
    kind: ReportKind = Field(sa_type=sa.String(12))
    level: ReportLevel | None = Field(default=None, sa_type=sa.String(10))
    state: ReportState = Field(default=ReportState.due, sa_type=sa.String(10))
    due_at: datetime | None = utc_field(nullable=True)
    sent_at: datetime | None = utc_field(nullable=True)
    sent_by: int | None = Field(default=None, foreign_key="auth_user.id", ondelete="SET NULL")
    sent_to: str | None = Field(default=None, max_length=200)  # the receiving office
    via: str | None = Field(default=None, max_length=40)  # phone, fax, system …
    # 第十二条: what a report contains
    unit: str | None = Field(default=None, max_length=2000)  # 事故发生单位概况
    time_place: str | None = Field(default=None, max_length=2000)  # 时间、地点、现场情况
    course: str | None = Field(default=None, max_length=4000)  # 简要经过
    casualties_loss: str | None = Field(default=None, max_length=2000)  # 伤亡人数、直接经济损失
    measures: str | None = Field(default=None, max_length=4000)  # 已经采取的措施
    other: str | None = Field(default=None, max_length=4000)  # 其他应当报告的情况
    numbers: dict[str, Any] = json_field(dict)  # casualties and loss as reported
    created_at: datetime = utc_field(default_now=True)


class LogEntry(SQLModel, table=True):
    """The incident's activity log: append-only (triggers refuse updates and deletes)."""

    __tablename__ = "incident_log"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    at: datetime = utc_field(default_now=True)
    kind: str = Field(max_length=30)  # created, updated, graded, report, note, status …
    text: str = Field(max_length=4000)
    data: dict[str, Any] = json_field(dict)
    user_id: int | None = None  # no foreign key: the log outlives whatever it names
    author: str = Field(max_length=100)  # the username (or "system") at the time


class ActivationState(StrEnum):
    active = "active"
    deactivated = "deactivated"


class Activation(SQLModel, table=True):
    """A published plan version activated for the incident at a response level (I–IV)."""

    __tablename__ = "incident_activation"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", ondelete="CASCADE", index=True)
    plan_id: int = Field(foreign_key="plan.id")
    version_id: int = Field(foreign_key="plan_version.id")
    version_number: int
    plan_title: str = Field(max_length=200)
    level: str = Field(max_length=4)  # I (highest) … IV
    state: ActivationState = Field(default=ActivationState.active, sa_type=sa.String(12))
    levels: list[dict[str, Any]] = json_field(list)  # [{level, at, by}] every level it had
    activated_at: datetime = utc_field(default_now=True)
    activated_by: int | None = Field(default=None, foreign_key="auth_user.id", ondelete="SET NULL")
    deactivated_at: datetime | None = utc_field(nullable=True)


class TaskState(StrEnum):
    open = "open"
    done = "done"
    cancelled = "cancelled"  # the level changed or the plan was deactivated


class Task(SQLModel, table=True):
    """One action of the activated level's checklist, tracked to done."""

    __tablename__ = "incident_task"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", ondelete="CASCADE", index=True)
    activation_id: int = Field(foreign_key="incident_activation.id", ondelete="CASCADE")
    level: str = Field(max_length=4)
    position: int  # order in the checklist
    action_key: str | None = Field(default=None, max_length=40)
    action: str = Field(max_length=2000)
    responsible: str = Field(max_length=200)
    responsible_org_id: int | None = None
    due_at: datetime | None = utc_field(nullable=True)
    state: TaskState = Field(default=TaskState.open, sa_type=sa.String(12))
    done_at: datetime | None = utc_field(nullable=True)
    done_by: int | None = Field(default=None, foreign_key="auth_user.id", ondelete="SET NULL")
    note: str | None = Field(default=None, max_length=2000)


class DispatchKind(StrEnum):
    team = "team"
    material = "material"


class DispatchStatus(StrEnum):
    requested = "requested"
    en_route = "en_route"
    on_scene = "on_scene"  # materials: delivered
    returned = "returned"  # teams only
    cancelled = "cancelled"


class Dispatch(SQLModel, table=True):
    """A team or materials sent to the incident, and where they are."""

    __tablename__ = "incident_dispatch"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", ondelete="CASCADE", index=True)
    kind: DispatchKind = Field(sa_type=sa.String(10))
    team_id: int | None = Field(default=None, foreign_key="resource_team.id")
    team_kind: str | None = Field(default=None, max_length=24)
    depot_id: int | None = Field(default=None, foreign_key="resource_depot.id")
    item_id: int | None = Field(default=None, foreign_key="resource_item.id")
    quantity: int | None = None
    name: str = Field(max_length=200)  # the team, or the item with its unit
    status: DispatchStatus = Field(default=DispatchStatus.requested, sa_type=sa.String(12))
    distance_km: float | None = None  # from where the team or depot was, at dispatch
    op_id: str | None = Field(default=None, max_length=40)  # the stock ledger operation
    note: str | None = Field(default=None, max_length=1000)
    requested_at: datetime = utc_field(default_now=True)
    en_route_at: datetime | None = utc_field(nullable=True)
    on_scene_at: datetime | None = utc_field(nullable=True)
    returned_at: datetime | None = utc_field(nullable=True)
    cancelled_at: datetime | None = utc_field(nullable=True)
    created_by: int | None = Field(default=None, foreign_key="auth_user.id", ondelete="SET NULL")
