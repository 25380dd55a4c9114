"""API models of login, users, grants and API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from service.auth.permissions import Role
from service.schemas import Id, InputModel, ReadModel, Timestamp

MIN_PASSWORD = 8
Username = Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{3,64}$")]
Password = Annotated[str, Field(min_length=MIN_PASSWORD, max_length=200)]


class TokenOut(ReadModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105  (OAuth2 token type, not a secret)
    expires_at: datetime


class GrantIn(InputModel):
    role: Role
    org_id: Id | None = Field(default=None, description="subtree root; null for every org")


class GrantOut(ReadModel):
    role: Role
    org_id: Id | None


class UserCreate(InputModel):
    username: Username
    password: Password
    person_id: Id | None = None
    org_id: Id | None = Field(default=None, description="home org; defaults to the person's")
    is_active: bool = True
    grants: list[GrantIn] = Field(default_factory=list, max_length=50)


class UserUpdate(InputModel):
    password: Password | None = None
    person_id: Id | None = None
    org_id: Id | None = None
    is_active: bool | None = None
    grants: list[GrantIn] | None = Field(default=None, max_length=50)


class UserRead(ReadModel):
    id: int
    username: str
    person_id: Id | None
    org_id: Id | None
    is_active: bool
    grants: list[GrantOut]
    created_at: datetime
    updated_at: datetime


class Me(UserRead):
    roles: list[Role]


class ApiTokenCreate(InputModel):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    user_id: Id | None = Field(default=None, description="whose token; defaults to the caller")
    expires_at: Timestamp | None = None


class ApiTokenRead(ReadModel):
    id: int
    user_id: Id
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class ApiTokenCreated(ApiTokenRead):
    token: str = Field(description="shown once; only its hash is stored")
