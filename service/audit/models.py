"""The audit table. Rows are only ever inserted (database triggers refuse the rest)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.columns import json_field, utc_field


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_log"

    id: int | None = Field(
        default=None, primary_key=True, sa_type=sa.BigInteger().with_variant(sa.Integer, "sqlite")
    )
    at: datetime = utc_field(default_now=True, index=True)
    actor_user_id: int | None = Field(default=None, index=True)
    actor_username: str | None = Field(default=None, max_length=64)
    actor_token_id: int | None = None
    action: str = Field(max_length=40)
    object_type: str = Field(max_length=40, index=True)
    object_id: str = Field(max_length=64, index=True)
    org_id: int | None = Field(default=None, index=True)
    org_path: str | None = Field(default=None, max_length=600, index=True)
    before: dict[str, Any] | None = json_field(nullable=True)
    after: dict[str, Any] | None = json_field(nullable=True)
    request_id: str | None = Field(default=None, max_length=64)
    ip: str | None = Field(default=None, max_length=64)
