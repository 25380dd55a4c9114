"""What every resources service shares: scope checks, referenced objects, change records."""

from __future__ import annotations

from datetime import date
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from service.auth.permissions import PERMISSIONS, Principal, Scope
from service.changes import OrgRecorder
from service.db import utcnow
from service.errors import Forbidden, Invalid, NotFound
from service.orgs import service as orgs
from service.orgs.models import Org
from service.people.models import Person

TOPIC = "resources"
READ = "resource.read"
LOCAL_ZONE = ZoneInfo("Asia/Shanghai")
EXPIRY_DAYS = 30  # certificates and lots expiring within this many days are told of

Row = TypeVar("Row", bound=SQLModel)


def today() -> date:
    """The local calendar day (expiry dates are local days)."""
    return utcnow().astimezone(LOCAL_ZONE).date()


def forbid(permission: str) -> Forbidden:
    return Forbidden("role_required", roles=", ".join(sorted(PERMISSIONS[permission])))


def may_write(actor: Principal, org: Org, permission: str) -> None:
    if not actor.scope(permission).covers(org.path):
        raise forbid(permission)


async def org_for_write(
    session: AsyncSession, actor: Principal, org_id: int, permission: str, field: str = "org_id"
) -> Org:
    """An org named in the input: visible (else 422 on ``field``) and writable (else 403)."""
    org = await orgs.referenced(session, actor.scope(READ), org_id, field)
    may_write(actor, org, permission)
    return org


async def visible(
    session: AsyncSession, scope: Scope, model: type[Row], object_id: int, kind: str
) -> tuple[Row, Org]:
    """A row with an ``org_id`` and its org, or 404 when missing or outside the scope."""
    row = (
        await session.exec(
            select(model, Org)
            .join(Org, col(Org.id) == col(model.org_id))  # type: ignore[attr-defined]
            .where(col(model.id) == object_id)  # type: ignore[attr-defined]
        )
    ).first()
    if row is None or not scope.covers(row[1].path):
        raise NotFound(kind)
    return row[0], row[1]


async def person_in_scope(
    session: AsyncSession, scope: Scope, person_id: int, field: str
) -> tuple[Person, Org]:
    row = (
        await session.exec(
            select(Person, Org)
            .join(Org, col(Org.id) == col(Person.org_id))
            .where(col(Person.id) == person_id)
        )
    ).first()
    if row is None or not scope.covers(row[1].path):
        raise Invalid.field(field, "person_unknown")
    return row[0], row[1]


record = OrgRecorder(TOPIC)  # audit row and event of a change, on this domain's topic
