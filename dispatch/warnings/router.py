"""``/api/v1/warnings``: issue, update, lift; answers and feedback; status; CAP."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from dispatch.warnings import answers, cap, feedback, preview, service, status
from dispatch.warnings.batch import AckBatcher, AckRequest
from dispatch.warnings.models import Warning, WarningStatus
from dispatch.warnings.schemas import (
    AckCreate,
    AckFrame,
    FeedbackCreate,
    FeedbackRead,
    PreviewCreate,
    RecipientsPreview,
    WarningCreate,
    WarningRead,
    WarningStats,
    WarningStatusRead,
    WarningUpdate,
)
from service.auth.permissions import Principal
from service.deps import CurrentUser, PageDep, PathId, SessionDep, SettingsDep, require
from service.files.responses import file_response
from service.orgs.models import Org
from service.realtime.ws import Later, op
from service.schemas import MAX_ID, Page, Timestamp

router = APIRouter(prefix="/warnings", tags=["warnings"])


async def current_warning(
    session: SessionDep, user: CurrentUser, warning_id: PathId
) -> tuple[Warning, Org]:
    return await service.get_visible(session, user, warning_id)


CurrentWarning = Annotated[tuple[Warning, Org], Depends(current_warning)]


@router.get("", response_model=Page[WarningRead])
async def list_warnings(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    status: Annotated[WarningStatus | None, Query()] = None,
    exercise: Annotated[bool | None, Query(description="true: drills' only; false: real")] = None,
) -> Page[WarningRead]:
    rows, count = await service.search(
        session, user, status=status, exercise=exercise, limit=page.limit, offset=page.offset
    )
    return Page(data=[WarningRead.model_validate(r) for r in rows], count=count)


@router.post(
    "", response_model=WarningRead, status_code=201, dependencies=[require("warning.write")]
)
async def create_warning(
    session: SessionDep, user: CurrentUser, settings: SettingsDep, data: WarningCreate
) -> WarningRead:
    return WarningRead.model_validate(await service.create(session, user, data, settings))


@router.post(
    "/import-cap",
    response_model=WarningRead,
    status_code=201,
    dependencies=[require("warning.write")],
)
async def import_cap(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    org_id: Annotated[int, Query(ge=1, le=2**31 - 1, description="the issuing org")],
) -> WarningRead:
    """A CAP 1.2 alert (e.g. from the meteorological bureau) as a draft warning."""
    body = await request.body()
    data = cap.parse(body, org_id=org_id)
    return WarningRead.model_validate(await service.create(session, user, data, settings))


@router.post("/preview", response_model=RecipientsPreview, dependencies=[require("warning.write")])
async def preview_recipients(
    session: SessionDep, user: CurrentUser, data: PreviewCreate
) -> RecipientsPreview:
    """Who a draft's people and rules would call now (count, people with org, per township),
    without issuing anything."""
    return await preview.of_draft(session, user, data)


@router.get(
    "/{warning_id}/preview",
    response_model=RecipientsPreview,
    dependencies=[require("warning.write")],
)
async def preview_warning(
    session: SessionDep,
    user: CurrentUser,
    current: CurrentWarning,
    limit: Annotated[int, Query(ge=0, le=10_000)] = 200,
) -> RecipientsPreview:
    """A stored warning's rules resolved now: for a draft, who issuing it would call."""
    warning, issuer = current
    service.ensure_writer(user, issuer)
    return await preview.of_warning(session, user, warning, limit)


@router.get("/summary", response_model=WarningStats)
async def warning_statistics(
    session: SessionDep,
    user: CurrentUser,
    since: Annotated[Timestamp | None, Query(description="issued at or after")] = None,
    until: Annotated[Timestamp | None, Query(description="issued before")] = None,
) -> WarningStats:
    """Real warnings issued in the range, by status and level, and their answers; exercise
    warnings (drills) are never counted."""
    return await status.statistics(session, user, since=since, until=until)


@router.get("/{warning_id}", response_model=WarningStatusRead)
async def get_warning(
    session: SessionDep, user: CurrentUser, current: CurrentWarning
) -> WarningStatusRead:
    """The warning, who was called and where each answer stands, rolled up by township."""
    warning, issuer = current
    return await status.of(session, warning, user, issuer)


@router.patch("/{warning_id}", response_model=WarningRead)
async def update_warning(
    session: SessionDep, user: CurrentUser, current: CurrentWarning, data: WarningUpdate
) -> WarningRead:
    return WarningRead.model_validate(await service.update(session, user, *current, data))


@router.post("/{warning_id}/acks")
async def acknowledge(
    session: SessionDep, user: CurrentUser, current: CurrentWarning, data: AckCreate
) -> dict[str, Any]:
    """The person's answer (or a phone answer recorded for them); repeating it is harmless."""
    answer = await answers.ack(session, user, current[0], data.person_id, data.feedback)
    return vars(answer)


def _feedback_body() -> dict[str, Any]:
    """The request body of ``POST …/feedback`` in OpenAPI: JSON, or the same fields as a form
    with files ``photos``."""
    fields = FeedbackCreate.model_json_schema()
    form = {
        **fields,
        "properties": {
            **fields["properties"],
            "photos": {
                "type": "array",
                "items": {"type": "string", "format": "binary"},
                "description": f"up to {feedback.MAX_PHOTOS} photos: JPEG, PNG or WebP",
            },
        },
    }
    content = {"application/json": {"schema": fields}, "multipart/form-data": {"schema": form}}
    return {"requestBody": {"required": True, "content": content}}


async def feedback_input(
    request: Request, settings: SettingsDep
) -> tuple[FeedbackCreate, list[feedback.Photo]]:
    """A report as JSON, or as multipart/form-data with its photos (field ``photos``)."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        return FeedbackCreate.model_validate_json(await request.body()), []
    form = await request.form(max_files=feedback.MAX_PHOTOS + 1, max_fields=20)
    fields = {k: v for k, v in form.multi_items() if isinstance(v, str) and k != "photos"}
    photos = []
    for key, value in form.multi_items():
        if key == "photos" and not isinstance(value, str):
            data = await value.read(settings.photo_max_bytes + 1)
            photos.append(feedback.Photo(value.filename or "photo", data))
    return FeedbackCreate.model_validate(fields), photos


@router.post(
    "/{warning_id}/feedback",
    response_model=FeedbackRead,
    status_code=201,
    openapi_extra=_feedback_body(),
)
async def add_feedback(
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    current: CurrentWarning,
    given: Annotated[tuple[FeedbackCreate, list[feedback.Photo]], Depends(feedback_input)],
) -> FeedbackRead:
    """跟踪反馈 after answering, as JSON or multipart with photos; the same ``client_id``
    again answers the first report."""
    limits = feedback.Limits(settings.photo_max_bytes, settings.photo_max_pixels)
    return await feedback.add(session, user, current[0], given[0], given[1], limits)


@router.get("/{warning_id}/feedback", response_model=Page[FeedbackRead])
async def list_feedback(
    session: SessionDep, user: CurrentUser, current: CurrentWarning
) -> Page[FeedbackRead]:
    """The reports of the recipients the caller sees (as in ``GET /warnings/{id}``)."""
    sees = await status.recipient_filter(session, current[0], user, current[1])
    rows = await feedback.of(session, current[0], sees)
    return Page(data=rows, count=len(rows))


@router.get("/{warning_id}/feedback/{feedback_id}/photos/{file_id}", response_class=Response)
async def feedback_photo(
    session: SessionDep,
    user: CurrentUser,
    current: CurrentWarning,
    feedback_id: PathId,
    file_id: PathId,
) -> Response:
    """A report's photo, for whoever sees the report."""
    sees = await status.recipient_filter(session, current[0], user, current[1])
    stored, data = await feedback.photo(session, current[0], sees, feedback_id, file_id)
    return file_response(stored, data)


@router.post("/{warning_id}/issue", response_model=WarningRead)
async def issue_warning(
    session: SessionDep, user: CurrentUser, current: CurrentWarning
) -> WarningRead:
    """Issue a draft: its recipients are resolved and called."""
    return WarningRead.model_validate(await service.issue(session, user, *current))


@router.post("/{warning_id}/lift", response_model=WarningRead)
async def lift_warning(
    session: SessionDep, user: CurrentUser, current: CurrentWarning
) -> WarningRead:
    """The danger is over: everyone is told, pending chains stop."""
    warning = await service.end(session, user, *current, WarningStatus.lifted)
    return WarningRead.model_validate(warning)


@router.post("/{warning_id}/cancel", response_model=WarningRead)
async def cancel_warning(
    session: SessionDep, user: CurrentUser, current: CurrentWarning
) -> WarningRead:
    """Issued in error: everyone is told, pending chains stop."""
    warning = await service.end(session, user, *current, WarningStatus.cancelled)
    return WarningRead.model_validate(warning)


@router.get("/{warning_id}/cap", response_class=Response)
async def as_cap(
    session: SessionDep,
    current: CurrentWarning,
    settings: SettingsDep,
) -> Response:
    xml = await cap.render(session, *current, sender=settings.cap_sender)
    return Response(xml, media_type="application/cap+xml")


_ACK_FIELDS = tuple(AckFrame.model_fields)  # an ``ack`` frame's own (not its op and ref)
_PLAIN_ACK = frozenset({"op", "ref", "warning_id", "person_id"})


@op("ack")
def ws_ack(state: Any, principal: Principal, message: dict[str, Any]) -> Later:
    """``{"op": "ack", "warning_id", "person_id", "feedback"?}`` over the WebSocket: through
    the process's answer batcher, replied to once stored."""
    request = _plain_ack(principal, message)
    if request is None:  # anything but two ids in range: AckFrame's rules and problems
        data = AckFrame.model_validate({k: message[k] for k in _ACK_FIELDS if k in message})
        request = AckRequest(principal, data.warning_id, data.person_id, data.feedback)
    batcher: AckBatcher = state.acks
    return Later(batcher.enqueue(request), _acked)


def _plain_ack(principal: Principal, message: dict[str, Any]) -> AckRequest | None:
    """The frame ten thousand phones send at once, two ids and nothing else, taken as it
    is: AckFrame would give the same values, at eight times the cost on the main loop."""
    warning_id, person_id = message.get("warning_id"), message.get("person_id")
    if (
        type(warning_id) is int
        and type(person_id) is int
        and 1 <= warning_id <= MAX_ID
        and 1 <= person_id <= MAX_ID
        and message.keys() <= _PLAIN_ACK
    ):
        return AckRequest(principal, warning_id, person_id)
    return None


def _acked(answer: answers.Answer) -> dict[str, Any]:
    return {"op": "acked", **vars(answer)}
