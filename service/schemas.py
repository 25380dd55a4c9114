"""API model building blocks shared by every domain."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Annotated, Any, Generic, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError


class ReadModel(BaseModel):
    """What the API returns; built from table rows."""

    model_config = ConfigDict(from_attributes=True)


class InputModel(BaseModel):
    """What the API accepts; unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        """NUL cannot be stored (PostgreSQL refuses it) and is never meant."""
        items = value if isinstance(value, list) else [value]
        if any(isinstance(item, str) and "\x00" in item for item in items):
            raise PydanticCustomError("nul_character", "contains a NUL character")
        return value


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    data: list[T]
    count: int


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise PydanticCustomError(
            "timezone_unknown", "unknown time zone {value}", {"value": value}
        ) from exc
    return value


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise PydanticCustomError("finite_number", "must be finite")
    return value


def normalize_phone(value: str) -> str:
    """A Chinese mobile or landline number in E.164 (+86…), or a field error."""
    raw = value.strip()
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException as exc:
        raise PydanticCustomError("phone_invalid", "invalid phone {value}", {"value": raw}) from exc
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        raise PydanticCustomError("phone_invalid", "invalid phone {value}", {"value": raw})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL
MAX_SEQ = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
MIN_YEAR, MAX_YEAR = 1900, 2200


def _sane_time(value: datetime) -> datetime:
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not MIN_YEAR <= utc.year <= MAX_YEAR:
        raise PydanticCustomError("time_range", "out of range", {"min": MIN_YEAR, "max": MAX_YEAR})
    return utc


def _sane_date(value: date) -> date:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise PydanticCustomError("time_range", "out of range", {"min": MIN_YEAR, "max": MAX_YEAR})
    return value


Timestamp = Annotated[AwareDatetime, AfterValidator(_sane_time)]
Day = Annotated[date, AfterValidator(_sane_date)]
TimeZoneName = Annotated[str, Field(max_length=64), AfterValidator(_zone)]
Latitude = Annotated[float, Field(ge=-90, le=90), AfterValidator(_finite)]
Longitude = Annotated[float, Field(ge=-180, le=180), AfterValidator(_finite)]
Phone = Annotated[str, Field(max_length=40), AfterValidator(normalize_phone)]
Name = Annotated[str, Field(min_length=1, max_length=100)]
Tag = Annotated[str, Field(min_length=1, max_length=40)]


def dump(model: BaseModel) -> dict[str, Any]:
    """JSON-safe dict of an API model, for audit rows and event data."""
    return model.model_dump(mode="json")
