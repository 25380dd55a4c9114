"""Login users and their role grants, managed by admins within their scope."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from service.auth.models import RoleGrant, User
from service.auth.permissions import Principal, Scope
from service.auth.schemas import GrantIn, UserCreate, UserRead, UserUpdate
from service.auth.security import hash_password
from service.changes import record_change
from service.db import fetch_page, utcnow
from service.errors import Conflict, Forbidden, Invalid, NotFound
from service.orgs import service as orgs
from service.orgs.models import Org
from service.people import service as people
from service.people.models import Person

TOPIC = "users"


async def read_model(session: AsyncSession, user: User) -> UserRead:
    grants = await session.exec(
        select(RoleGrant).where(RoleGrant.user_id == user.id).order_by(col(RoleGrant.id))
    )
    return UserRead.model_validate(
        {**user.model_dump(), "grants": [{"role": g.role, "org_id": g.org_id} for g in grants]}
    )


def _within(scope: Scope) -> sa.ColumnElement[bool]:
    """SQL: the user's home org and every grant they hold lie inside ``scope``.

    A township admin must not see or manage an account that holds more than the
    township (a county admin whose home org happens to be there), or they could take
    it over by setting its password or minting a token for it.
    """
    if scope.everything:
        return sa.true()
    home = select(Org.path).where(col(Org.id) == col(User.org_id)).scalar_subquery()
    outside = (
        select(RoleGrant.id)
        .outerjoin(Org, col(Org.id) == col(RoleGrant.org_id))
        .where(
            col(RoleGrant.user_id) == col(User.id),
            sa.or_(col(RoleGrant.org_id).is_(None), sa.not_(scope.clause(col(Org.path)))),
        )
    )
    return sa.and_(scope.clause(home), sa.not_(sa.exists(outside)))


async def get_visible(session: AsyncSession, scope: Scope, user_id: int) -> tuple[User, str | None]:
    """The user if ``scope`` covers their home org and all their grants; 404 otherwise."""
    user = (await session.exec(select(User).where(User.id == user_id, _within(scope)))).first()
    if user is None:
        raise NotFound("user")
    return user, await orgs.path_of(session, user.org_id)


async def _ensure_manageable(session: AsyncSession, actor: Principal, user: User) -> None:
    """403 unless the actor's write scope covers the user (home org and every grant)."""
    assert user.id is not None
    try:
        await get_visible(session, actor.scope("user.write"), user.id)
    except NotFound:
        raise Forbidden("grant_out_of_scope") from None


async def search(
    session: AsyncSession,
    scope: Scope,
    *,
    q: str | None = None,
    role: str | None = None,
    org_id: int | None = None,
    limit: int,
    offset: int,
) -> tuple[list[User], int]:
    base = select(User).where(_within(scope))
    if q:
        base = base.where(col(User.username).contains(q, autoescape=True))
    if org_id is not None:
        base = base.where(col(User.org_id) == org_id)
    if role:
        base = base.where(col(User.id).in_(select(RoleGrant.user_id).where(RoleGrant.role == role)))
    return await fetch_page(session, base, order_by=col(User.id), limit=limit, offset=offset)


async def _home_org(session: AsyncSession, actor: Principal, org_id: int | None) -> str | None:
    write = actor.scope("user.write")
    if org_id is None:
        if not write.everything:
            raise Forbidden("grant_out_of_scope")
        return None
    org = await orgs.referenced(session, actor.scope("user.read"), org_id, "org_id")
    if not write.covers(org.path):
        raise Forbidden("grant_out_of_scope")
    return org.path


async def _check_grants(session: AsyncSession, actor: Principal, grants: list[GrantIn]) -> None:
    write = actor.scope("user.write")
    for index, grant in enumerate(grants):
        if grant.org_id is None:
            if not write.everything:
                raise Forbidden("grant_out_of_scope")
            continue
        org = await orgs.referenced(
            session, actor.scope("org.read"), grant.org_id, f"grants.{index}.org_id"
        )
        if not write.covers(org.path):
            raise Forbidden("grant_out_of_scope")


async def _check_person(
    session: AsyncSession, actor: Principal, person_id: int, user_id: int | None
) -> Person:
    person = await people.referenced(session, actor.scope("person.read"), person_id, "person_id")
    linked = (
        await session.exec(
            select(User).where(User.person_id == person_id, User.id != (user_id or 0))
        )
    ).first()
    if linked is not None:
        raise Conflict("person_linked")
    return person


async def _replace_grants(session: AsyncSession, user_id: int, grants: list[GrantIn]) -> None:
    await session.exec(sa.delete(RoleGrant).where(col(RoleGrant.user_id) == user_id))
    unique = {(g.role, g.org_id) for g in grants}
    session.add_all(
        [
            RoleGrant(user_id=user_id, role=role, org_id=org_id)
            for role, org_id in sorted(unique, key=lambda x: (x[0], x[1] or 0))
        ]
    )
    await session.flush()


async def _username_free(session: AsyncSession, username: str) -> None:
    taken = await session.scalar(
        select(User.id).where(sa.func.lower(User.username) == username.lower())
    )
    if taken is not None:
        raise Conflict("username_taken", username=username)


async def create(session: AsyncSession, actor: Principal, data: UserCreate) -> User:
    org_id = data.org_id
    if data.person_id is not None:
        person = await _check_person(session, actor, data.person_id, None)
        org_id = org_id if org_id is not None else person.org_id
    await _check_grants(session, actor, data.grants)
    path = await _home_org(session, actor, org_id)
    await _username_free(session, data.username)
    user = User(
        username=data.username,
        password_hash=hash_password(data.password),
        person_id=data.person_id,
        org_id=org_id,
        is_active=data.is_active,
    )
    session.add(user)
    await session.flush()
    assert user.id is not None
    await _replace_grants(session, user.id, data.grants)
    after = (await read_model(session, user)).model_dump(mode="json")
    await record_change(
        session,
        actor,
        topic=TOPIC,
        object_type="user",
        action="created",
        object_id=user.id,
        org_id=org_id,
        org_path=path,
        after=after,
    )
    return user


async def update(session: AsyncSession, actor: Principal, user: User, data: UserUpdate) -> User:
    before = (await read_model(session, user)).model_dump(mode="json")
    changes = data.model_dump(exclude_unset=True)
    await _ensure_manageable(session, actor, user)
    if "is_active" in changes and changes["is_active"] is None:
        raise Invalid.field("is_active", "missing")
    if changes.get("person_id") is not None:
        await _check_person(session, actor, changes["person_id"], user.id)
    if "org_id" in changes:
        await _home_org(session, actor, changes["org_id"])
    if data.grants is not None:
        await _check_grants(session, actor, data.grants)
        assert user.id is not None
        await _replace_grants(session, user.id, data.grants)
    extra: dict[str, Any] = {}
    if changes.get("password"):
        user.password_hash = hash_password(changes["password"])
        extra["password_changed"] = True
    for key in ("person_id", "org_id", "is_active"):
        if key in changes:
            setattr(user, key, changes[key])
    user.updated_at = utcnow()
    session.add(user)
    await session.flush()
    after = (await read_model(session, user)).model_dump(mode="json") | extra
    path = await orgs.path_of(session, user.org_id)
    await record_change(
        session,
        actor,
        topic=TOPIC,
        object_type="user",
        action="updated",
        object_id=user.id,
        org_id=user.org_id,
        org_path=path,
        before=before,
        after=after,
    )
    return user


async def delete(session: AsyncSession, actor: Principal, user: User) -> None:
    if user.id == actor.user_id:
        raise Conflict("cannot_delete_self")
    await _ensure_manageable(session, actor, user)
    path = await orgs.path_of(session, user.org_id)
    before = (await read_model(session, user)).model_dump(mode="json")
    await session.exec(sa.delete(RoleGrant).where(col(RoleGrant.user_id) == user.id))
    await session.delete(user)
    await session.flush()
    await record_change(
        session,
        actor,
        topic=TOPIC,
        object_type="user",
        action="deleted",
        object_id=before["id"],
        org_id=before["org_id"],
        org_path=path,
        before=before,
    )


async def people_with_role(session: AsyncSession, org: Org, roles: set[str]) -> list[int]:
    """The people (through their active user accounts) holding one of ``roles`` over ``org``."""
    ancestors = [int(part) for part in org.path.strip("/").split("/") if part]
    rows = await session.exec(
        select(User.person_id)
        .join(RoleGrant, col(RoleGrant.user_id) == col(User.id))
        .where(
            col(RoleGrant.role).in_(sorted(roles)),
            sa.or_(col(RoleGrant.org_id).is_(None), col(RoleGrant.org_id).in_(ancestors)),
            col(User.is_active).is_(True),
            col(User.person_id).is_not(None),
        )
        .distinct()
    )
    return sorted(p for p in rows.all() if p is not None)
