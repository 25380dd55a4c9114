"""API model of a stored file, as the owning domains list it."""

from __future__ import annotations

from datetime import datetime

from service.schemas import ReadModel


class FileRead(ReadModel):
    """A file (a photo) served at ``url`` to whoever may see its owner."""

    id: int
    filename: str
    media_type: str
    size_bytes: int
    width: int | None
    height: int | None
    url: str
    created_by: int | None = None
    created_at: datetime
