"""What every route needs, as ``Annotated`` dependencies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request
from fastapi.security import OAuth2PasswordBearer
from sqlmodel.ext.asyncio.session import AsyncSession

from service.auth import service as auth
from service.auth.permissions import PERMISSIONS, Principal
from service.db import Database
from service.errors import Forbidden, Unauthorized
from service.schemas import MAX_ID
from service.settings import Settings

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


# Dependencies are coroutines even when they do not wait: FastAPI runs a plain function in a
# worker thread, a hop that costs more than the function.
async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: committed when the route returns, rolled back on error."""
    db: Database = request.app.state.db
    async with db.session(write=request.method not in READ_METHODS) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
# "function" scope: the commit runs before the response is sent, so a commit that fails
# is answered as a failure, and a client that reads right after a 2xx sees its write.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


async def _principal(
    request: Request, session: AsyncSession, settings: Settings, token: str | None
) -> Principal:
    if not token:
        raise Unauthorized("bad_token")
    principal = await auth.principal_for_token(
        session,
        token,
        secret=settings.resolved_secret_key(),
        request_id=request.state.request_id if hasattr(request.state, "request_id") else None,
        ip=request.client.host if request.client else None,
    )
    if principal is None:
        raise Unauthorized("bad_token")
    return principal


async def current_principal(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(oauth2)],
) -> Principal:
    return await _principal(request, session, settings, token)


async def reading_principal(
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(oauth2)],
) -> Principal:
    """The caller, read in a short read-only session that is closed before the route runs:
    for a route that hands its write to a batcher and waits for it (a session held by the
    request would keep a pooled connection, and on SQLite the writer lock, that the batch
    needs)."""
    async with db.session(write=False) as session:
        return await _principal(request, session, settings, token)


CurrentUser = Annotated[Principal, Depends(current_principal)]
ReaderUser = Annotated[Principal, Depends(reading_principal)]


def ensure(user: Principal, permission: str, org_path: str | None = None) -> None:
    """403 unless the caller holds ``permission`` (over ``org_path`` when given)."""
    if not user.can(permission, org_path):
        raise Forbidden("role_required", roles=", ".join(sorted(PERMISSIONS[permission])))


def require(permission: str) -> Any:
    """A route dependency: the caller holds ``permission`` somewhere, else 403."""

    async def _check(user: CurrentUser) -> Principal:
        ensure(user, permission)
        return user

    return Depends(_check)


PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]


@dataclass(frozen=True)
class Pagination:
    limit: int
    offset: int


async def pagination(
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> Pagination:
    return Pagination(limit, offset)


PageDep = Annotated[Pagination, Depends(pagination)]
