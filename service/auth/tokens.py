"""Long-lived API tokens for machine clients: created once, stored hashed, revocable.

A token acts as its user, with that user's grants; anyone may hold tokens of their
own, and an admin may create and revoke them for users within their scope.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from service.auth import users
from service.auth.models import ApiToken, User
from service.auth.permissions import Principal
from service.auth.schemas import ApiTokenCreate, ApiTokenCreated, ApiTokenRead
from service.auth.security import new_api_token
from service.changes import record_change
from service.db import fetch_page, utcnow
from service.errors import Invalid, NotFound
from service.orgs import service as orgs
from service.orgs.models import Org
from service.schemas import dump

TOPIC = "users"


async def _owner(session: AsyncSession, actor: Principal, user_id: int) -> User:
    """The token's owner: the caller, or a user the caller administers."""
    if user_id == actor.user_id:
        user = await session.get(User, user_id)
        if user is None:
            raise NotFound("user")
        return user
    user, _ = await users.get_visible(session, actor.scope("user.write"), user_id)
    return user


def _visible_clause(actor: Principal) -> sa.ColumnElement[bool]:
    scope = actor.scope("user.write")
    own = col(ApiToken.user_id) == actor.user_id
    if scope.everything:
        return sa.true()
    if scope.empty:
        return own
    managed = (
        select(User.id)
        .join(Org, col(Org.id) == col(User.org_id))
        .where(scope.clause(col(Org.path)))
    )
    return sa.or_(own, col(ApiToken.user_id).in_(managed))


async def search(
    session: AsyncSession,
    actor: Principal,
    *,
    user_id: int | None,
    include_revoked: bool,
    limit: int,
    offset: int,
) -> tuple[list[ApiToken], int]:
    where = [_visible_clause(actor)]
    if user_id is not None:
        where.append(col(ApiToken.user_id) == user_id)
    if not include_revoked:
        where.append(col(ApiToken.revoked_at).is_(None))
    return await fetch_page(
        session,
        select(ApiToken).where(*where),
        order_by=col(ApiToken.id),
        limit=limit,
        offset=offset,
    )


async def get_visible(session: AsyncSession, actor: Principal, token_id: int) -> ApiToken:
    token = (
        await session.exec(select(ApiToken).where(ApiToken.id == token_id, _visible_clause(actor)))
    ).first()
    if token is None:
        raise NotFound("token")
    return token


async def create(session: AsyncSession, actor: Principal, data: ApiTokenCreate) -> ApiTokenCreated:
    owner_id = data.user_id or actor.user_id
    if owner_id is None:
        raise NotFound("user")
    owner = await _owner(session, actor, owner_id)
    if data.expires_at is not None and data.expires_at <= utcnow():
        raise Invalid.field("expires_at", "expires_past")
    secret, prefix, digest = new_api_token()
    assert owner.id is not None
    row = ApiToken(
        user_id=owner.id,
        name=data.name,
        prefix=prefix,
        token_hash=digest,
        expires_at=data.expires_at,
    )
    session.add(row)
    await session.flush()
    after = dump(ApiTokenRead.model_validate(row))
    path = await orgs.path_of(session, owner.org_id)
    await record_change(
        session,
        actor,
        topic=TOPIC,
        object_type="api_token",
        action="created",
        object_id=row.id,
        org_id=owner.org_id,
        org_path=path,
        after=after,
    )
    return ApiTokenCreated.model_validate({**after, "token": secret})


async def revoke(session: AsyncSession, actor: Principal, token: ApiToken) -> ApiToken:
    if token.revoked_at is not None:
        return token  # revoking twice is harmless
    before = dump(ApiTokenRead.model_validate(token))
    token.revoked_at = utcnow()
    session.add(token)
    await session.flush()
    owner = await session.get(User, token.user_id)
    path = await orgs.path_of(session, owner.org_id if owner else None)
    await record_change(
        session,
        actor,
        topic=TOPIC,
        object_type="api_token",
        action="revoked",
        object_id=token.id,
        org_id=owner.org_id if owner else None,
        org_path=path,
        before=before,
        after=dump(ApiTokenRead.model_validate(token)),
    )
    return token
