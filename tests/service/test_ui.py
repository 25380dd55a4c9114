"""The web UI's files at ``/`` with the history fallback, and ``GET /api/v1/ui-config``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from service.app import create_app
from service.settings import Settings

SHELL = "<!doctype html><title>shell</title><div id=app></div>"


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text(SHELL)
    (root / "assets" / "index-abc123.js").write_text("console.log(1)")
    (root / "manifest.webmanifest").write_text('{"name": "应急"}')
    (tmp_path / "secret.txt").write_text("outside")
    return root


async def ui_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with LifespanManager(app, shutdown_timeout=30):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c


@pytest.fixture
async def client(settings: Settings, dist: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings.ui_dir = dist
    settings.ui_tile_url = "/tiles/{z}/{x}/{y}.png"
    settings.ui_tile_attribution = "© 本地底图"
    async for c in ui_client(settings):
        yield c


async def test_the_shell_answers_at_root_and_every_client_route(
    client: httpx.AsyncClient,
) -> None:
    for path in ("/", "/m", "/login", "/warnings/12", "/m/warnings/3?x=1"):
        r = await client.get(path)
        assert r.status_code == 200, path
        assert r.text == SHELL
        assert r.headers["content-type"].startswith("text/html")
        assert r.headers["cache-control"] == "no-cache"


async def test_built_files_answer_themselves_assets_are_cached_forever(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/assets/index-abc123.js")
    assert r.status_code == 200 and r.text == "console.log(1)"
    assert "immutable" in r.headers["cache-control"]
    r = await client.get("/manifest.webmanifest")
    assert r.status_code == 200 and r.json() == {"name": "应急"}
    assert r.headers["cache-control"] == "no-cache"


async def test_a_missing_file_is_a_404_not_the_shell(client: httpx.AsyncClient) -> None:
    r = await client.get("/assets/gone-123.js")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_nothing_outside_the_build_is_served(client: httpx.AsyncClient) -> None:
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/assets/%2e%2e/%2e%2e/secret.txt"):
        r = await client.get(path)
        assert "outside" not in r.text, path


async def test_api_docs_health_and_unknown_api_paths_keep_their_own_answers(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/api/v1/nothing-here")
    assert r.status_code == 404
    assert r.json()["code"] == "route_not_found"
    assert (await client.get("/healthz")).json()["status"] == "ok"
    assert "swagger" in (await client.get("/docs")).text.lower()
    assert (await client.get("/openapi.json")).json()["info"]["title"] == "Yingji 应急"
    r = await client.post("/m")
    assert r.status_code == 405


async def test_ui_config_tells_the_tiles_without_login(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/ui-config")
    assert r.status_code == 200
    body = r.json()
    assert body["tile_url"] == "/tiles/{z}/{x}/{y}.png"
    assert body["tile_attribution"] == "© 本地底图"
    assert body["timezone"] == "Asia/Shanghai"
    assert body["map_center"] is None


async def test_without_a_build_root_shows_the_placeholder(
    settings: Settings, tmp_path: Path
) -> None:
    settings.ui_dir = tmp_path / "nowhere"
    async for c in ui_client(settings):
        r = await c.get("/")
        assert r.status_code == 200 and "make ui" in r.text
        assert (await c.get("/m")).status_code == 200
        assert (await c.get("/api/v1/ui-config")).json()["tile_url"] is None


def test_a_tile_url_must_be_a_template() -> None:
    with pytest.raises(ValueError, match="tile URL"):
        Settings(ui_tile_url="ftp://x/{z}")
    with pytest.raises(ValueError, match="tile URL"):
        Settings(ui_tile_url="https://tiles.example/plain.png")
    assert Settings(ui_tile_url="").ui_tile_url is None
