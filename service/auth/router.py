"""Login, the caller's own profile, users and role grants, API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.security import OAuth2PasswordRequestForm

from service.auth import service, tokens, users
from service.auth.models import User
from service.auth.schemas import (
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenRead,
    Me,
    TokenOut,
    UserCreate,
    UserRead,
    UserUpdate,
)
from service.auth.security import create_access_token
from service.deps import CurrentUser, PageDep, PathId, QueryId, SessionDep, SettingsDep, require
from service.errors import Unauthorized
from service.schemas import Page

MAX_USERNAME = 64

router = APIRouter(tags=["auth"])


@router.post("/auth/token", response_model=TokenOut)
async def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
) -> TokenOut:
    """OAuth2 password flow; repeated failures are throttled (429 with Retry-After)."""
    if "\x00" in form.username or len(form.username) > MAX_USERNAME:
        raise Unauthorized("bad_credentials")
    user = await service.authenticate(
        session,
        form.username,
        form.password,
        ip=request.client.host if request.client else None,
        max_failures=settings.login_max_failures,
        window_s=settings.login_window_s,
    )
    if user is None or user.id is None:
        await session.commit()  # keep the failure on record for throttling
        raise Unauthorized("bad_credentials")
    token, expires = create_access_token(
        user.id, settings.resolved_secret_key(), settings.access_token_minutes
    )
    return TokenOut(access_token=token, expires_at=expires)


@router.get("/auth/me", response_model=Me)
async def me(session: SessionDep, user: CurrentUser) -> Me:
    row = await session.get(User, user.user_id)
    if row is None:
        raise Unauthorized("bad_token")
    read = await users.read_model(session, row)
    return Me(**read.model_dump(), roles=sorted(user.roles))


@router.get("/auth/api-tokens", response_model=Page[ApiTokenRead])
async def list_api_tokens(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    user_id: QueryId = None,
    include_revoked: bool = False,
) -> Page[ApiTokenRead]:
    rows, count = await tokens.search(
        session,
        user,
        user_id=user_id,
        include_revoked=include_revoked,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(data=[ApiTokenRead.model_validate(r) for r in rows], count=count)


@router.post("/auth/api-tokens", response_model=ApiTokenCreated, status_code=201)
async def create_api_token(
    session: SessionDep, user: CurrentUser, data: ApiTokenCreate
) -> ApiTokenCreated:
    return await tokens.create(session, user, data)


@router.delete("/auth/api-tokens/{token_id}", response_model=ApiTokenRead)
async def revoke_api_token(
    session: SessionDep, user: CurrentUser, token_id: PathId
) -> ApiTokenRead:
    token = await tokens.get_visible(session, user, token_id)
    return ApiTokenRead.model_validate(await tokens.revoke(session, user, token))


@router.get("/users", response_model=Page[UserRead], dependencies=[require("user.read")])
async def list_users(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    q: Annotated[str | None, Query(max_length=64)] = None,
    role: str | None = None,
    org_id: QueryId = None,
) -> Page[UserRead]:
    rows, count = await users.search(
        session,
        user.scope("user.read"),
        q=q,
        role=role,
        org_id=org_id,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(data=[await users.read_model(session, r) for r in rows], count=count)


@router.post(
    "/users", response_model=UserRead, status_code=201, dependencies=[require("user.write")]
)
async def create_user(session: SessionDep, user: CurrentUser, data: UserCreate) -> UserRead:
    return await users.read_model(session, await users.create(session, user, data))


@router.get("/users/{user_id}", response_model=UserRead, dependencies=[require("user.read")])
async def get_user(session: SessionDep, user: CurrentUser, user_id: PathId) -> UserRead:
    row, _ = await users.get_visible(session, user.scope("user.read"), user_id)
    return await users.read_model(session, row)


@router.patch("/users/{user_id}", response_model=UserRead, dependencies=[require("user.write")])
async def update_user(
    session: SessionDep, user: CurrentUser, user_id: PathId, data: UserUpdate
) -> UserRead:
    row, _ = await users.get_visible(session, user.scope("user.read"), user_id)
    return await users.read_model(session, await users.update(session, user, row, data))


@router.delete("/users/{user_id}", status_code=204, dependencies=[require("user.write")])
async def delete_user(session: SessionDep, user: CurrentUser, user_id: PathId) -> None:
    row, _ = await users.get_visible(session, user.scope("user.read"), user_id)
    await users.delete(session, user, row)
