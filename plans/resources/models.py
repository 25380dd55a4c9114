"""Table models of rescue teams, experts, depots and the stock ledger.

Stock is never stored as a number that can drift: every change is a row of
``resource_stock_movement`` (signed quantity, per lot), and balances are sums over it.
``resource_stock_level`` is the row a movement locks (and holds the minimum level).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.columns import json_field, utc_field


class TeamKind(StrEnum):
    comprehensive = "comprehensive"  # 综合性救援队伍
    fire = "fire"
    mine_rescue = "mine_rescue"
    hazmat = "hazmat"
    forest_fire = "forest_fire"
    flood = "flood"
    medical = "medical"
    social_volunteer = "social_volunteer"
    enterprise = "enterprise"
    other = "other"


class TeamStatus(StrEnum):
    available = "available"
    standby = "standby"
    dispatched = "dispatched"
    resting = "resting"
    offline = "offline"


class Availability(StrEnum):
    available = "available"
    busy = "busy"
    unavailable = "unavailable"


class MovementKind(StrEnum):
    receive = "receive"
    issue = "issue"
    transfer_out = "transfer_out"
    transfer_in = "transfer_in"
    dispatch = "dispatch"  # to an incident
    adjust = "adjust"
    write_off = "write_off"  # expired


class Team(SQLModel, table=True):
    """A rescue team; ``lat``/``lon`` is where it is now, ``base_*`` where it is based."""

    __tablename__ = "resource_team"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="org.id", index=True)
    name: str = Field(max_length=100)
    kind: TeamKind = Field(sa_type=sa.String(24), index=True)
    leader_id: int | None = Field(
        default=None, foreign_key="person.id", ondelete="SET NULL", index=True
    )
    headcount: int = 0
    equipment: list[dict[str, Any]] = json_field(list)
    phone: str | None = Field(default=None, max_length=40)
    base_lat: float
    base_lon: float
    lat: float
    lon: float
    status: TeamStatus = Field(default=TeamStatus.available, sa_type=sa.String(12), index=True)
    status_at: datetime = utc_field(default_now=True)
    notes: str | None = Field(default=None, max_length=2000)
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)


class TeamMember(SQLModel, table=True):
    __tablename__ = "resource_team_member"
    __table_args__ = (sa.UniqueConstraint("team_id", "person_id"), {"sqlite_autoincrement": True})

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="resource_team.id", ondelete="CASCADE", index=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", index=True)
    role: str | None = Field(default=None, max_length=40)
    skills: list[str] = json_field(list)
    created_at: datetime = utc_field(default_now=True)


class Certification(SQLModel, table=True):
    """A member's certificate (e.g. 矿山救护证); the clock warns 30 days before expiry."""

    __tablename__ = "resource_certification"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="resource_team_member.id", ondelete="CASCADE", index=True)
    team_id: int = Field(foreign_key="resource_team.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=100)
    number: str | None = Field(default=None, max_length=60)
    expiry_date: date = Field(index=True)
    warned_at: datetime | None = utc_field(nullable=True)  # told the leader it expires soon


class TeamStatusChange(SQLModel, table=True):
    __tablename__ = "resource_team_status"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="resource_team.id", ondelete="CASCADE", index=True)
    status: TeamStatus = Field(sa_type=sa.String(12))
    previous: TeamStatus | None = Field(default=None, sa_type=sa.String(12))
    reason: str | None = Field(default=None, max_length=500)
    incident_ref: str | None = Field(default=None, max_length=100)
    by_user_id: int | None = Field(default=None, foreign_key="auth_user.id", ondelete="SET NULL")
    at: datetime = utc_field(default_now=True)


class Expert(SQLModel, table=True):
    """An entry of the expert pool (专家库): a person and what they know."""

    __tablename__ = "resource_expert"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", unique=True)
    org_id: int = Field(foreign_key="org.id", index=True)
    specialties: list[str] = json_field(list)
    employer: str | None = Field(default=None, max_length=200)
    title: str | None = Field(default=None, max_length=100)
    availability: Availability = Field(default=Availability.available, sa_type=sa.String(12))
    notes: str | None = Field(default=None, max_length=2000)
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)


class Depot(SQLModel, table=True):
    """A material depot (物资储备库)."""

    __tablename__ = "resource_depot"
    __table_args__ = (sa.UniqueConstraint("org_id", "name"), {"sqlite_autoincrement": True})

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="org.id", index=True)
    name: str = Field(max_length=100)
    address: str | None = Field(default=None, max_length=200)
    lat: float
    lon: float
    manager_id: int | None = Field(
        default=None, foreign_key="person.id", ondelete="SET NULL", index=True
    )
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)


class Item(SQLModel, table=True):
    """The item catalogue, shared by every depot; quantities are whole ``unit``s."""

    __tablename__ = "resource_item"
    __table_args__ = (sa.UniqueConstraint("name", "spec"), {"sqlite_autoincrement": True})

    id: int | None = Field(default=None, primary_key=True)
    category: str = Field(max_length=40, index=True)
    name: str = Field(max_length=100)
    spec: str = Field(default="", max_length=100)
    unit: str = Field(max_length=20)
    created_at: datetime = utc_field(default_now=True)


class StockLevel(SQLModel, table=True):
    """One per depot and item that ever held stock: the lock of its ledger, its minimum."""

    __tablename__ = "resource_stock_level"
    __table_args__ = (
        sa.UniqueConstraint("depot_id", "item_id"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    depot_id: int = Field(foreign_key="resource_depot.id", index=True)
    item_id: int = Field(foreign_key="resource_item.id", index=True)
    min_level: int = 0
    low_at: datetime | None = utc_field(nullable=True)  # below min_level since (told)
    updated_at: datetime = utc_field(default_now=True)


class StockLot(SQLModel, table=True):
    """A batch of one item in one depot; its quantity is the sum of its movements."""

    __tablename__ = "resource_stock_lot"
    __table_args__ = (sa.UniqueConstraint("depot_id", "batch"), {"sqlite_autoincrement": True})

    id: int | None = Field(default=None, primary_key=True)
    depot_id: int = Field(foreign_key="resource_depot.id", index=True)
    item_id: int = Field(foreign_key="resource_item.id", index=True)
    batch: str = Field(max_length=60)
    received_date: date
    expiry_date: date | None = Field(default=None, index=True)
    warned_at: datetime | None = utc_field(nullable=True)  # told the manager it expires soon
    created_at: datetime = utc_field(default_now=True)


class StockMovement(SQLModel, table=True):
    """The ledger: append-only. ``quantity`` is signed (in > 0, out < 0); the rows of one
    operation (an issue spread over lots, both legs of a transfer) share ``op_id``."""

    __tablename__ = "resource_stock_movement"
    __table_args__ = (
        sa.Index("ix_resource_stock_movement_depot_item", "depot_id", "item_id", "id"),
        sa.CheckConstraint("quantity <> 0", name="nonzero"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    op_id: str = Field(max_length=36, index=True)
    kind: MovementKind = Field(sa_type=sa.String(16))
    depot_id: int = Field(foreign_key="resource_depot.id")
    item_id: int = Field(foreign_key="resource_item.id")
    lot_id: int = Field(foreign_key="resource_stock_lot.id", index=True)
    quantity: int
    reason: str | None = Field(default=None, max_length=500)
    incident_ref: str | None = Field(default=None, max_length=100)
    counterpart_depot_id: int | None = Field(default=None, foreign_key="resource_depot.id")
    actor_user_id: int | None = Field(default=None, foreign_key="auth_user.id", ondelete="SET NULL")
    at: datetime = utc_field(default_now=True)
