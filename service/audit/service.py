"""Append audit rows; read them back within the caller's scope. Never update or delete."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from service.audit.models import AuditEntry
from service.auth.permissions import Principal, Scope
from service.db import BEFORE_COMMIT, fetch_page, stage, take_staged, utcnow

STAGED_KIND = "audit_log"


async def append(
    session: AsyncSession,
    actor: Principal | None,
    *,
    action: str,
    object_type: str,
    object_id: object,
    org_id: int | None,
    org_path: str | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """Stage an audit row of the caller's transaction; the rows of a transaction are written
    in one insert just before it commits, and dropped with it (or with a savepoint)."""
    stage(
        session,
        STAGED_KIND,
        {
            "at": utcnow(),
            "actor_user_id": actor.user_id if actor else None,
            "actor_username": actor.username if actor else None,
            "actor_token_id": actor.token_id if actor else None,
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id),
            "org_id": org_id,
            "org_path": org_path,
            "before": before,
            "after": after,
            "request_id": actor.request_id if actor else None,
            "ip": actor.ip if actor else None,
        },
    )


async def write_staged(session: AsyncSession) -> None:
    rows = take_staged(session, STAGED_KIND)
    if rows:
        connection = await session.connection()
        await connection.execute(sa.insert(AuditEntry.__table__), rows)  # type: ignore[attr-defined]


# first: the outbox's writer holds its sequence lock (PostgreSQL) from its insert to the commit
BEFORE_COMMIT.insert(0, write_staged)


async def search(
    session: AsyncSession,
    scope: Scope,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    actor_user_id: int | None = None,
    action: str | None = None,
    org_id: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int,
    offset: int,
) -> tuple[list[AuditEntry], int]:
    where: list[sa.ColumnElement[bool]] = [
        scope.clause(col(AuditEntry.org_path)) if not scope.everything else sa.true()
    ]
    if object_type:
        where.append(col(AuditEntry.object_type) == object_type)
    if object_id:
        where.append(col(AuditEntry.object_id) == object_id)
    if actor_user_id is not None:
        where.append(col(AuditEntry.actor_user_id) == actor_user_id)
    if action:
        where.append(col(AuditEntry.action) == action)
    if org_id is not None:
        where.append(col(AuditEntry.org_id) == org_id)
    if start:
        where.append(col(AuditEntry.at) >= start)
    if end:
        where.append(col(AuditEntry.at) < end)
    return await fetch_page(
        session,
        select(AuditEntry).where(*where),
        order_by=col(AuditEntry.id).desc(),
        limit=limit,
        offset=offset,
    )
