"""Table models of the file store: what a file is (and whose), and its bytes apart, so that
listing files never reads them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.columns import utc_field


class StoredFile(SQLModel, table=True):
    """A file of some owner (``plan_version`` 12, ``warning_feedback`` 7, ``incident`` 3)."""

    __tablename__ = "stored_file"
    __table_args__ = (
        sa.Index("ix_stored_file_owner", "owner_type", "owner_id"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    owner_type: str = Field(max_length=40)
    owner_id: int
    org_id: int | None = Field(default=None, foreign_key="org.id", ondelete="SET NULL")
    filename: str = Field(max_length=200)
    media_type: str = Field(max_length=100)
    size_bytes: int
    sha256: str = Field(max_length=64)
    width: int | None = None  # images
    height: int | None = None
    created_by: int | None = Field(default=None, foreign_key="auth_user.id", ondelete="SET NULL")
    created_at: datetime = utc_field(default_now=True)


class StoredFileData(SQLModel, table=True):
    """The bytes of a stored file."""

    __tablename__ = "stored_file_data"

    file_id: int = Field(foreign_key="stored_file.id", ondelete="CASCADE", primary_key=True)
    data: bytes = Field(sa_type=sa.LargeBinary)
