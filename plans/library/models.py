"""Table models of the plan library: plans and their versions (attachments are files of the
shared store, ``service.files``, owned by a ``plan_version``)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.columns import json_field, utc_field


class PlanKind(StrEnum):
    overall = "overall"  # 总体预案
    special = "special"  # 专项预案
    department = "department"  # 部门预案
    unit = "unit"  # 单位（企业）预案
    handbook = "handbook"  # 应急响应手册
    action_card = "action_card"  # 行动方案 / 卡片


class PlanHazard(StrEnum):
    flood = "flood"
    drought = "drought"
    rainstorm = "rainstorm"
    mountain_torrent = "mountain_torrent"
    geological = "geological"
    forest_fire = "forest_fire"
    earthquake = "earthquake"
    snow_ice = "snow_ice"
    cold_wave = "cold_wave"
    strong_wind = "strong_wind"
    work_safety = "work_safety"
    mine = "mine"
    hazardous_chemicals = "hazardous_chemicals"
    fire = "fire"
    gas = "gas"
    traffic = "traffic"
    public_health = "public_health"
    other = "other"


class VersionStatus(StrEnum):
    draft = "draft"
    in_review = "in_review"
    rejected = "rejected"  # sent back: a new draft starts from it
    approved = "approved"
    filed = "filed"  # 备案 with the parent org
    published = "published"
    superseded = "superseded"  # a newer version was published
    withdrawn = "withdrawn"


OPEN_STATUSES = (
    VersionStatus.draft,
    VersionStatus.in_review,
    VersionStatus.approved,
    VersionStatus.filed,
)


class Plan(SQLModel, table=True):
    """A contingency plan (应急预案) of an org; its text lives in its versions."""

    __tablename__ = "plan"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="org.id", index=True)
    kind: PlanKind = Field(sa_type=sa.String(16))
    title: str = Field(max_length=200)
    hazards: list[str] = json_field(list)
    parent_plan_id: int | None = Field(
        default=None, foreign_key="plan.id", ondelete="SET NULL", index=True
    )
    owner_person_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    latest_version: int = 0
    published_version: int | None = None
    published_at: datetime | None = utc_field(nullable=True)
    review_due_date: date | None = Field(default=None, index=True)
    last_evaluated_date: date | None = None
    withdrawn: bool = False
    search_text: str = Field(default="", sa_type=sa.Text)  # title and latest content, lowered
    created_by: int | None = Field(default=None, foreign_key="auth_user.id", ondelete="SET NULL")
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)


class PlanVersion(SQLModel, table=True):
    """One version of a plan: editable while draft, immutable from submission on."""

    __tablename__ = "plan_version"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "number"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", ondelete="CASCADE", index=True)
    number: int
    status: VersionStatus = Field(default=VersionStatus.draft, sa_type=sa.String(12))
    content: dict[str, Any] = json_field(dict)  # sections and response levels
    change_note: str | None = Field(default=None, max_length=2000)
    revision_triggers: list[dict[str, Any]] = json_field(list)
    based_on: int | None = None  # the version number this draft was copied from
    submitted_at: datetime | None = utc_field(nullable=True)
    submitted_by: int | None = Field(default=None, foreign_key="auth_user.id", ondelete="SET NULL")
    decided_at: datetime | None = utc_field(nullable=True)  # approved or rejected
    decided_by: int | None = Field(default=None, foreign_key="auth_user.id", ondelete="SET NULL")
    decision_note: str | None = Field(default=None, max_length=2000)
    filing_due_date: date | None = None
    filing_overdue: bool = False
    filing_number: str | None = Field(default=None, max_length=100)
    filing_date: date | None = None
    filing_org_id: int | None = Field(default=None, foreign_key="org.id", ondelete="SET NULL")
    filed_at: datetime | None = utc_field(nullable=True)
    filed_by: int | None = Field(default=None, foreign_key="auth_user.id", ondelete="SET NULL")
    published_at: datetime | None = utc_field(nullable=True)
    published_by: int | None = Field(default=None, foreign_key="auth_user.id", ondelete="SET NULL")
    ended_at: datetime | None = utc_field(nullable=True)  # superseded or withdrawn
    withdraw_reason: str | None = Field(default=None, max_length=2000)
    created_by: int | None = Field(default=None, foreign_key="auth_user.id", ondelete="SET NULL")
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)
