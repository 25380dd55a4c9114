"""The web UI: its settings for the browser (``GET /api/v1/ui-config``) and the built
files of ``frontend/`` served at ``/`` with the single-page history fallback.

Client routes (``/m``, ``/warnings/7`` …) answer ``index.html``; files under ``dist/``
answer themselves; the API, ``/ws``, ``/docs`` and health keep their own routes, and an
unknown ``/api/…`` path stays a problem+json 404.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from service import __version__
from service.deps import SettingsDep

DEFAULT_DIST = Path(__file__).resolve().parents[1] / "frontend" / "dist"
# paths the UI never answers: an unknown one there is a 404, not the app shell
RESERVED = ("api/", "ws", "docs", "redoc", "openapi.json", "healthz", "readyz", "metrics")

PLACEHOLDER = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>应急 Yingji</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}
</style></head><body>
<h1>应急 Yingji</h1>
<p>界面尚未构建：运行 <code>make ui</code>（或 <code>make run</code>）。</p>
<p>The web UI is not built yet: run <code>make ui</code> (or <code>make run</code>).</p>
<p><a href="/docs">API 文档 / API documentation</a></p>
<p><small>version {version}</small></p>
</body></html>"""

router = APIRouter(tags=["ui"])


class UiConfig(BaseModel):
    version: str
    timezone: str
    tile_url: str | None
    tile_attribution: str | None
    tile_max_zoom: int
    map_center: tuple[float, float] | None
    map_zoom: int


@router.get("/ui-config", response_model=UiConfig)
async def ui_config(settings: SettingsDep) -> UiConfig:
    """What the browser needs before login: the map tiles (none: a plain background)."""
    return UiConfig(
        version=__version__,
        timezone=settings.timezone,
        tile_url=settings.ui_tile_url,
        tile_attribution=settings.ui_tile_attribution,
        tile_max_zoom=settings.ui_tile_max_zoom,
        map_center=settings.ui_map_center,
        map_zoom=settings.ui_map_zoom,
    )


def _inside(root: Path, relative: str) -> Path | None:
    """The file ``relative`` names under ``root``, or None (missing, or outside it)."""
    try:
        path = (root / relative).resolve()
    except (OSError, ValueError):
        return None
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


def mount(app: FastAPI, dist: Path | None) -> None:
    """Serve the built UI from ``dist`` (``frontend/dist`` by default) at ``/``; register
    after every other route."""
    root = (dist or DEFAULT_DIST).resolve()

    @app.get("/", include_in_schema=False)
    async def index() -> Response:
        page = root / "index.html"
        if not page.is_file():
            return HTMLResponse(PLACEHOLDER.replace("{version}", __version__))
        return FileResponse(page, headers={"Cache-Control": "no-cache"})

    @app.get("/{path:path}", include_in_schema=False)
    async def spa(request: Request, path: str) -> Response:
        if path.startswith(RESERVED) or "\x00" in path:
            raise StarletteHTTPException(404)
        found = _inside(root, path)
        if found is not None:
            immutable = path.startswith("assets/")  # hashed names: cache forever
            cache = "public, max-age=31536000, immutable" if immutable else "no-cache"
            return FileResponse(found, headers={"Cache-Control": cache})
        if "." in path.rsplit("/", 1)[-1]:
            raise StarletteHTTPException(404)  # a missing file, not a client route
        return await index()
