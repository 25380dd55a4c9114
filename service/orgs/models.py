"""Table models of the org tree and its people."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.columns import utc_field


class OrgKind(StrEnum):
    county = "county"
    township = "township"
    village = "village"
    department = "department"
    command = "command"


class Org(SQLModel, table=True):
    """An organisation; ``path`` is the materialised chain of ids, e.g. ``/1/5/12/``."""

    __tablename__ = "org"
    # ids are never reused on SQLite either: a token or a log naming an old id stays wrong
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    kind: OrgKind = Field(sa_type=sa.String(20))
    parent_id: int | None = Field(default=None, foreign_key="org.id", index=True)
    path: str = Field(default="", max_length=600, index=True)
    division_code: str | None = Field(default=None, max_length=12, unique=True)
    timezone: str = Field(max_length=64)
    lat: float | None = None
    lon: float | None = None
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)
