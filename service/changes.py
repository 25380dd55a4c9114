"""Record a change: one audit row and one outbox event, in the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from service.audit import service as audit
from service.auth.permissions import Principal
from service.orgs.models import Org
from service.realtime import outbox


async def record_change(
    session: AsyncSession,
    actor: Principal | None,
    *,
    topic: str,
    object_type: str,
    action: str,
    object_id: object,
    org_id: int | None,
    org_path: str | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """``<object_type>.<action>`` goes out as the event type; ``data`` defaults to the
    object after the change (before it, for a deletion)."""
    await audit.append(
        session,
        actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        org_id=org_id,
        org_path=org_path,
        before=before,
        after=after,
    )
    await outbox.append(
        session,
        topic=topic,
        type=f"{object_type}.{action}",
        data=data if data is not None else (after if after is not None else before) or {},
        org_id=org_id,
        org_path=org_path,
    )


class OrgRecorder:
    """``record_change`` for a domain's objects that belong to an org, on the domain's topic:
    ``record = OrgRecorder("plans")`` then ``await record(session, actor, org, "plan",
    "created", plan.id, None, after)``."""

    def __init__(self, topic: str) -> None:
        self.topic = topic

    async def __call__(
        self,
        session: AsyncSession,
        actor: Principal | None,
        org: Org,
        object_type: str,
        action: str,
        object_id: object,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        data: dict[str, Any] | None = None,
    ) -> None:
        await record_change(
            session,
            actor,
            topic=self.topic,
            object_type=object_type,
            action=action,
            object_id=object_id,
            org_id=org.id,
            org_path=org.path,
            before=before,
            after=after,
            data=data,
        )
