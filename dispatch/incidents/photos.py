"""Photos of an incident (现场照片): uploaded by the duty room or from the field, checked and
cleaned by the shared file store (``service.files``, owner ``incident``), each upload and
removal a line of the activity log."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch.incidents import log
from dispatch.incidents.models import Incident
from service.auth.permissions import Principal
from service.files import service as files
from service.files.kinds import PHOTOS
from service.files.models import StoredFile
from service.files.schemas import FileRead
from service.orgs.models import Org

OWNER = "incident"


def read_model(stored: StoredFile) -> FileRead:
    url = f"/api/v1/incidents/{stored.owner_id}/photos/{stored.id}"
    return FileRead.model_validate({**stored.model_dump(), "url": url})


async def add(
    session: AsyncSession,
    actor: Principal,
    incident: Incident,
    org: Org,
    *,
    filename: str,
    data: bytes,
    max_bytes: int,
    max_pixels: int,
) -> FileRead:
    stored = await files.store(
        session,
        owner_type=OWNER,
        owner_id=incident.id or 0,
        org_id=org.id,
        filename=filename,
        data=data,
        kinds=PHOTOS,
        max_bytes=max_bytes,
        max_pixels=max_pixels,
        photos=True,
        check_extension=False,
        created_by=actor.user_id,
    )
    photo = read_model(stored)
    data_ = {"photo_id": stored.id, "filename": stored.filename, "url": photo.url}
    await log.append(
        session, actor, incident, org, "photo_added", f"上传照片：{stored.filename}", data_
    )
    return photo


async def of(session: AsyncSession, incident: Incident) -> list[FileRead]:
    return [read_model(f) for f in await files.list_of(session, OWNER, [incident.id or 0])]


async def get(session: AsyncSession, incident: Incident, photo_id: int) -> tuple[StoredFile, bytes]:
    stored = await files.get(session, OWNER, incident.id or 0, photo_id)
    return stored, await files.read(session, stored)


async def delete(
    session: AsyncSession, actor: Principal, incident: Incident, org: Org, photo_id: int
) -> None:
    stored = await files.get(session, OWNER, incident.id or 0, photo_id)
    data = {"photo_id": stored.id, "filename": stored.filename}
    await files.delete(session, stored)
    await log.append(
        session, actor, incident, org, "photo_removed", f"删除照片：{stored.filename}", data
    )
