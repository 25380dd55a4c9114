"""``/api/v1/incidents`` and ``/api/v1/intake/{source}``: thin routes over the services."""

from __future__ import annotations

import html
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import HTMLResponse, PlainTextResponse

from dispatch.incidents import listing, log, maps, reports, service
from dispatch.incidents.batch import IncidentBatcher
from dispatch.incidents.grading import Grade
from dispatch.incidents.intake import check_key, receive
from dispatch.incidents.models import (
    Incident,
    IncidentStatus,
    IncidentType,
    IntakeSource,
    Report,
    Source,
)
from dispatch.incidents.schemas import (
    GradeRead,
    GradeSet,
    IncidentCreate,
    IncidentDetail,
    IncidentRead,
    IncidentStats,
    IncidentUpdate,
    LogCreate,
    LogRead,
    ReportRead,
    ReportSend,
)
from service.auth.permissions import Principal
from service.deps import (
    CurrentUser,
    PageDep,
    PathId,
    QueryId,
    ReaderUser,
    SessionDep,
    ensure,
)
from service.errors import NotFound
from service.orgs.models import Org
from service.schemas import Page, Timestamp

router = APIRouter(prefix="/incidents", tags=["incidents"])
intake_router = APIRouter(prefix="/intake", tags=["incidents"])


async def current_incident(
    session: SessionDep, user: CurrentUser, incident_id: PathId
) -> tuple[Incident, Org]:
    return await service.get_visible(session, user, incident_id)


CurrentIncident = Annotated[tuple[Incident, Org], Depends(current_incident)]


async def writable_incident(user: CurrentUser, current: CurrentIncident) -> tuple[Incident, Org]:
    service.ensure_writer(user, *current)
    return current


WritableIncident = Annotated[tuple[Incident, Org], Depends(writable_incident)]


async def current_report(
    session: SessionDep, current: CurrentIncident, report_id: PathId
) -> Report:
    report = await session.get(Report, report_id)
    if report is None or report.incident_id != current[0].id:
        raise NotFound("report")
    return report


@router.get("", response_model=Page[IncidentRead])
async def list_incidents(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    status: Annotated[IncidentStatus | None, Query()] = None,
    open: Annotated[bool, Query(description="only reported, responding, stabilized")] = False,
    org_id: QueryId = None,
    grade: Annotated[Grade | None, Query()] = None,
    type: Annotated[IncidentType | None, Query()] = None,
    exercise: Annotated[bool | None, Query(description="true: drills' only; false: real")] = None,
) -> Page[IncidentRead]:
    rows, count = await listing.search(
        session,
        user,
        status=status,
        open_only=open,
        org_id=org_id,
        grade=grade,
        type_=type,
        exercise=exercise,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(data=rows, count=count)


async def incident_writer(user: ReaderUser) -> Principal:
    """The caller, allowed to record incidents (403 before the body is looked at)."""
    ensure(user, service.WRITE)
    return user


@router.post("", response_model=IncidentRead, status_code=201)
async def create_incident(
    request: Request, user: Annotated[Principal, Depends(incident_writer)], data: IncidentCreate
) -> IncidentRead:
    # written by the process's batch of new incidents, answered once committed
    batcher: IncidentBatcher = request.app.state.incidents
    return await batcher.create(user, data)


@router.get("/geojson")
async def open_incidents_geojson(
    session: SessionDep,
    user: CurrentUser,
    unlocated: Annotated[bool, Query(description="also those without lat/lon")] = False,
    limit: Annotated[int, Query(ge=1, le=5000, description="the newest ones")] = 5000,
) -> dict[str, Any]:
    """Open incidents, newest first, as a GeoJSON FeatureCollection (RFC 7946) for the map
    and the dispatch screen: each with ``next_report``, the open report due soonest."""
    return await maps.geojson(session, user, unlocated=unlocated, limit=limit)


@router.get("/summary", response_model=IncidentStats)
async def incident_statistics(
    session: SessionDep,
    user: CurrentUser,
    since: Annotated[Timestamp | None, Query(description="occurred at or after")] = None,
    until: Annotated[Timestamp | None, Query(description="occurred before")] = None,
) -> IncidentStats:
    """Real incidents that occurred in the range, by grade, type and status, with their
    casualties and loss; exercise incidents (drills) are never counted."""
    return await maps.statistics(session, user, since=since, until=until)


@router.get("/{incident_id}", response_model=IncidentDetail)
async def get_incident(session: SessionDep, current: CurrentIncident) -> IncidentDetail:
    incident, _ = current
    return IncidentDetail(
        **IncidentRead.model_validate(incident).model_dump(),
        grades=[GradeRead.model_validate(g) for g in await service.grades(session, incident)],
        reports=[ReportRead.model_validate(r) for r in await reports.of(session, incident)],
    )


@router.patch("/{incident_id}", response_model=IncidentRead)
async def update_incident(
    session: SessionDep, user: CurrentUser, current: WritableIncident, data: IncidentUpdate
) -> IncidentRead:
    return IncidentRead.model_validate(await service.update(session, user, *current, data))


@router.post("/{incident_id}/grade", response_model=IncidentRead)
async def set_grade(
    session: SessionDep, user: CurrentUser, current: WritableIncident, data: GradeSet
) -> IncidentRead:
    """Grade by hand with a written reason, or ``{"grade": null}`` for the regulation's."""
    return IncidentRead.model_validate(await service.set_grade(session, user, *current, data))


@router.get("/{incident_id}/grades", response_model=Page[GradeRead])
async def grade_history(session: SessionDep, current: CurrentIncident) -> Page[GradeRead]:
    rows = await service.grades(session, current[0])
    return Page(data=[GradeRead.model_validate(r) for r in rows], count=len(rows))


@router.get("/{incident_id}/reports", response_model=Page[ReportRead])
async def report_timeline(session: SessionDep, current: CurrentIncident) -> Page[ReportRead]:
    """Every required report with its due time, and every report sent."""
    rows = await reports.of(session, current[0])
    return Page(data=[ReportRead.model_validate(r) for r in rows], count=len(rows))


@router.post("/{incident_id}/reports", response_model=ReportRead, status_code=201)
async def send_report(
    session: SessionDep, user: CurrentUser, current: WritableIncident, data: ReportSend
) -> ReportRead:
    """Record a report sent upward; the matching due report is fulfilled."""
    return ReportRead.model_validate(await reports.send(session, user, *current, data))


@router.get("/{incident_id}/reports/{report_id}/text", response_class=PlainTextResponse)
async def report_text(
    current: CurrentIncident, report: Annotated[Report, Depends(current_report)]
) -> PlainTextResponse:
    return PlainTextResponse(reports.as_text(report, *current))


@router.get("/{incident_id}/reports/{report_id}/print", response_class=HTMLResponse)
async def report_print(
    current: CurrentIncident, report: Annotated[Report, Depends(current_report)]
) -> HTMLResponse:
    lines = reports.as_text(report, *current).split("\n")
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines[1:])
    return HTMLResponse(
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{html.escape(lines[0])}</title><style>{log.PRINT_CSS}</style></head>"
        f"<body><h1>{html.escape(lines[0])}</h1>{body}</body></html>"
    )


@router.get("/{incident_id}/log", response_model=Page[LogRead])
async def activity_log(session: SessionDep, current: CurrentIncident) -> Page[LogRead]:
    rows = await log.entries(session, current[0])
    return Page(data=[LogRead.model_validate(r) for r in rows], count=len(rows))


@router.post("/{incident_id}/log", response_model=LogRead, status_code=201)
async def add_log_entry(
    session: SessionDep, user: CurrentUser, current: WritableIncident, data: LogCreate
) -> LogRead:
    return LogRead.model_validate(await service.note(session, user, *current, data.text))


class LogFormat(StrEnum):
    csv = "csv"
    html = "html"


@router.get("/{incident_id}/log/ics214")
async def activity_log_ics214(
    session: SessionDep,
    user: CurrentUser,
    current: CurrentIncident,
    format: Annotated[LogFormat, Query()] = LogFormat.csv,
    start: Annotated[Timestamp | None, Query(description="operational period from")] = None,
    end: Annotated[Timestamp | None, Query(description="operational period to")] = None,
) -> Response:
    """The activity log in the ICS-214 layout, as CSV or a print view."""
    incident, org = current
    rows = await log.entries(session, incident, start=start, end=end)
    args: dict[str, Any] = {"start": start, "end": end, "prepared_by": user.username}
    if format == LogFormat.html:
        return HTMLResponse(log.ics214_html(incident, org, rows, **args))
    return Response(
        log.ics214_csv(incident, org, rows, **args).encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="ics214-{incident.id}.csv"'},
    )


@intake_router.post("/{source}", response_model=IncidentRead, status_code=201)
async def intake(
    response: Response,
    session: SessionDep,
    user: CurrentUser,
    source: IntakeSource,
    data: IncidentCreate,
    idempotency_key: Annotated[str | None, Header(max_length=400)] = None,
) -> IncidentRead:
    """From an alarm platform or field app (API token). The same ``Idempotency-Key`` with the
    same body answers 200 with the incident the first post made."""
    ensure(user, "incident.write")
    key = check_key(idempotency_key)
    incident, made = await receive(session, user, Source(source.value), key, data)
    if not made:
        response.status_code = 200
    return IncidentRead.model_validate(incident)
