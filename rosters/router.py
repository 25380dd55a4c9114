"""``/api/v1/duty``: who is on duty, the shifts, gaps, check-in and handover."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from rosters import ical, imports, presence, shifts
from rosters.models import DutyShift
from rosters.schemas import (
    DutyNow,
    Gaps,
    HandoverCreate,
    HandoverRead,
    Holidays,
    ShiftDetail,
    ShiftRead,
)
from service.db import utcnow
from service.deps import (
    CurrentUser,
    PageDep,
    PathId,
    QueryId,
    SessionDep,
    SettingsDep,
    oauth2,
)
from service.errors import Forbidden, Invalid
from service.orgs import service as orgs
from service.orgs.models import Org
from service.people import service as people
from service.schemas import Day, Page, Timestamp

router = APIRouter(prefix="/duty", tags=["duty"])

OrgQuery = Annotated[int, Query(ge=1, le=2**31 - 1, description="the org")]
At = Annotated[Timestamp | None, Query(description="ISO 8601 with offset; default now")]


async def current_shift(
    session: SessionDep, user: CurrentUser, shift_id: PathId
) -> tuple[DutyShift, Org]:
    return await shifts.get_visible(session, user.scope("duty.read"), shift_id, user.person_id)


CurrentShift = Annotated[tuple[DutyShift, Org], Depends(current_shift)]


@router.get("/now", response_model=DutyNow)
async def duty_now(
    session: SessionDep, user: CurrentUser, org_id: OrgQuery, at: At = None
) -> DutyNow:
    org = await orgs.get_visible(session, user.scope("duty.read"), org_id)
    return await shifts.now(session, org, at or utcnow())


@router.get("/gaps", response_model=Gaps)
async def duty_gaps(
    session: SessionDep,
    user: CurrentUser,
    org_id: OrgQuery,
    start: Annotated[Timestamp, Query()],
    end: Annotated[Timestamp, Query()],
) -> Gaps:
    shifts.check_range(start, end)
    org = await orgs.get_visible(session, user.scope("duty.read"), org_id)
    return await shifts.gaps(session, org, start, end)


@router.get("/holidays", response_model=Holidays)
async def duty_holidays(
    user: CurrentUser,
    first: Annotated[Day, Query(alias="from", examples=["2026-10-01"])],
    last: Annotated[Day, Query(alias="to", examples=["2026-10-31"])],
) -> Holidays:
    """China's statutory holidays and adjusted working days for every day from ``from`` to
    ``to`` (at most 366 days), from chinese-calendar; a year it does not carry yet is
    ``known: false`` (weekends only) and listed in ``unpublished_years``."""
    return shifts.calendar(first, last)


@router.post("/calendar/feed")
async def new_calendar_feed(
    session: SessionDep, user: CurrentUser, request: Request
) -> dict[str, str]:
    """A secret calendar URL for apps that cannot send headers (the previous one stops
    working). Add ``org_id=`` or ``person_id=`` to it."""
    if user.user_id is None:
        raise Forbidden("role_required", roles="user")
    token = await ical.new_feed(session, user)
    url = str(request.url_for("duty_calendar").include_query_params(feed=token))
    return {"url": url, "feed": token}


@router.get("/calendar.ics", name="duty_calendar", response_class=Response)
async def duty_calendar(
    request: Request,
    session: SessionDep,
    token: Annotated[str | None, Depends(oauth2)],
    settings: SettingsDep,
    org_id: QueryId = None,
    person_id: QueryId = None,
    feed: Annotated[str | None, Query(max_length=100)] = None,
    days: Annotated[int, Query(ge=1, le=400)] = 120,
) -> Response:
    """Shifts of an org or of a person from a week ago to ``days`` ahead, as iCalendar.
    Authenticated by the bearer token or the secret ``feed`` of a calendar URL."""
    user = await ical.caller(
        session, feed=feed, bearer=token, secret=settings.resolved_secret_key()
    )
    if (org_id is None) == (person_id is None):
        raise Invalid.field("org_id", "calendar_one_of")
    scope = user.scope("duty.read")
    if org_id is not None:
        org = await orgs.get_visible(session, scope, org_id)
        name = f"{org.name} 值班表"
    else:
        person, _ = await people.get_visible(session, scope, person_id or 0)
        name = f"{person.name} 值班"
    now = utcnow()
    rows, _ = await shifts.search(
        session,
        scope,
        org_id=org_id,
        person_id=person_id,
        post_id=None,
        start=now - timedelta(days=7),
        end=now + timedelta(days=days),
        limit=5000,
        offset=0,
        own=user.person_id,
    )
    body = await ical.render(session, rows, name=name, host=request.url.hostname or "yingji")
    return Response(body, media_type="text/calendar; charset=utf-8")


Month = Annotated[str, Query(pattern=r"^(19|20|21)\d{2}-(0[1-9]|1[0-2])$", examples=["2026-12"])]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.post("/import")
async def import_month(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    org_id: OrgQuery,
    month: Month,
    dry_run: bool = True,
) -> dict[str, Any]:
    """A month roster from Excel (the body is the .xlsx file). ``dry_run`` (the default)
    lists the rows and every bad row with its reason and imports nothing; without it the
    month is imported only when no row is bad."""
    org = await orgs.get_visible(session, user.scope("duty.read"), org_id)
    body = await request.body()
    if len(body) > 5_000_000:
        raise Invalid.field("file", "sheet_too_large")
    first = date.fromisoformat(f"{month}-01")
    outcome = await imports.import_month(session, user, org, first, body, dry_run=dry_run)
    return {**vars(outcome), "month": month}


@router.get("/export.xlsx", response_class=Response)
async def export_month(
    session: SessionDep, user: CurrentUser, org_id: OrgQuery, month: Month
) -> Response:
    """The month's roster as a printable wall sheet."""
    org = await orgs.get_visible(session, user.scope("duty.read"), org_id)
    body = await imports.export_month(session, org, date.fromisoformat(f"{month}-01"))
    filename = f"duty-{org.id}-{month}.xlsx"
    return Response(
        body, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@router.get("/shifts", response_model=Page[ShiftRead])
async def list_shifts(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    org_id: QueryId = None,
    person_id: QueryId = None,
    post_id: QueryId = None,
    start: Annotated[Timestamp | None, Query()] = None,
    end: Annotated[Timestamp | None, Query()] = None,
) -> Page[ShiftRead]:
    if start is not None and end is not None:
        shifts.check_range(start, end, limit=shifts.MAX_RANGE * 10)
    rows, count = await shifts.search(
        session,
        user.scope("duty.read"),
        org_id=org_id,
        person_id=person_id,
        post_id=post_id,
        start=start,
        end=end,
        limit=page.limit,
        offset=page.offset,
        own=user.person_id,
    )
    return Page(data=[ShiftRead.model_validate(r) for r in rows], count=count)


@router.get("/shifts/{shift_id}", response_model=ShiftDetail)
async def get_shift(session: SessionDep, current: CurrentShift) -> ShiftDetail:
    return await shifts.detail(session, current[0])


@router.post("/shifts/{shift_id}/checkin", response_model=ShiftRead)
async def check_in(session: SessionDep, user: CurrentUser, current: CurrentShift) -> ShiftRead:
    return ShiftRead.model_validate(await presence.check_in(session, user, *current))


@router.post("/shifts/{shift_id}/handover", response_model=HandoverRead, status_code=201)
async def hand_over(
    session: SessionDep,
    user: CurrentUser,
    current: CurrentShift,
    data: HandoverCreate,
    response: Response,
) -> HandoverRead:
    """201 with the new handover; a repeated request answers 200 with the first one."""
    handover, created = await presence.hand_over(session, user, *current, data)
    if not created:
        response.status_code = 200
    return HandoverRead.model_validate(handover)


@router.post("/handovers/{handover_id}/ack", response_model=HandoverRead)
async def acknowledge_handover(
    session: SessionDep, user: CurrentUser, handover_id: PathId
) -> HandoverRead:
    handover, org = await presence.visible_handover(session, user, handover_id)
    return HandoverRead.model_validate(await presence.acknowledge(session, user, handover, org))
