"""Open incidents as GeoJSON (RFC 7946) for the map and the dispatch screen's feed, and the
statistics of real incidents."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch.incidents import listing, reports
from dispatch.incidents.models import Incident, Report
from dispatch.incidents.schemas import IncidentRead, IncidentStats, ReportRead
from service.auth.permissions import Principal
from service.orgs.models import Org
from service.schemas import dump


def feature(incident: IncidentRead, next_report: Report | None = None) -> dict[str, Any]:
    """A GeoJSON (RFC 7946) feature: [lon, lat] (null geometry when unlocated), the incident
    summary and its next due report in properties."""
    props = dump(incident)
    props["next_report"] = dump(ReportRead.model_validate(next_report)) if next_report else None
    located = incident.lat is not None and incident.lon is not None
    return {
        "type": "Feature",
        "id": incident.id,
        "geometry": (
            {"type": "Point", "coordinates": [incident.lon, incident.lat]} if located else None
        ),
        "properties": props,
    }


async def geojson(
    session: AsyncSession, actor: Principal, *, unlocated: bool = False, limit: int = 5000
) -> dict[str, Any]:
    """Open incidents, newest first, each with the report due next: the map and the
    dispatch screen's feed in one request."""
    rows, _ = await listing.search(session, actor, open_only=True, limit=limit, offset=0)
    if not unlocated:
        rows = [i for i in rows if i.lat is not None and i.lon is not None]
    due = await reports.next_due(session, [i.id for i in rows])
    return {
        "type": "FeatureCollection",
        "features": [feature(i, due.get(i.id)) for i in rows],
    }


async def statistics(
    session: AsyncSession, actor: Principal, *, since: datetime | None, until: datetime | None
) -> IncidentStats:
    """Real incidents (never exercise ones) that occurred in the range and that the caller
    may read: how many by grade, type and status, with their casualties and loss."""
    query = (
        select(Incident)
        .join(Org, col(Org.id) == col(Incident.org_id))
        .where(
            actor.scope("incident.read").clause(col(Org.path)), col(Incident.exercise).is_(False)
        )
    )
    if since is not None:
        query = query.where(col(Incident.occurred_at) >= since)
    if until is not None:
        query = query.where(col(Incident.occurred_at) < until)
    rows = list((await session.exec(query)).all())
    return IncidentStats(
        incidents=len(rows),
        by_grade=dict(Counter(str(i.grade) for i in rows)),
        by_type=dict(Counter(str(i.type) for i in rows)),
        by_status=dict(Counter(str(i.status) for i in rows)),
        deaths=sum(i.deaths for i in rows),
        serious_injuries=sum(i.serious_injuries for i in rows),
        direct_loss_yuan=sum(i.direct_loss_yuan for i in rows),
    )
