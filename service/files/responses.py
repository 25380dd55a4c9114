"""How routes answer with a stored file: its own media type, never sniffed by the browser,
images inline and other files as a download."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.responses import Response

from service.files.models import StoredFile


def file_response(stored: StoredFile, data: bytes) -> Response:
    name = quote(stored.filename, safe="")
    disposition = "inline" if stored.media_type.startswith("image/") else "attachment"
    return Response(
        data,
        media_type=stored.media_type,
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{name}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=3600",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )
