"""``/api/v1/audit``: read the audit log (admins, within their scope)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from service.audit import service
from service.deps import CurrentUser, PageDep, QueryId, SessionDep, require
from service.errors import Invalid
from service.schemas import Page, ReadModel, Timestamp

router = APIRouter(prefix="/audit", tags=["audit"])


class AuditRead(ReadModel):
    id: int
    at: datetime
    actor_user_id: int | None
    actor_username: str | None
    actor_token_id: int | None
    action: str
    object_type: str
    object_id: str
    org_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None
    ip: str | None


@router.get("", response_model=Page[AuditRead], dependencies=[require("audit.read")])
async def list_audit(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    object_type: Annotated[str | None, Query(max_length=40)] = None,
    object_id: Annotated[str | None, Query(max_length=64)] = None,
    actor_user_id: QueryId = None,
    action: Annotated[str | None, Query(max_length=40)] = None,
    org_id: QueryId = None,
    start: Timestamp | None = None,
    end: Timestamp | None = None,
) -> Page[AuditRead]:
    if start and end and end <= start:
        raise Invalid.field("end", "range_order")
    rows, count = await service.search(
        session,
        user.scope("audit.read"),
        object_type=object_type,
        object_id=object_id,
        actor_user_id=actor_user_id,
        action=action,
        org_id=org_id,
        start=start,
        end=end,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(data=[AuditRead.model_validate(r) for r in rows], count=count)
