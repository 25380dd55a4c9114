"""The org tree: create, move, rename, delete, and look up within a scope.

Each org keeps its materialised ``path`` of ids (``/1/5/12/``); a subtree is a prefix,
so a scope check is a string comparison and a subtree query a LIKE on an index.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from service.auth.models import RoleGrant, User
from service.auth.permissions import Principal, Scope, subtree_of
from service.changes import record_change
from service.db import fetch_page, utcnow
from service.errors import Conflict, Forbidden, Invalid, NotFound
from service.orgs.models import Org, OrgKind
from service.orgs.schemas import OrgCreate, OrgRead, OrgUpdate
from service.people.models import Person
from service.schemas import dump

TOPIC = "orgs"


async def get(session: AsyncSession, org_id: int) -> Org | None:
    return await session.get(Org, org_id)


async def get_visible(session: AsyncSession, scope: Scope, org_id: int) -> Org:
    """The org if the scope covers it; 404 otherwise (whether or not it exists)."""
    org = await session.get(Org, org_id)
    if org is None or not scope.covers(org.path):
        raise NotFound("org")
    return org


async def referenced(session: AsyncSession, scope: Scope, org_id: int, field: str) -> Org:
    """An org named in a request body: unknown and invisible both read as unknown (422)."""
    org = await session.get(Org, org_id)
    if org is None or not scope.covers(org.path):
        raise Invalid.field(field, "org_unknown")
    return org


async def path_of(session: AsyncSession, org_id: int | None) -> str | None:
    if org_id is None:
        return None
    return await session.scalar(select(Org.path).where(Org.id == org_id))


async def search(
    session: AsyncSession,
    scope: Scope,
    *,
    parent_id: int | None = None,
    within: Org | None = None,
    kind: OrgKind | None = None,
    q: str | None = None,
    division_code: str | None = None,
    limit: int,
    offset: int,
) -> tuple[list[Org], int]:
    where = [scope.clause(col(Org.path))]
    if parent_id is not None:
        where.append(col(Org.parent_id) == parent_id)
    if within is not None:
        where.append(col(Org.path).like(subtree_of(within.path)))
    if kind is not None:
        where.append(col(Org.kind) == kind)
    if q:
        where.append(col(Org.name).contains(q, autoescape=True))
    if division_code:
        where.append(col(Org.division_code) == division_code)
    return await fetch_page(
        session, select(Org).where(*where), order_by=col(Org.path), limit=limit, offset=offset
    )


async def located_within(
    session: AsyncSession,
    scope: Scope,
    kinds: list[OrgKind],
    south: float,
    west: float,
    north: float,
    east: float,
) -> list[Org]:
    """Orgs of these kinds in the scope whose location lies in the box (edges included)."""
    rows = await session.exec(
        select(Org)
        .where(
            scope.clause(col(Org.path)),
            col(Org.kind).in_(kinds),
            col(Org.lat).between(south, north),
            col(Org.lon).between(west, east),
        )
        .order_by(col(Org.path))
    )
    return list(rows.all())


async def _check_code_free(session: AsyncSession, code: str | None, org_id: int | None) -> None:
    if code is None:
        return
    taken = await session.scalar(
        select(Org.id).where(Org.division_code == code, Org.id != (org_id or 0))
    )
    if taken is not None:
        raise Conflict("org_code_taken", value=code)


async def create(
    session: AsyncSession, actor: Principal, data: OrgCreate, *, default_timezone: str
) -> Org:
    parent = None
    if data.parent_id is not None:
        parent = await referenced(session, actor.scope("org.read"), data.parent_id, "parent_id")
        if not actor.scope("org.write").covers(parent.path):
            raise Forbidden("role_required", roles="admin")
    elif not actor.scope("org.write").everything:
        raise Forbidden("org_root_scope")
    await _check_code_free(session, data.division_code, None)
    org = Org(
        **data.model_dump(exclude={"timezone"}),
        timezone=data.timezone or (parent.timezone if parent else default_timezone),
    )
    session.add(org)
    await session.flush()
    org.path = f"{parent.path if parent else '/'}{org.id}/"
    await session.flush()
    after = dump(OrgRead.model_validate(org))
    await record_change(
        session,
        actor,
        topic=TOPIC,
        object_type="org",
        action="created",
        object_id=org.id,
        org_id=org.id,
        org_path=org.path,
        after=after,
    )
    return org


async def update(session: AsyncSession, actor: Principal, org: Org, data: OrgUpdate) -> Org:
    before = dump(OrgRead.model_validate(org))
    changes = data.model_dump(exclude_unset=True)
    for required in ("name", "kind", "timezone"):
        if required in changes and changes[required] is None:
            raise Invalid.field(required, "missing")
    if "parent_id" in changes and changes["parent_id"] != org.parent_id:
        await _move(session, actor, org, changes.pop("parent_id"))
    changes.pop("parent_id", None)
    if "division_code" in changes:
        await _check_code_free(session, changes["division_code"], org.id)
    lat = changes.get("lat", org.lat)
    lon = changes.get("lon", org.lon)
    if (lat is None) != (lon is None):
        raise Invalid.field("lat" if lat is None else "lon", "lat_lon_pair")
    for key, value in changes.items():
        setattr(org, key, value)
    org.updated_at = utcnow()
    session.add(org)
    await session.flush()
    after = dump(OrgRead.model_validate(org))
    await record_change(
        session,
        actor,
        topic=TOPIC,
        object_type="org",
        action="updated",
        object_id=org.id,
        org_id=org.id,
        org_path=org.path,
        before=before,
        after=after,
    )
    return org


async def _move(session: AsyncSession, actor: Principal, org: Org, parent_id: int | None) -> None:
    write = actor.scope("org.write")
    if parent_id is None:
        if not write.everything:
            raise Forbidden("org_root_scope")
        new_prefix = "/"
    else:
        parent = await referenced(session, actor.scope("org.read"), parent_id, "parent_id")
        if parent.path.startswith(org.path):
            raise Conflict("org_cycle")
        if not write.covers(parent.path):
            raise Forbidden("role_required", roles="admin")
        new_prefix = parent.path
    old_path = org.path
    new_path = f"{new_prefix}{org.id}/"
    await session.exec(
        sa.update(Org)
        .where(col(Org.path).like(subtree_of(old_path)))
        .values(path=sa.literal(new_path) + sa.func.substr(Org.path, len(old_path) + 1))
        .execution_options(synchronize_session=False)
    )
    await session.refresh(org)
    org.parent_id = parent_id


async def delete(session: AsyncSession, actor: Principal, org: Org) -> None:
    checks = [
        ("org_has_children", select(sa.func.count()).where(Org.parent_id == org.id)),
        ("org_has_people", select(sa.func.count()).where(Person.org_id == org.id)),
        (
            "org_has_users",
            select(sa.func.count()).where(
                sa.or_(
                    col(User.org_id) == org.id,
                    col(User.id).in_(select(RoleGrant.user_id).where(RoleGrant.org_id == org.id)),
                )
            ),
        ),
    ]
    for code, query in checks:
        count = int(await session.scalar(query) or 0)
        if count:
            raise Conflict(code, count=count)
    before = dump(OrgRead.model_validate(org))
    await session.delete(org)
    await session.flush()
    await record_change(
        session,
        actor,
        topic=TOPIC,
        object_type="org",
        action="deleted",
        object_id=before["id"],
        org_id=before["id"],
        org_path=org.path,
        before=before,
    )
