"""Attachments of a version: PDF, DOCX, PNG and JPEG, recognised by their content (the
name's extension must agree), at most ``plan_attachment_max_bytes``; kept byte for byte in
the shared file store (``service.files``, owner ``plan_version``). Only a draft takes new
attachments or loses them."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from plans.library import service, versions
from plans.library.models import Plan, PlanVersion
from plans.library.schemas import AttachmentRead
from service.auth.permissions import Principal
from service.files import service as files
from service.files.models import StoredFile
from service.orgs.models import Org
from service.schemas import dump

OWNER = "plan_version"
KINDS = ("pdf", "docx", "png", "jpeg")


def read_model(stored: StoredFile) -> AttachmentRead:
    return AttachmentRead.model_validate({**stored.model_dump(), "version_id": stored.owner_id})


async def add(
    session: AsyncSession,
    actor: Principal,
    plan: Plan,
    org: Org,
    version: PlanVersion,
    *,
    filename: str,
    data: bytes,
    max_bytes: int,
) -> AttachmentRead:
    service.may(actor, org)
    await versions.ensure_draft(session, version)
    stored = await files.store(
        session,
        owner_type=OWNER,
        owner_id=version.id or 0,
        org_id=org.id,
        filename=filename,
        data=data,
        kinds=KINDS,
        max_bytes=max_bytes,
        created_by=actor.user_id,
    )
    attachment = read_model(stored)
    await service.record(
        session, actor, org, "plan_attachment", "created", stored.id, None, dump(attachment)
    )
    return attachment


async def list_of(session: AsyncSession, version: PlanVersion) -> list[AttachmentRead]:
    """Without the files' bytes."""
    return [read_model(f) for f in await files.list_of(session, OWNER, [version.id or 0])]


async def get(session: AsyncSession, version: PlanVersion, attachment_id: int) -> StoredFile:
    return await files.get(session, OWNER, version.id or 0, attachment_id)


async def delete(
    session: AsyncSession,
    actor: Principal,
    org: Org,
    version: PlanVersion,
    attachment: StoredFile,
) -> None:
    service.may(actor, org)
    await versions.ensure_draft(session, version)
    before = dump(read_model(attachment))
    await files.delete(session, attachment)
    await service.record(
        session, actor, org, "plan_attachment", "deleted", before["id"], before, None
    )
