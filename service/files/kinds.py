"""What a file is, by its content (never by its name), and images made safe to serve: decoded
(so a file that only starts like an image is refused), limited in pixels, turned upright and
written again without their metadata.

Why metadata goes: a phone photo's EXIF carries the GPS position where it was taken, the
device and the time. Photos are served to everyone whose scope covers their owner, and a
person's position is sensitive personal information (PIPL Art. 28, 行踪轨迹); the place a
report is about is already known from the recipient's org or the incident's location. So
nothing of the EXIF, XMP or text chunks is kept; the colour profile is.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError


@dataclass(frozen=True)
class Kind:
    name: str
    media_type: str
    extensions: frozenset[str]
    image: bool = False


KINDS = {
    k.name: k
    for k in (
        Kind("pdf", "application/pdf", frozenset({".pdf"})),
        Kind(
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            frozenset({".docx"}),
        ),
        Kind("png", "image/png", frozenset({".png"}), image=True),
        Kind("jpeg", "image/jpeg", frozenset({".jpg", ".jpeg"}), image=True),
        Kind("webp", "image/webp", frozenset({".webp"}), image=True),
    )
}
PHOTOS = ("jpeg", "png", "webp")
ZIP_LIMIT_ENTRIES = 5000
PIL_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}


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
    """The kind of file the bytes are, by their content; None when not one we know."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"PK\x03\x04") and _is_docx(data):
        return "docx"
    return None


class ImageProblem(ValueError):
    """The image cannot be read (``image_unreadable``) or is too big (``image_too_large``)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def clean_image(data: bytes, kind: str, max_pixels: int) -> tuple[bytes, int, int]:
    """The image decoded, upright, re-encoded in its own format without metadata; with its
    width and height. Raises ImageProblem."""
    try:
        with Image.open(io.BytesIO(data), formats=[PIL_FORMATS[kind]]) as opened:
            width, height = opened.size
            if width * height > max_pixels:
                raise ImageProblem("image_too_large")
            opened.load()
            icc = opened.info.get("icc_profile")
            image = ImageOps.exif_transpose(opened)
    except ImageProblem:
        raise
    except Image.DecompressionBombError:
        raise ImageProblem("image_too_large") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ImageProblem("image_unreadable") from None
    options: dict[str, object] = {"icc_profile": icc} if icc else {}
    if kind == "jpeg":
        if image.mode not in ("RGB", "L", "CMYK"):
            image = image.convert("RGB")
        options |= {"quality": 90}
    elif kind == "webp":
        options |= {"quality": 90}
    out = io.BytesIO()
    image.save(out, PIL_FORMATS[kind], **options)
    return out.getvalue(), image.width, image.height
