"""``/api/v1/plans``: the plan library, versions, workflow, diff, print view, attachments
and review dates. Thin: parse, resolve the plan once, call one service function."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlmodel import select

from plans.library import (
    attachments,
    diff,
    filings,
    jobs,
    printview,
    reviews,
    service,
    versions,
)
from plans.library import workflow as flow
from plans.library.models import Plan, PlanHazard, PlanKind, PlanVersion, VersionStatus
from plans.library.schemas import (
    Actions,
    AttachmentRead,
    Decision,
    Evaluation,
    Filing,
    FilingItem,
    PlanCreate,
    PlanRead,
    PlanUpdate,
    ReviewItem,
    VersionCreate,
    VersionDiff,
    VersionRead,
    VersionSummary,
    VersionUpdate,
    Withdrawal,
)
from service.deps import CurrentUser, PageDep, PathId, SessionDep, SettingsDep, require
from service.errors import Invalid, NotFound
from service.files import service as files
from service.files.responses import file_response
from service.orgs.models import Org
from service.people.models import Person
from service.schemas import MAX_ID, Page

assert jobs  # the clock handlers register on import
router = APIRouter(prefix="/plans", tags=["plans"])

Number = Annotated[int, Path(ge=1, le=MAX_ID, description="version number")]


async def current_plan(session: SessionDep, user: CurrentUser, plan_id: PathId) -> tuple[Plan, Org]:
    return await service.get_visible(session, user, plan_id)


CurrentPlan = Annotated[tuple[Plan, Org], Depends(current_plan)]


async def current_version(
    session: SessionDep, current: CurrentPlan, number: Number
) -> tuple[Plan, Org, PlanVersion]:
    plan, org = current
    return plan, org, await versions.get(session, plan, number)


CurrentVersion = Annotated[tuple[Plan, Org, PlanVersion], Depends(current_version)]


@router.get("", response_model=Page[PlanRead])
async def list_plans(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    hazard: PlanHazard | None = None,
    kind: PlanKind | None = None,
    org_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    status: Annotated[VersionStatus | None, Query(description="of the latest version")] = None,
) -> Page[PlanRead]:
    rows, count = await service.search(
        session,
        user,
        hazard=hazard,
        kind=kind,
        org_id=org_id,
        q=q.replace("\x00", "") if q else None,
        status=status,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(data=[PlanRead.model_validate(r) for r in rows], count=count)


@router.post("", response_model=PlanRead, status_code=201, dependencies=[require("plan.write")])
async def create_plan(session: SessionDep, user: CurrentUser, data: PlanCreate) -> PlanRead:
    """A plan and its first draft (version 1, with ``content`` if given)."""
    return PlanRead.model_validate(await service.create(session, user, data))


@router.get("/reviews", response_model=Page[ReviewItem])
async def reviews_due(
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    page: PageDep,
    within_days: Annotated[int | None, Query(ge=0, le=3660)] = None,
) -> Page[ReviewItem]:
    """Published plans due for evaluation within ``within_days`` (default 90) or overdue."""
    days = settings.plan_review_notice_days if within_days is None else within_days
    rows, count = await reviews.due(
        session, user, within_days=days, limit=page.limit, offset=page.offset
    )
    return Page(data=rows, count=count)


@router.get("/filings", response_model=Page[FilingItem])
async def filings_due(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    overdue: bool | None = None,
    org_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Page[FilingItem]:
    """Approved versions waiting for their filing (备案), the earliest due first."""
    rows, count = await filings.due(
        session, user, overdue=overdue, org_id=org_id, limit=page.limit, offset=page.offset
    )
    return Page(data=rows, count=count)


@router.get("/{plan_id}", response_model=PlanRead)
async def get_plan(current: CurrentPlan) -> PlanRead:
    return PlanRead.model_validate(current[0])


@router.patch("/{plan_id}", response_model=PlanRead)
async def update_plan(
    session: SessionDep, user: CurrentUser, current: CurrentPlan, data: PlanUpdate
) -> PlanRead:
    return PlanRead.model_validate(await service.update(session, user, *current, data))


@router.get("/{plan_id}/actions", response_model=Actions)
async def plan_actions(session: SessionDep, user: CurrentUser, current: CurrentPlan) -> Actions:
    """What the caller may do with the plan: ``update``, ``new_version``, ``evaluate``."""
    return Actions(actions=await flow.plan_actions(session, user, *current))


@router.post("/{plan_id}/evaluations", response_model=PlanRead, status_code=201)
async def evaluate_plan(
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    current: CurrentPlan,
    data: Evaluation,
) -> PlanRead:
    """An evaluation was held (评估): the next review date moves on."""
    years = flow.Rules.of(settings).years_for(current[0].kind)
    return PlanRead.model_validate(await reviews.evaluate(session, user, *current, data, years))


@router.get("/{plan_id}/versions", response_model=Page[VersionSummary])
async def list_versions(session: SessionDep, current: CurrentPlan) -> Page[VersionSummary]:
    rows = await versions.list_of(session, current[0])
    return Page(data=[VersionSummary.model_validate(r) for r in rows], count=len(rows))


@router.post("/{plan_id}/versions", response_model=VersionRead, status_code=201)
async def create_version(
    session: SessionDep, user: CurrentUser, current: CurrentPlan, data: VersionCreate
) -> VersionRead:
    """A new draft, from ``content`` or a copy of ``copy_from`` (default the latest);
    revising a published plan needs ``revision_triggers``."""
    return VersionRead.model_validate(await versions.create(session, user, *current, data))


@router.get("/{plan_id}/versions/{number}", response_model=VersionRead)
async def get_version(current: CurrentVersion) -> VersionRead:
    return VersionRead.model_validate(current[2])


@router.patch("/{plan_id}/versions/{number}", response_model=VersionRead)
async def update_version(
    session: SessionDep, user: CurrentUser, current: CurrentVersion, data: VersionUpdate
) -> VersionRead:
    """Only a draft changes; a submitted version answers 409 ``plan_version_locked``."""
    return VersionRead.model_validate(await versions.update(session, user, *current, data))


@router.get("/{plan_id}/versions/{number}/actions", response_model=Actions)
async def version_actions(
    session: SessionDep, user: CurrentUser, settings: SettingsDep, current: CurrentVersion
) -> Actions:
    """The workflow steps the caller may take now (``edit``, ``submit``, ``approve``,
    ``reject``, ``file``, ``publish``, ``withdraw``), by the rules the steps apply."""
    _plan, org, version = current
    rules = flow.Rules.of(settings)
    return Actions(actions=await flow.version_actions(session, user, org, version, rules))


@router.post("/{plan_id}/versions/{number}/submit", response_model=VersionRead)
async def submit(session: SessionDep, user: CurrentUser, current: CurrentVersion) -> VersionRead:
    return VersionRead.model_validate(await flow.submit(session, user, *current))


@router.post("/{plan_id}/versions/{number}/approve", response_model=VersionRead)
async def approve(
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    current: CurrentVersion,
    data: Decision | None = None,
) -> VersionRead:
    rules = flow.Rules.of(settings)
    note = data.note if data else None
    return VersionRead.model_validate(await flow.approve(session, user, *current, rules, note))


@router.post("/{plan_id}/versions/{number}/reject", response_model=VersionRead)
async def reject(
    session: SessionDep, user: CurrentUser, current: CurrentVersion, data: Decision | None = None
) -> VersionRead:
    note = data.note if data else None
    return VersionRead.model_validate(await flow.reject(session, user, *current, note))


@router.post("/{plan_id}/versions/{number}/file", response_model=VersionRead)
async def file_version(
    session: SessionDep, user: CurrentUser, current: CurrentVersion, data: Filing
) -> VersionRead:
    """备案, recorded by a user of the parent org."""
    return VersionRead.model_validate(await flow.file(session, user, *current, data))


@router.post("/{plan_id}/versions/{number}/publish", response_model=VersionRead)
async def publish(
    session: SessionDep, user: CurrentUser, settings: SettingsDep, current: CurrentVersion
) -> VersionRead:
    rules = flow.Rules.of(settings)
    return VersionRead.model_validate(await flow.publish(session, user, *current, rules))


@router.post("/{plan_id}/versions/{number}/withdraw", response_model=VersionRead)
async def withdraw(
    session: SessionDep, user: CurrentUser, current: CurrentVersion, data: Withdrawal
) -> VersionRead:
    return VersionRead.model_validate(await flow.withdraw(session, user, *current, data.reason))


@router.get("/{plan_id}/versions/{number}/diff", response_model=VersionDiff)
async def diff_versions(
    session: SessionDep,
    current: CurrentVersion,
    against: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> VersionDiff:
    """What changed from version ``against`` (default: the one before) to this one."""
    plan, _org, version = current
    other = against if against is not None else version.number - 1
    if other < 1:
        raise Invalid.field("against", "plan_version_unknown")
    try:
        old = await versions.get(session, plan, other)
    except NotFound:
        raise Invalid.field("against", "plan_version_unknown") from None
    return diff.compare(plan, version, old)


@router.get("/{plan_id}/versions/{number}/print", response_class=HTMLResponse)
async def print_version(session: SessionDep, current: CurrentVersion) -> HTMLResponse:
    """The handbook: sections and one action card per response level (zh-CN, print CSS)."""
    plan, org, version = current
    ids = {
        role["person_id"]
        for level in version.content.get("levels", [])
        for role in level.get("command", [])
        if role.get("person_id")
    }
    names: dict[int, str] = {}
    if ids:
        rows = await session.exec(select(Person).where(Person.id.in_(sorted(ids))))  # type: ignore[union-attr]
        names = {p.id or 0: p.name for p in rows.all()}
    return HTMLResponse(printview.render(plan, org, version, names))


@router.get("/{plan_id}/versions/{number}/attachments", response_model=Page[AttachmentRead])
async def list_attachments(session: SessionDep, current: CurrentVersion) -> Page[AttachmentRead]:
    rows = await attachments.list_of(session, current[2])
    return Page(data=rows, count=len(rows))


@router.post(
    "/{plan_id}/versions/{number}/attachments", response_model=AttachmentRead, status_code=201
)
async def add_attachment(
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    current: CurrentVersion,
    file: UploadFile,
) -> AttachmentRead:
    """A PDF, DOCX, PNG or JPEG (multipart field ``file``), checked by its content."""
    limit = settings.plan_attachment_max_bytes
    data = await file.read(limit + 1)
    return await attachments.add(
        session, user, *current, filename=file.filename or "file", data=data, max_bytes=limit
    )


@router.get("/{plan_id}/versions/{number}/attachments/{attachment_id}", response_class=Response)
async def download_attachment(
    session: SessionDep, current: CurrentVersion, attachment_id: PathId
) -> Response:
    attachment = await attachments.get(session, current[2], attachment_id)
    return file_response(attachment, await files.read(session, attachment))


@router.delete("/{plan_id}/versions/{number}/attachments/{attachment_id}", status_code=204)
async def delete_attachment(
    session: SessionDep, user: CurrentUser, current: CurrentVersion, attachment_id: PathId
) -> Response:
    _plan, org, version = current
    attachment = await attachments.get(session, version, attachment_id)
    await attachments.delete(session, user, org, version, attachment)
    return Response(status_code=204)
