"""Who is calling: login with throttling, and principals from access or API tokens."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from service.auth.models import ApiToken, LoginFailure, RoleGrant, User
from service.auth.permissions import Grant, Principal, Role
from service.auth.security import (
    access_claims,
    hash_api_token,
    hash_password,
    is_api_token,
    needs_rehash,
    verify_password,
)
from service.db import utcnow
from service.errors import TooManyRequests
from service.orgs.models import Org

IP_FAILURE_FACTOR = 4  # an address may fail this many times more than one username


async def load_principal(
    session: AsyncSession,
    user_id: int,
    *,
    token_id: int | None = None,
    request_id: str | None = None,
    ip: str | None = None,
    expires_at: datetime | None = None,
) -> Principal | None:
    user = await session.get(User, user_id)
    if user is None or not user.is_active:
        return None
    rows = await session.exec(
        select(RoleGrant.role, RoleGrant.org_id, Org.path)
        .select_from(RoleGrant)
        .outerjoin(Org, col(Org.id) == col(RoleGrant.org_id))
        .where(RoleGrant.user_id == user_id)
    )
    grants = tuple(
        Grant(Role(role), org_id, path)
        for role, org_id, path in rows
        if org_id is None or path is not None
    )
    return Principal(
        user_id=user_id,
        username=user.username,
        grants=grants,
        person_id=user.person_id,
        org_id=user.org_id,
        token_id=token_id,
        request_id=request_id,
        ip=ip,
        expires_at=expires_at,
    )


async def principal_for_token(
    session: AsyncSession,
    token: str,
    *,
    secret: str,
    request_id: str | None = None,
    ip: str | None = None,
) -> Principal | None:
    """A user access token (JWT) or a machine API token; None when neither is valid."""
    if is_api_token(token):
        row = (
            await session.exec(select(ApiToken).where(ApiToken.token_hash == hash_api_token(token)))
        ).first()
        now = utcnow()
        if (
            row is None
            or row.revoked_at is not None
            or (row.expires_at is not None and row.expires_at <= now)
        ):
            return None
        return await load_principal(
            session,
            row.user_id,
            token_id=row.id,
            request_id=request_id,
            ip=ip,
            expires_at=row.expires_at,
        )
    claims = access_claims(token, secret)
    if claims is None:
        return None
    user_id, expires_at = claims
    return await load_principal(
        session, user_id, request_id=request_id, ip=ip, expires_at=expires_at
    )


async def _throttle(session: AsyncSession, keys: dict[str, int], window_s: int) -> None:
    now = utcnow()
    since = now - timedelta(seconds=window_s)
    for key, limit in keys.items():
        failures = list(
            await session.exec(
                select(LoginFailure.at)
                .where(LoginFailure.key == key, col(LoginFailure.at) > since)
                .order_by(col(LoginFailure.at).desc())
                .limit(limit)
            )
        )
        if len(failures) >= limit:
            oldest = failures[-1]
            retry_after = max(
                1, int((oldest + timedelta(seconds=window_s) - now).total_seconds()) + 1
            )
            raise TooManyRequests("login_throttled", retry_after=retry_after)


async def authenticate(
    session: AsyncSession,
    username: str,
    password: str,
    *,
    ip: str | None,
    max_failures: int,
    window_s: int,
) -> User | None:
    """The active user with this password, or None after recording the failure.

    Throttled callers get 429 before the password is even looked at.
    """
    keys = {f"user:{username.lower()}": max_failures}
    if ip:
        keys[f"ip:{ip}"] = max_failures * IP_FAILURE_FACTOR
    await _throttle(session, keys, window_s)
    user = (
        await session.exec(select(User).where(sa.func.lower(User.username) == username.lower()))
    ).first()
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is None or not password_ok or not user.is_active:
        now = utcnow()
        session.add_all([LoginFailure(key=key, at=now) for key in keys])
        await session.exec(
            sa.delete(LoginFailure).where(col(LoginFailure.at) < now - timedelta(seconds=window_s))
        )
        await session.flush()
        return None
    await session.exec(
        sa.delete(LoginFailure).where(col(LoginFailure.key) == f"user:{username.lower()}")
    )
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.add(user)
    return user
