"""Column helpers shared by every table model."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from service.db import UTCDateTime, utcnow


def utc_field(*, nullable: bool = False, index: bool = False, default_now: bool = False) -> Any:
    """A timezone-aware UTC column."""
    return Field(
        default_factory=utcnow if default_now else None,
        sa_type=UTCDateTime,
        sa_column_kwargs={"nullable": nullable},
        index=index,
    )


def json_field(default_factory: Any = None, *, nullable: bool = False) -> Any:
    """A JSON column (JSON on PostgreSQL, text on SQLite)."""
    kwargs: dict[str, Any] = {"sa_type": sa.JSON, "sa_column_kwargs": {"nullable": nullable}}
    if default_factory is not None:
        kwargs["default_factory"] = default_factory
    else:
        kwargs["default"] = None
    return Field(**kwargs)
