"""API models of the org tree."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from service.orgs.models import OrgKind
from service.schemas import Id, InputModel, Latitude, Longitude, Name, ReadModel, TimeZoneName

DivisionCode = Annotated[str, Field(pattern=r"^(\d{6}|\d{9}|\d{12})$")]


def _pair(lat: float | None, lon: float | None) -> None:
    if (lat is None) != (lon is None):
        raise PydanticCustomError("lat_lon_pair", "lat and lon must be given together")


class OrgCreate(InputModel):
    name: Name
    kind: OrgKind
    parent_id: Id | None = None
    division_code: DivisionCode | None = None
    timezone: TimeZoneName | None = Field(
        default=None, description="IANA zone; defaults to the parent's, else the service's"
    )
    lat: Latitude | None = None
    lon: Longitude | None = None

    @model_validator(mode="after")
    def _lat_lon(self) -> Self:
        _pair(self.lat, self.lon)
        return self


class OrgUpdate(InputModel):
    name: Name | None = None
    kind: OrgKind | None = None
    parent_id: Id | None = None
    division_code: DivisionCode | None = None
    timezone: TimeZoneName | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None


class OrgRead(ReadModel):
    id: int
    name: str
    kind: OrgKind
    parent_id: Id | None
    division_code: str | None
    timezone: str
    lat: float | None
    lon: float | None
    created_at: datetime
    updated_at: datetime
