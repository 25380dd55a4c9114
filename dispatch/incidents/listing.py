"""The list of incidents (``GET /incidents``, the dispatch screen's feed and map): one
page of those the caller may read, newest first, and how many match."""

from __future__ import annotations

import functools
from typing import Any

import sqlalchemy as sa
from pydantic import TypeAdapter
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch.incidents.grading import Grade
from dispatch.incidents.models import Incident, IncidentStatus, IncidentType
from dispatch.incidents.schemas import IncidentRead
from dispatch.incidents.service import OPEN_STATUSES
from service.auth.permissions import Principal, Scope
from service.orgs import service as orgs
from service.orgs.models import Org

# the columns of IncidentRead, in its order: what a list reads
READ_FIELDS = tuple(IncidentRead.model_fields)
READ_COLUMNS = tuple(col(getattr(Incident, name)) for name in READ_FIELDS)
READ_PAGE = TypeAdapter(list[IncidentRead])


async def search(
    session: AsyncSession,
    actor: Principal,
    *,
    status: IncidentStatus | None = None,
    open_only: bool = False,
    org_id: int | None = None,
    grade: Grade | None = None,
    type_: IncidentType | None = None,
    exercise: bool | None = None,
    limit: int,
    offset: int,
) -> tuple[list[IncidentRead], int]:
    """One page of the incidents the caller may read, newest first, as API models, and how
    many match: one statement (``page_query``), its columns only (no ORM objects), the page
    validated in one call."""
    within = None
    if org_id is not None:
        org = await orgs.get(session, org_id)
        within = org.path if org else "-"  # an unknown org: nothing matches
    filters = (actor.scope("incident.read"), within, status, open_only, grade, type_, exercise)
    query = page_query(*filters)
    connection = await session.connection()
    rows = (await connection.execute(query, {"limit": limit, "offset": offset})).all()
    if rows:
        count = rows[0][-1]
    elif offset:  # past the end: the count still comes with a first row, if any
        first = (await connection.execute(query, {"limit": 1, "offset": 0})).first()
        count = first[-1] if first else 0
    else:
        count = 0
    page = [dict(zip(READ_FIELDS, row, strict=False)) for row in rows]
    return READ_PAGE.validate_python(page), count


@functools.lru_cache(maxsize=512)
def page_query(
    scope: Scope,
    within: str | None,
    status: IncidentStatus | None,
    open_only: bool,
    grade: Grade | None,
    type_: IncidentType | None,
    exercise: bool | None,
) -> sa.Select[Any]:
    """The list's statement for one combination of filters, built once (building it costs
    more than running it): IncidentRead's columns, then the number of matches; ``limit``
    and ``offset`` are bound when it runs. The org table is joined only to filter by it."""
    where: list[Any] = []
    source: Any = Incident
    if not scope.everything or within is not None:
        source = sa.join(Incident, Org, col(Org.id) == col(Incident.org_id))
        where.append(scope.clause(col(Org.path)))
        if within is not None:
            where.append(col(Org.path).startswith(within))
    if status is not None:
        where.append(col(Incident.status) == status)
    if open_only:
        where.append(col(Incident.status).in_(OPEN_STATUSES))
    if grade is not None:
        where.append(col(Incident.grade) == grade)
    if type_ is not None:
        where.append(col(Incident.type) == type_)
    if exercise is not None:
        where.append(col(Incident.exercise).is_(exercise))
    matches = sa.select(sa.func.count()).select_from(source).where(*where).scalar_subquery()
    return (
        sa.select(*READ_COLUMNS, matches)
        .select_from(source)
        .where(*where)
        .order_by(col(Incident.id).desc())
        .limit(sa.bindparam("limit", type_=sa.Integer))
        .offset(sa.bindparam("offset", type_=sa.Integer))
    )
