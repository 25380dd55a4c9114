"""Attachments of a version: PDF, DOCX, PNG and JPEG, recognised by their content (the
name's extension must agree), at most ``plan_attachment_max_bytes``; kept in the
database. Only a draft takes new attachments or loses them."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import PurePath

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from plans.library import service, versions
from plans.library.models import Plan, PlanAttachment, PlanVersion
from plans.library.schemas import AttachmentRead
from service.auth.permissions import Principal
from service.errors import Invalid, NotFound
from service.orgs.models import Org
from service.schemas import dump

KINDS = {
    "pdf": ("application/pdf", {".pdf"}),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        {".docx"},
    ),
    "png": ("image/png", {".png"}),
    "jpeg": ("image/jpeg", {".jpg", ".jpeg"}),
}
ZIP_LIMIT_ENTRIES = 5000


def _is_docx(data: bytes) -> bool:
    """A ZIP package with a WordprocessingML main part (not just any ZIP, not a .xlsx)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = z.namelist()
            if len(names) > ZIP_LIMIT_ENTRIES or "[Content_Types].xml" not in names:
                return False
            types = z.read("[Content_Types].xml")[:200_000]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, ValueError, OSError):
        return False
    return "word/document.xml" in names and b"wordprocessingml.document.main" in types


def sniff(data: bytes) -> str | None:
    """The kind of file the bytes are, by their content; None when not an allowed kind."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"PK\x03\x04") and _is_docx(data):
        return "docx"
    return None


def clean_name(filename: str) -> str:
    name = PurePath(filename.replace("\\", "/")).name.strip()
    return "".join(c for c in name if c.isprintable())[:200] or "file"


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
) -> PlanAttachment:
    service.may(actor, org)
    await versions.ensure_draft(session, version)
    if not data:
        raise Invalid.field("file", "attachment_empty")
    if len(data) > max_bytes:
        raise Invalid.field("file", "attachment_too_large", max=max_bytes)
    kind = sniff(data)
    if kind is None:
        raise Invalid.field("file", "attachment_type")
    name = clean_name(filename)
    media_type, extensions = KINDS[kind]
    if PurePath(name).suffix.lower() not in extensions:
        raise Invalid.field("filename", "attachment_extension", kind=kind)
    attachment = PlanAttachment(
        version_id=version.id or 0,
        filename=name,
        media_type=media_type,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
        created_by=actor.user_id,
    )
    session.add(attachment)
    await session.flush()
    after = dump(AttachmentRead.model_validate(attachment))
    await service.record(
        session, actor, org, "plan_attachment", "created", attachment.id, None, after
    )
    return attachment


async def list_of(session: AsyncSession, version: PlanVersion) -> list[AttachmentRead]:
    """Without the files' bytes."""
    table = PlanAttachment.__table__  # type: ignore[attr-defined]
    columns = [c for c in table.columns if c.name != "data"]
    rows = await session.execute(
        sa.select(*columns).where(table.c.version_id == version.id).order_by(table.c.id)
    )
    return [AttachmentRead.model_validate(dict(r)) for r in rows.mappings().all()]


async def get(session: AsyncSession, version: PlanVersion, attachment_id: int) -> PlanAttachment:
    attachment = await session.get(PlanAttachment, attachment_id)
    if attachment is None or attachment.version_id != version.id:
        raise NotFound("attachment")
    return attachment


async def delete(
    session: AsyncSession,
    actor: Principal,
    org: Org,
    version: PlanVersion,
    attachment: PlanAttachment,
) -> None:
    service.may(actor, org)
    await versions.ensure_draft(session, version)
    before = dump(AttachmentRead.model_validate(attachment))
    await session.delete(attachment)
    await session.flush()
    await service.record(
        session, actor, org, "plan_attachment", "deleted", before["id"], before, None
    )
