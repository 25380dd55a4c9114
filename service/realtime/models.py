"""The outbox: every change appends one event in the same transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.columns import json_field, utc_field


class OutboxEvent(SQLModel, table=True):
    """``seq`` is the service-wide order of events; ``org_path`` decides who may see one."""

    __tablename__ = "outbox_event"

    seq: int | None = Field(
        default=None, primary_key=True, sa_type=sa.BigInteger().with_variant(sa.Integer, "sqlite")
    )
    topic: str = Field(max_length=40, index=True)
    type: str = Field(max_length=60)
    data: dict[str, Any] = json_field(dict)
    org_id: int | None = Field(default=None)
    org_path: str | None = Field(default=None, max_length=600)
    at: datetime = utc_field(default_now=True)
