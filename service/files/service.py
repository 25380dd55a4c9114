"""Store, list, read and delete files of an owner. Services, like every other: the session
first, flush and never commit; the owning domain checks who may do it and records it.

Every file is recognised by its content and must be one of the kinds the caller allows;
the name's extension must agree when ``check_extension``. Images that are ``photos`` are
decoded and written again without metadata (see ``kinds``)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Collection
from pathlib import PurePath

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from service.errors import Invalid, NotFound
from service.files.kinds import KINDS, ImageProblem, clean_image, sniff
from service.files.models import StoredFile, StoredFileData
from service.i18n import register

register(
    {
        "attachment_too_large": ("文件不能超过 {max} 字节", "A file may have at most {max} bytes"),
        "attachment_type": (
            "只允许 {kinds} 文件（按文件内容识别）",
            "Only {kinds} files are allowed (recognised by their content)",
        ),
        "attachment_extension": (
            "文件扩展名与内容（{kind}）不符",
            "The file name's extension does not match its content ({kind})",
        ),
        "attachment_empty": ("文件为空", "The file is empty"),
        "image_unreadable": ("图片无法识别或已损坏", "The image cannot be read"),
        "image_too_large": (
            "图片像素过多（最多 {max} 像素）",
            "The image has too many pixels (at most {max})",
        ),
        "too_many_files": ("一次最多上传 {max} 个文件", "At most {max} files at a time"),
    }
)


def clean_name(filename: str) -> str:
    name = PurePath(filename.replace("\\", "/")).name.strip()
    return "".join(c for c in name if c.isprintable())[:200] or "file"


def kinds_label(kinds: Collection[str]) -> str:
    return "、".join(k.upper() for k in kinds)


async def store(
    session: AsyncSession,
    *,
    owner_type: str,
    owner_id: int,
    org_id: int | None,
    filename: str,
    data: bytes,
    kinds: Collection[str],
    max_bytes: int,
    max_pixels: int = 50_000_000,
    photos: bool = False,
    check_extension: bool = True,
    created_by: int | None = None,
    field: str = "file",
) -> StoredFile:
    """Check and keep one file; 422 naming ``field`` (or ``filename``) when it breaks a rule."""
    if not data:
        raise Invalid.field(field, "attachment_empty")
    if len(data) > max_bytes:
        raise Invalid.field(field, "attachment_too_large", max=max_bytes)
    kind_name = sniff(data)
    if kind_name is None or kind_name not in kinds:
        raise Invalid.field(field, "attachment_type", kinds=kinds_label(kinds))
    kind = KINDS[kind_name]
    name = clean_name(filename)
    if check_extension and PurePath(name).suffix.lower() not in kind.extensions:
        raise Invalid.field("filename", "attachment_extension", kind=kind_name)
    width = height = None
    if photos and kind.image:
        try:
            data, width, height = await asyncio.to_thread(clean_image, data, kind_name, max_pixels)
        except ImageProblem as problem:
            raise Invalid.field(field, problem.code, max=max_pixels) from None
    if not PurePath(name).suffix:
        name = f"{name}{sorted(kind.extensions)[-1]}"
    stored = StoredFile(
        owner_type=owner_type,
        owner_id=owner_id,
        org_id=org_id,
        filename=name,
        media_type=kind.media_type,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        width=width,
        height=height,
        created_by=created_by,
    )
    session.add(stored)
    await session.flush()
    session.add(StoredFileData(file_id=stored.id or 0, data=data))
    await session.flush()
    return stored


async def list_of(session: AsyncSession, owner_type: str, owner_ids: list[int]) -> list[StoredFile]:
    """The files of these owners, oldest first (without their bytes)."""
    if not owner_ids:
        return []
    rows = await session.exec(
        select(StoredFile)
        .where(StoredFile.owner_type == owner_type, col(StoredFile.owner_id).in_(owner_ids))
        .order_by(col(StoredFile.id))
    )
    return list(rows.all())


async def get(session: AsyncSession, owner_type: str, owner_id: int, file_id: int) -> StoredFile:
    """One file of this owner; 404 for any other."""
    found = await session.get(StoredFile, file_id)
    if found is None or found.owner_type != owner_type or found.owner_id != owner_id:
        raise NotFound("file")
    return found


async def read(session: AsyncSession, stored: StoredFile) -> bytes:
    data = await session.scalar(
        select(StoredFileData.data).where(StoredFileData.file_id == stored.id)
    )
    if data is None:
        raise NotFound("file")
    return bytes(data)


async def delete(session: AsyncSession, stored: StoredFile) -> None:
    await session.exec(sa.delete(StoredFileData).where(col(StoredFileData.file_id) == stored.id))
    await session.delete(stored)
    await session.flush()
