"""Browser tests: Debian's Chromium driven by Playwright against a real ``yingji serve``
with the demo county loaded and short answer deadlines.

Never ``playwright install``: the browser is ``/usr/bin/chromium`` (``make chromium``).
Screenshots of each screen go to ``docs/screenshots/``.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from service.demo.county import DEMO_PASSWORD
from service.migrate import upgrade
from tests.conftest import PG_SERVER_URL, pg_admin, pg_dsn
from tests.factories import SECRET
from tests.service.realtime.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
SHOTS = ROOT / "docs" / "screenshots"
DESKTOP = {"width": 1920, "height": 1080}
PHONE = {"width": 360, "height": 740}
RESPOND_S = 20  # every level's answer deadline on this server: short, with room for a slow CI

if not (ROOT / "frontend" / "dist" / "index.html").is_file():
    raise RuntimeError("tests/e2e need the built UI: run `make ui` (make test does)")
if not Path(CHROMIUM).exists():
    raise RuntimeError(f"tests/e2e need {CHROMIUM}: run `make chromium` (make test does)")


@dataclass
class Server:
    base: str
    process: subprocess.Popen[bytes]
    log: Path
    tokens: dict[str, str] = field(default_factory=dict)

    def token(self, username: str, password: str = DEMO_PASSWORD) -> str:
        if username not in self.tokens:
            r = httpx.post(
                f"{self.base}/api/v1/auth/token", data={"username": username, "password": password}
            )
            r.raise_for_status()
            self.tokens[username] = r.json()["access_token"]
        return self.tokens[username]

    def api(self, method: str, path: str, user: str = "admin", **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token(user)}"}
        r = httpx.request(
            method, f"{self.base}/api/v1{path}", headers=headers, timeout=30, **kwargs
        )
        assert r.status_code < 400, f"{method} {path}: {r.status_code} {r.text}"
        return r.json() if r.content else None

    def org(self, name: str) -> dict[str, Any]:
        found = self.api("GET", "/orgs", params={"q": name})["data"]
        return next(o for o in found if o["name"] == name)

    def person_of(self, username: str) -> int:
        me = httpx.get(
            f"{self.base}/api/v1/auth/me",
            headers={"Authorization": f"Bearer {self.token(username)}"},
        ).json()
        return int(me["person_id"])


def _database(tmp: Path) -> tuple[str, str | None]:
    """A database of this module's own (url, PostgreSQL name to drop)."""
    if PG_SERVER_URL:
        name = f"yingji_e2e_{uuid.uuid4().hex[:10]}"
        asyncio.run(pg_admin(f'CREATE DATABASE "{name}"'))
        url = pg_dsn(PG_SERVER_URL, name)
    else:
        url, name = f"sqlite:///{tmp / 'yingji.db'}", None
    upgrade(url)
    return url, name


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("e2e")
    url, pg_name = _database(tmp)
    env = {
        **os.environ,
        "YINGJI_DATABASE_URL": url,
        "YINGJI_SECRET_KEY": SECRET,
        "YINGJI_DATA_DIR": str(tmp),
        "YINGJI_CLOCK_TICK_S": "0.2",
        "YINGJI_OUTBOX_POLL_S": "0.2",
        "YINGJI_WARNING_RECALL_COUNT": "0",
        **{
            f"YINGJI_WARNING_RESPOND_{lv}_S": str(RESPOND_S)
            for lv in ("RED", "ORANGE", "YELLOW", "BLUE")
        },
        "PYTHONPATH": str(ROOT),
    }
    env.pop("YINGJI_REDIS_URL", None)
    subprocess.run(
        [str(BIN / "yingji"), "demo"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    port = free_port()
    log = tmp / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(BIN / "yingji"), "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180  # a loaded machine (several suites at once) starts slowly
    while True:
        try:
            if httpx.get(f"{base}/readyz").status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise RuntimeError(f"yingji serve did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)
    try:
        yield Server(base, process, log)
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if pg_name:
            asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))


@dataclass
class Browsers:
    browser: Browser
    server: Server
    contexts: list[BrowserContext] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # page errors and missing translations

    async def page(self, viewport: dict[str, int], **options: Any) -> Page:
        context = await self.browser.new_context(
            viewport=viewport, base_url=self.server.base, **options
        )
        self.contexts.append(context)
        page = await context.new_page()
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on(
            "console",
            lambda m: self.problems.append(m.text) if "[i18n]" in m.text else None,
        )
        return page

    async def login(
        self, page: Page, username: str, path: str = "/", password: str = DEMO_PASSWORD
    ) -> None:
        await page.goto(f"/login?next={quote(path, safe='/')}")
        await page.fill("input[name=username]", username)
        await page.fill("input[name=password]", password)
        await page.click("button[type=submit]")
        await page.wait_for_url(f"**{path}")
        await page.wait_for_selector("[data-testid=connection][data-state=live]")


@pytest.fixture
async def browsers(server: Server) -> AsyncIterator[Browsers]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        out = Browsers(browser, server)
        try:
            yield out
        finally:
            for context in out.contexts:
                await context.close()
            await browser.close()
        assert out.problems == [], out.problems


async def shot(page: Page, name: str, full_page: bool = False) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)
