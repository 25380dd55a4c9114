"""Table models of login users, their role grants and API tokens."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.columns import utc_field


class User(SQLModel, table=True):
    """A login. ``org_id`` is the home org (None only for bootstrap users of the CLI)."""

    __tablename__ = "auth_user"
    # ids are never reused on SQLite either: a token or a log naming an old id stays wrong
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    password_hash: str = Field(max_length=200)
    person_id: int | None = Field(default=None, foreign_key="person.id", unique=True)
    org_id: int | None = Field(default=None, foreign_key="org.id", index=True)
    is_active: bool = True
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)


class RoleGrant(SQLModel, table=True):
    """A role over an org subtree; ``org_id`` None means every org."""

    __tablename__ = "auth_role_grant"
    __table_args__ = (sa.UniqueConstraint("user_id", "role", "org_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("auth_user.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    role: str = Field(max_length=32)
    org_id: int | None = Field(default=None, foreign_key="org.id", index=True)


class ApiToken(SQLModel, table=True):
    """A long-lived token for a machine client; only its SHA-256 is kept."""

    __tablename__ = "auth_api_token"
    # ids are never reused on SQLite either: a token or a log naming an old id stays wrong
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("auth_user.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    name: str = Field(max_length=100)
    prefix: str = Field(max_length=16)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = utc_field(default_now=True)
    expires_at: datetime | None = utc_field(nullable=True)
    revoked_at: datetime | None = utc_field(nullable=True)


class LoginFailure(SQLModel, table=True):
    """A failed login, keyed by ``user:<name>`` and ``ip:<address>``, for throttling."""

    __tablename__ = "auth_login_failure"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, index=True)
    at: datetime = utc_field(default_now=True, index=True)
