"""API models of teams, experts, depots, the catalogue and the stock ledger."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from plans.resources.models import Availability, MovementKind, TeamKind, TeamStatus
from service.schemas import Day, Id, InputModel, Latitude, Longitude, Name, ReadModel, Tag

Quantity = Annotated[int, Field(gt=0, le=10**12)]
Text = Annotated[str, Field(max_length=500)]
IncidentRef = Annotated[str, Field(min_length=1, max_length=100)]
Batch = Annotated[str, Field(min_length=1, max_length=60)]
Specialty = Annotated[str, Field(min_length=1, max_length=40)]


class Equipment(InputModel):
    name: Name
    quantity: Annotated[int, Field(ge=0, le=10**9)] = 1
    unit: Annotated[str, Field(max_length=20)] | None = None


class CertificationIn(InputModel):
    name: Name
    number: Annotated[str, Field(max_length=60)] | None = None
    expiry_date: Day


class CertificationRead(ReadModel):
    id: int
    name: str
    number: str | None
    expiry_date: date


class MemberCreate(InputModel):
    person_id: Id
    role: Annotated[str, Field(max_length=40)] | None = None
    skills: list[Tag] = Field(default_factory=list, max_length=50)
    certifications: list[CertificationIn] = Field(default_factory=list, max_length=50)


class MemberUpdate(InputModel):
    role: Annotated[str, Field(max_length=40)] | None = None
    skills: list[Tag] | None = Field(default=None, max_length=50)
    certifications: list[CertificationIn] | None = Field(default=None, max_length=50)


class MemberRead(ReadModel):
    id: int
    person_id: int
    name: str | None = None
    role: str | None
    skills: list[str]
    certifications: list[CertificationRead] = Field(default_factory=list)


class TeamBase(InputModel):
    name: Name
    kind: TeamKind
    org_id: Id
    leader_id: Id | None = None
    headcount: Annotated[int, Field(ge=0, le=100_000)] = 0
    equipment: list[Equipment] = Field(default_factory=list, max_length=200)
    phone: Annotated[str, Field(max_length=40)] | None = None
    base_lat: Latitude
    base_lon: Longitude
    notes: Annotated[str, Field(max_length=2000)] | None = None


class CertificationDue(ReadModel):
    """A member's certificate expiring soon (or expired), with whose and which team."""

    id: int
    team_id: int
    team: str
    member_id: int
    person_id: int
    person: str
    name: str
    number: str | None
    expiry_date: date
    days_left: int
    expired: bool


class TeamCreate(TeamBase):
    status: TeamStatus = TeamStatus.available


class TeamUpdate(InputModel):
    name: Name | None = None
    kind: TeamKind | None = None
    org_id: Id | None = None
    leader_id: Id | None = None
    headcount: Annotated[int, Field(ge=0, le=100_000)] | None = None
    equipment: list[Equipment] | None = Field(default=None, max_length=200)
    phone: Annotated[str, Field(max_length=40)] | None = None
    base_lat: Latitude | None = None
    base_lon: Longitude | None = None
    notes: Annotated[str, Field(max_length=2000)] | None = None


class Location(InputModel):
    lat: Latitude
    lon: Longitude


class StatusChange(InputModel):
    status: TeamStatus
    reason: Text | None = None
    incident_ref: IncidentRef | None = None


class StatusChangeRead(ReadModel):
    id: int
    status: TeamStatus
    previous: TeamStatus | None
    reason: str | None
    incident_ref: str | None
    by_user_id: int | None
    at: datetime


class TeamRead(ReadModel):
    id: int
    name: str
    kind: TeamKind
    org_id: int
    leader_id: int | None
    headcount: int
    equipment: list[dict[str, Any]]
    phone: str | None
    base_lat: float
    base_lon: float
    lat: float
    lon: float
    status: TeamStatus
    status_at: datetime
    notes: str | None
    created_at: datetime
    updated_at: datetime


class TeamDetail(TeamRead):
    members: list[MemberRead] = Field(default_factory=list)


class ExpertCreate(InputModel):
    person_id: Id
    specialties: list[Specialty] = Field(min_length=1, max_length=20)
    employer: Annotated[str, Field(max_length=200)] | None = None
    title: Annotated[str, Field(max_length=100)] | None = None
    availability: Availability = Availability.available
    notes: Annotated[str, Field(max_length=2000)] | None = None


class ExpertUpdate(InputModel):
    specialties: list[Specialty] | None = Field(default=None, min_length=1, max_length=20)
    employer: Annotated[str, Field(max_length=200)] | None = None
    title: Annotated[str, Field(max_length=100)] | None = None
    availability: Availability | None = None
    notes: Annotated[str, Field(max_length=2000)] | None = None


class ExpertRead(ReadModel):
    id: int
    person_id: int
    org_id: int
    name: str | None = None
    phones: list[str] = Field(default_factory=list)
    specialties: list[str]
    employer: str | None
    title: str | None
    availability: Availability
    notes: str | None


class DepotCreate(InputModel):
    name: Name
    org_id: Id
    address: Annotated[str, Field(max_length=200)] | None = None
    lat: Latitude
    lon: Longitude
    manager_id: Id | None = None


class DepotUpdate(InputModel):
    name: Name | None = None
    address: Annotated[str, Field(max_length=200)] | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    manager_id: Id | None = None


class DepotRead(ReadModel):
    id: int
    name: str
    org_id: int
    address: str | None
    lat: float
    lon: float
    manager_id: int | None
    created_at: datetime
    updated_at: datetime


class ItemCreate(InputModel):
    category: Annotated[str, Field(min_length=1, max_length=40)]
    name: Name
    spec: Annotated[str, Field(max_length=100)] = ""
    unit: Annotated[str, Field(min_length=1, max_length=20)]


class ItemUpdate(InputModel):
    category: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    name: Name | None = None
    spec: Annotated[str, Field(max_length=100)] | None = None
    unit: Annotated[str, Field(min_length=1, max_length=20)] | None = None


class ItemRead(ReadModel):
    id: int
    category: str
    name: str
    spec: str
    unit: str


class Receive(InputModel):
    depot_id: Id
    item_id: Id
    batch: Batch
    quantity: Quantity
    received_date: Day | None = None  # default: today in Asia/Shanghai
    expiry_date: Day | None = None
    reason: Text | None = None


class Issue(InputModel):
    """Out of one depot: from ``lot_id`` or, without it, first-expiring lots first."""

    depot_id: Id
    item_id: Id
    quantity: Quantity
    lot_id: Id | None = None
    reason: Text | None = None


class Dispatch(Issue):
    incident_ref: IncidentRef


class Transfer(InputModel):
    from_depot_id: Id
    to_depot_id: Id
    item_id: Id
    quantity: Quantity
    lot_id: Id | None = None
    reason: Text | None = None


class Adjust(InputModel):
    """A stocktaking correction of one lot, signed: +3 found, -2 missing."""

    depot_id: Id
    lot_id: Id
    quantity: Annotated[int, Field(ge=-(10**12), le=10**12)]
    reason: Annotated[str, Field(min_length=1, max_length=500)]

    @model_validator(mode="after")
    def _nonzero(self) -> Adjust:
        if self.quantity == 0:
            raise PydanticCustomError("quantity_nonzero", "the quantity cannot be 0")
        return self


class WriteOff(InputModel):
    """Write off the expired lots of a depot (all of them, or ``lot_id``)."""

    depot_id: Id
    lot_id: Id | None = None
    reason: Text | None = None


class LevelWrite(InputModel):
    depot_id: Id
    item_id: Id
    min_level: Annotated[int, Field(ge=0, le=10**12)]


class MovementRead(ReadModel):
    id: int
    op_id: str
    kind: MovementKind
    depot_id: int
    item_id: int
    lot_id: int
    quantity: int
    reason: str | None
    incident_ref: str | None
    counterpart_depot_id: int | None
    actor_user_id: int | None
    at: datetime


class OperationRead(ReadModel):
    op_id: str
    kind: str
    movements: list[MovementRead]


class LotRead(ReadModel):
    id: int
    depot_id: int
    item_id: int
    batch: str
    received_date: date
    expiry_date: date | None
    quantity: int = 0


class BalanceRead(ReadModel):
    depot_id: int
    item_id: int
    item: str
    unit: str
    quantity: int
    min_level: int
    low: bool


class CardLine(ReadModel):
    id: int
    at: datetime
    kind: MovementKind
    lot_id: int
    batch: str
    quantity: int
    balance: int
    reason: str | None
    incident_ref: str | None
    counterpart_depot_id: int | None


class StockCard(ReadModel):
    depot_id: int
    item_id: int
    item: str
    unit: str
    opening: int
    closing: int
    lines: list[CardLine]
    count: int
