"""Open incidents as GeoJSON (RFC 7946) for the map and the dispatch screen's feed."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch.incidents import reports, service
from dispatch.incidents.models import Incident, Report
from dispatch.incidents.schemas import IncidentRead, ReportRead
from service.auth.permissions import Principal
from service.schemas import dump


def feature(incident: Incident, next_report: Report | None = None) -> dict[str, Any]:
    """A GeoJSON (RFC 7946) feature: [lon, lat] (null geometry when unlocated), the incident
    summary and its next due report in properties."""
    props = dump(IncidentRead.model_validate(incident))
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
    rows, _ = await service.search(session, actor, open_only=True, limit=limit, offset=0)
    if not unlocated:
        rows = [i for i in rows if i.lat is not None and i.lon is not None]
    due = await reports.next_due(session, [i.id for i in rows if i.id is not None])
    return {
        "type": "FeatureCollection",
        "features": [feature(i, due.get(i.id or 0)) for i in rows],
    }
