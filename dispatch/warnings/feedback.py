"""跟踪反馈: after answering, a recipient reports what was done, any number of times, with
photos from the phone's camera. A report carries the client's id, so a phone that resends
it (a lost reply, an offline queue) makes one report; report and photos are written in one
transaction, or not at all. Photos are files of the shared store (``service.files``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch.warnings import calls, service
from dispatch.warnings.models import Feedback, Recipient, Warning
from dispatch.warnings.schemas import FeedbackCreate, FeedbackRead
from service.auth.permissions import Principal
from service.errors import Conflict, Invalid, NotFound
from service.files import service as files
from service.files.kinds import PHOTOS
from service.files.models import StoredFile
from service.files.schemas import FileRead

OWNER = "warning_feedback"
MAX_PHOTOS = 6  # per report


@dataclass(frozen=True)
class Photo:
    filename: str
    data: bytes


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_pixels: int


def photo_url(warning_id: int, feedback_id: int, file_id: int) -> str:
    return f"/api/v1/warnings/{warning_id}/feedback/{feedback_id}/photos/{file_id}"


async def _recipient(session: AsyncSession, warning: Warning, person_id: int) -> Recipient:
    recipient = (
        await session.exec(
            select(Recipient).where(
                Recipient.warning_id == warning.id, Recipient.person_id == person_id
            )
        )
    ).first()
    if recipient is None:
        raise NotFound("recipient")
    return recipient


async def add(
    session: AsyncSession,
    actor: Principal,
    warning: Warning,
    data: FeedbackCreate,
    photos: list[Photo] | None = None,
    limits: Limits | None = None,
) -> FeedbackRead:
    recipient = await _recipient(session, warning, data.person_id)
    service.may_answer_for(actor, data.person_id, recipient.org_path)
    if recipient.acked_at is None:
        raise Conflict("feedback_before_ack")
    if data.client_id:
        seen = (
            await session.exec(
                select(Feedback).where(
                    Feedback.recipient_id == recipient.id, Feedback.client_id == data.client_id
                )
            )
        ).first()
        if seen is not None:
            return (await reads(session, [seen]))[0]
    photos = photos or []
    if len(photos) > MAX_PHOTOS:
        raise Invalid.field("photos", "too_many_files", max=MAX_PHOTOS)
    row = Feedback(
        warning_id=warning.id or 0,
        recipient_id=recipient.id or 0,
        created_by=actor.user_id,
        **data.model_dump(),
    )
    session.add(row)
    await session.flush()
    for i, photo in enumerate(photos):
        assert limits is not None
        await files.store(
            session,
            owner_type=OWNER,
            owner_id=row.id or 0,
            org_id=recipient.org_id,
            filename=photo.filename,
            data=photo.data,
            kinds=PHOTOS,
            max_bytes=limits.max_bytes,
            max_pixels=limits.max_pixels,
            photos=True,
            check_extension=False,  # a camera names its files as it likes
            created_by=actor.user_id,
            field=f"photos.{i}",
        )
    read = (await reads(session, [row]))[0]
    event = {**calls.summary(warning), **read.model_dump(mode="json")}
    await calls.event(session, "warning.feedback", event, recipient.org_id, recipient.org_path)
    return read


async def reads(session: AsyncSession, rows: list[Feedback]) -> list[FeedbackRead]:
    """The reports with their photos (and the photos' URLs)."""
    photos: dict[int, list[StoredFile]] = {}
    for stored in await files.list_of(session, OWNER, [r.id or 0 for r in rows]):
        photos.setdefault(stored.owner_id, []).append(stored)
    out = []
    for row in rows:
        read = FeedbackRead.model_validate(row)
        read.photos = [
            FileRead.model_validate(
                {**f.model_dump(), "url": photo_url(row.warning_id, row.id or 0, f.id or 0)}
            )
            for f in photos.get(row.id or 0, [])
        ]
        out.append(read)
    return out


async def of(
    session: AsyncSession, warning: Warning, sees: Callable[[Recipient], bool]
) -> list[FeedbackRead]:
    """The reports of the recipients the viewer sees, oldest first."""
    recipients = {r.id: r for r in await service.recipients_of(session, warning) if sees(r)}
    rows = await session.exec(
        select(Feedback).where(Feedback.warning_id == warning.id).order_by(col(Feedback.id))
    )
    return await reads(session, [f for f in rows.all() if f.recipient_id in recipients])


async def photo(
    session: AsyncSession,
    warning: Warning,
    sees: Callable[[Recipient], bool],
    feedback_id: int,
    file_id: int,
) -> tuple[StoredFile, bytes]:
    """One photo, for a viewer who sees the report's recipient; 404 for anyone else."""
    row = await session.get(Feedback, feedback_id)
    recipient = await session.get(Recipient, row.recipient_id) if row else None
    if row is None or row.warning_id != warning.id or recipient is None or not sees(recipient):
        raise NotFound("photo")
    stored = await files.get(session, OWNER, feedback_id, file_id)
    return stored, await files.read(session, stored)
