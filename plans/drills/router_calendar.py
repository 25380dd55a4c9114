"""``/api/v1/drills/compliance``, ``/api/v1/drills/calendar.ics`` and
``/api/v1/drills/actions`` (registered before the ``/drills/{drill_id}`` routes)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from plans.drills import actions as corrective
from plans.drills import calendar, compliance, service
from plans.drills.models import ActionStatus
from plans.drills.schemas import ActionRead, Compliance
from rosters import ical
from service.db import utcnow
from service.deps import CurrentUser, PageDep, QueryId, SessionDep, SettingsDep, oauth2
from service.errors import Invalid
from service.orgs import service as orgs
from service.people import service as people
from service.schemas import Page

router = APIRouter(prefix="/drills", tags=["drills"])


@router.get("/compliance", response_model=Compliance)
async def drill_compliance(
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="default: this year")] = None,
    org_id: QueryId = None,
) -> Compliance:
    """Per org and plan: ``met``, ``due``, ``due_soon`` or ``overdue`` against each drill
    rule (listed with their sources), for the year asked, in ``org_id``'s subtree."""
    within = await orgs.get_visible(session, user.scope("drill.read"), org_id) if org_id else None
    today = utcnow().astimezone(settings.zone).date()
    return await compliance.check(
        session,
        user,
        year=year or today.year,
        within=within,
        soon_days=settings.drill_due_soon_days,
        today=today,
    )


@router.get("/actions", response_model=Page[ActionRead])
async def all_actions(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    status: ActionStatus | None = None,
    overdue: bool | None = None,
    org_id: QueryId = None,
    owner_person_id: QueryId = None,
) -> Page[ActionRead]:
    """Corrective actions across the drills the caller sees, the earliest due first (the
    整改 tracking list); ``overdue=true``: open and past their due date."""
    rows, count = await corrective.search(
        session,
        user,
        status=status,
        overdue=overdue,
        org_id=org_id,
        owner_person_id=owner_person_id,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(data=rows, count=count)


@router.get("/calendar.ics", name="drill_calendar", response_class=Response)
async def drill_calendar(
    request: Request,
    session: SessionDep,
    token: Annotated[str | None, Depends(oauth2)],
    settings: SettingsDep,
    org_id: QueryId = None,
    person_id: QueryId = None,
    feed: Annotated[str | None, Query(max_length=100)] = None,
    days: Annotated[int, Query(ge=1, le=800)] = 400,
) -> Response:
    """Drills organised in an org's subtree, or those a person takes part in, from 90 days
    ago to ``days`` ahead. Authenticated by the bearer token or the secret ``feed`` of a
    calendar URL (``POST /duty/calendar/feed``; the same secret serves both calendars)."""
    user = await ical.caller(
        session, feed=feed, bearer=token, secret=settings.resolved_secret_key()
    )
    if (org_id is None) == (person_id is None):
        raise Invalid.field("org_id", "calendar_one_of")
    if org_id is not None:
        org = await orgs.get_visible(session, user.scope("drill.read"), org_id)
        name = f"{org.name} 应急演练"
    else:
        person, _ = await people.get_visible(session, user.scope("person.read"), person_id or 0)
        name = f"{person.name} 应急演练"
    now = utcnow()
    rows, _ = await service.search(
        session,
        user,
        start=now - timedelta(days=90),
        end=now + timedelta(days=days),
        org_id=org_id,
        person_id=person_id,
        limit=5000,
        offset=0,
    )
    body = await calendar.render(session, rows, name=name, host=request.url.hostname or "yingji")
    return Response(body, media_type="text/calendar; charset=utf-8")
