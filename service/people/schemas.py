"""API models of people."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field, computed_field, field_validator
from pydantic_core import PydanticCustomError

from service.schemas import Id, InputModel, Name, Phone, ReadModel, Tag

Phones = list[Phone]


def _unique_phones(phones: list[str] | None) -> list[str] | None:
    if phones is None:
        return None
    seen: set[str] = set()
    for phone in phones:
        if phone in seen:
            raise PydanticCustomError("phone_duplicate", "duplicate {value}", {"value": phone})
        seen.add(phone)
    return phones


def _unique_tags(tags: list[str] | None) -> list[str] | None:
    return None if tags is None else list(dict.fromkeys(tags))


class PersonCreate(InputModel):
    name: Name
    org_id: Id
    title: str | None = Field(default=None, max_length=100)
    phones: list[Phone] = Field(
        default_factory=list,
        max_length=5,
        description="Chinese mobile or landline numbers; stored as E.164",
    )
    superior_id: Id | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=20)

    _phones = field_validator("phones")(_unique_phones)
    _tags = field_validator("tags")(_unique_tags)


class PersonUpdate(InputModel):
    name: Name | None = None
    org_id: Id | None = None
    title: str | None = Field(default=None, max_length=100)
    phones: list[Phone] | None = Field(default=None, max_length=5)
    superior_id: Id | None = None
    tags: list[Tag] | None = Field(default=None, max_length=20)

    _phones = field_validator("phones")(_unique_phones)
    _tags = field_validator("tags")(_unique_tags)


class PersonRead(ReadModel):
    id: int
    name: str
    org_id: Id
    title: str | None
    phones: list[str]
    superior_id: Id | None
    tags: list[str]
    created_at: datetime
    updated_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def phone(self) -> str | None:
        """The first (primary) phone number."""
        return self.phones[0] if self.phones else None
