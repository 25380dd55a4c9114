"""Table model of people: whom the service calls."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from service.columns import json_field, utc_field


class Person(SQLModel, table=True):
    """Someone the service calls: duty officer, leader, team leader, responsible person."""

    __tablename__ = "person"
    # ids are never reused on SQLite either: a token or a log naming an old id stays wrong
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, index=True)
    org_id: int = Field(foreign_key="org.id", index=True)
    title: str | None = Field(default=None, max_length=100)
    phones: list[str] = json_field(list)
    superior_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    tags: list[str] = json_field(list)
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)
