"""``POST /intake/{source}``: alarm platforms (110, 119, 120, 122) and field apps.

Each post carries an ``Idempotency-Key``: the same key with the same body returns the
incident the first post made, never a second one; the same key with another body is a
409 naming the key. Concurrent duplicates are serialised on the key (SQLite has one
writer at a time; PostgreSQL takes a transaction-scoped advisory lock on the key), and a
unique (source, key) index backs both.
"""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch.incidents import creation, service
from dispatch.incidents.models import Incident, Source
from dispatch.incidents.schemas import IncidentCreate
from service.auth.permissions import Principal
from service.errors import Conflict, Invalid

KEY_MAX = 200


def body_hash(data: IncidentCreate) -> str:
    canonical = json.dumps(data.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_key(key: str | None) -> str:
    if key is None or not key.strip():
        raise Invalid.field("Idempotency-Key", "idempotency_key_missing")
    key = key.strip()
    if len(key) > KEY_MAX or not key.isprintable() or not key.isascii():
        raise Invalid.field("Idempotency-Key", "idempotency_key_invalid", max=KEY_MAX)
    return key


async def _lock(session: AsyncSession, source: Source, key: str) -> None:
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        await connection.execute(
            sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
            {"k": f"intake:{source}:{key}"},
        )


async def receive(
    session: AsyncSession, actor: Principal, source: Source, key: str, data: IncidentCreate
) -> tuple[Incident, bool]:
    """The incident for this key (made now when new) and whether it was made now."""
    digest = body_hash(data)
    await _lock(session, source, key)
    existing = (
        await session.exec(
            select(Incident).where(Incident.source == source, Incident.intake_key == key)
        )
    ).first()
    if existing is not None:
        if existing.intake_hash != digest:
            raise Conflict("idempotency_key_reused", key=key)
        await service.get_visible(session, actor, existing.id or 0)  # the caller's scope
        return existing, False
    incident = await creation.create(
        session, actor, data, source=source, intake_key=key, intake_hash=digest
    )
    return incident, True
