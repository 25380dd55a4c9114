"""Who a draft would call, resolved now without issuing anything: the composer shows it as
the rules change (count, people with their org, per township)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch.warnings.models import Warning
from dispatch.warnings.recipients import Area, Named, Resolver
from dispatch.warnings.schemas import (
    PreviewCreate,
    PreviewPerson,
    PreviewTownship,
    RecipientsPreview,
)
from service.auth.permissions import Principal
from service.db import utcnow


async def _summary(resolver: Resolver, named: list[Named], limit: int) -> RecipientsPreview:
    names: dict[int | None, str | None] = {}
    for township_id in {n.township_id for n in named}:
        org = await resolver.org(township_id) if township_id else None
        names[township_id] = org.name if org else None
    counts = Counter(n.township_id for n in named)
    return RecipientsPreview(
        count=len(named),
        by_township=[
            PreviewTownship(org_id=k, name=names[k], count=v)
            for k, v in sorted(counts.items(), key=lambda i: (names[i[0]] is None, i[0] or 0))
        ],
        people=[
            PreviewPerson(
                person_id=n.person.id or 0,
                name=n.person.name,
                org_id=n.org.id or 0,
                org_name=n.org.name,
                township_id=n.township_id,
                township_name=names[n.township_id],
                reason=n.reason,
            )
            for n in named[:limit]
        ],
    )


async def of_draft(
    session: AsyncSession, actor: Principal, data: PreviewCreate
) -> RecipientsPreview:
    """The people a warning with these orgs, polygon, people and rules would call now, within
    the caller's scope (an org or person outside it is a 422, as on issue)."""
    resolver = Resolver(session, actor.scope("warning.read"))
    for i, org_id in enumerate(data.org_ids):
        await resolver.visible_org(org_id, f"org_ids.{i}")
    rules: list[dict[str, Any]] = [r.model_dump() for r in data.rules]
    area = Area(data.org_ids, [list(p) for p in data.polygon] if data.polygon else None)
    named = await resolver.resolve(data.recipients, rules, utcnow(), area)
    return await _summary(resolver, named, data.limit)


async def of_warning(
    session: AsyncSession, actor: Principal, warning: Warning, limit: int
) -> RecipientsPreview:
    """A stored warning's rules resolved now (for a draft: who issuing it would call)."""
    resolver = Resolver(session, actor.scope("warning.read"))
    area = Area(list(warning.org_ids), warning.polygon)
    named = await resolver.resolve([], warning.rules, utcnow(), area)
    return await _summary(resolver, named, limit)
