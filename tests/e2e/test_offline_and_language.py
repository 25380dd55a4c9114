"""A phone that loses the network keeps its answer and sends it once when back; the UI is
zh-CN by default and every visible label changes when switched to English."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.async_api import Page, expect

from tests.e2e.conftest import DESKTOP, PHONE, Browsers, Server, shot

CJK = re.compile(r"[\u3400-\u9fff]")


def issue(server: Server, person_ids: list[int], title: str) -> int:
    county = server.org("阳城县")
    body = {
        "org_id": county["id"],
        "hazard": "rainstorm",
        "level": "yellow",
        "title": title,
        "content": "预计未来3小时有强降雨。",
        "instruction": "加强巡查，回复收到。",
        "rules": [{"rule": "people", "person_ids": person_ids}],
        "expires_at": (datetime.now(UTC) + timedelta(hours=2)).isoformat(),
        "respond_within_s": 1800,
    }
    return int(server.api("POST", "/warnings", user="duty", json=body)["id"])


def acked_events(server: Server, warning_id: int, person_id: int) -> int:
    seen, since = 0, 0
    while True:
        page = server.api(
            "GET", "/events", params={"since": since, "topic": "warnings", "limit": 500}
        )
        for e in page["data"]:
            if (
                e["type"] == "warning.acked"
                and e["data"]["warning_id"] == warning_id
                and e["data"]["person_id"] == person_id
            ):
                seen += 1
        if not page["data"]:
            return seen
        since = page["last_seq"]


async def test_an_answer_made_offline_is_sent_once_on_reconnect(
    browsers: Browsers, server: Server
) -> None:
    person = server.person_of("xiguan")
    phone = await browsers.page(PHONE, has_touch=True, is_mobile=True)
    await browsers.login(phone, "xiguan", "/m")
    warning_id = issue(server, [person], "暴雨黄色预警（离线测试）")
    card = phone.locator(f"[data-testid=warning-card][data-warning-id='{warning_id}']")
    await expect(card).to_be_visible(timeout=2000)

    await phone.context.set_offline(True)
    await expect(phone.locator("[data-testid=connection]")).to_have_attribute(
        "data-state", "offline"
    )
    await card.locator("[data-testid=ack-button]").click()
    await expect(card.locator("[data-testid=ack-queued]")).to_be_visible()
    await expect(phone.locator("[data-testid=queued]")).to_be_visible()
    await shot(phone, "phone-offline")
    # the server has nothing yet; the queued answer survives a reload of the page script
    row = next(
        r
        for r in server.api("GET", f"/warnings/{warning_id}", user="duty")["recipients"]
        if r["person_id"] == person
    )
    assert row["state"] == "pending"
    queued = await phone.evaluate(
        "Object.keys(localStorage).filter(k => k.startsWith('yingji.outbox'))"
    )
    assert len(queued) == 1
    await phone.wait_for_timeout(1500)

    await phone.context.set_offline(False)
    await expect(phone.locator("[data-testid=connection]")).to_have_attribute(
        "data-state", "live", timeout=10_000
    )
    await expect(card.locator("[data-testid=my-state]")).to_contain_text("已收到", timeout=5000)
    await expect(phone.locator("[data-testid=queued]")).to_have_count(0)
    await phone.reload()  # nothing is left to send again
    await expect(card.locator("[data-testid=my-state]")).to_be_visible()
    await phone.wait_for_timeout(1000)
    assert acked_events(server, warning_id, person) == 1
    status = server.api("GET", f"/warnings/{warning_id}", user="duty")
    assert status["totals"]["answered"] == 1


async def labels(page: Page, selector: str) -> list[str]:
    texts = await page.locator(selector).all_inner_texts()
    return [" ".join(t.split()) for t in texts if t.strip()]


# every element that shows a label (not data such as names); the language button shows the
# other language on purpose
DISPATCH_LABELS = (
    ".topbar h1, .topbar button:not([data-testid=lang]), [data-testid=connection], "
    ".panel > h2, .feed h2, thead th, .legend, .counts, .chips, .warning h3, .all-done, .help dd"
)
PHONE_LABELS = (
    ".phone > header h1, .phone button:not([data-testid=lang]), [data-testid=connection], "
    ".instruction b, .deadline, [data-testid=my-state], .tasks h2"
)


async def test_chinese_by_default_and_every_label_changes_in_english(
    browsers: Browsers, server: Server
) -> None:
    page = await browsers.page(DESKTOP)
    await page.goto("/login")
    assert await page.get_attribute("html", "lang") == "zh-CN"
    await expect(page.locator("button[type=submit]")).to_have_text("登录")
    await shot(page, "login")
    await browsers.login(page, "duty", "/")
    await expect(page.locator("[data-testid=warning-panel]").first).to_be_visible()
    await expect(page.locator("[data-testid=duty-board] tbody tr").first).to_be_visible()
    await page.keyboard.press("?")
    chinese = await labels(page, DISPATCH_LABELS)
    assert len(chinese) > 20 and all(CJK.search(t) for t in chinese if not t.isdigit()), chinese
    await page.keyboard.press("Escape")

    await page.click("[data-testid=lang]")
    await expect(page.locator("[data-testid=lang]")).to_have_text("中文")
    assert await page.get_attribute("html", "lang") == "en"
    await page.keyboard.press("?")
    english = await labels(page, DISPATCH_LABELS)
    assert len(english) == len(chinese)
    untranslated = [t for t in english if CJK.search(t)]
    assert untranslated == [], untranslated
    await page.keyboard.press("Escape")
    await shot(page, "dispatch-en")

    phone = await browsers.page(PHONE, has_touch=True, is_mobile=True)
    await browsers.login(phone, "dongguan", "/m")
    await expect(phone.locator("[data-testid=warning-card]").first).to_be_visible()
    chinese = await labels(phone, PHONE_LABELS)
    await phone.click("[data-testid=lang]")
    await expect(phone.locator(".phone > header h1")).to_have_text("My warnings")
    english = await labels(phone, PHONE_LABELS)
    assert len(english) == len(chinese) > 3
    assert [t for t in english if CJK.search(t)] == [], english
    await shot(phone, "phone-en", full_page=True)
    # the choice sticks across a reload
    await phone.reload()
    await expect(phone.locator(".phone > header h1")).to_have_text("My warnings")


INCIDENT_LABELS = (
    ".topbar h1, .topbar .btn:not([data-testid=lang]), [data-testid=connection], .card h3, "
    ".facts dt, [data-testid=numbers] > span, [data-testid=incident-page] button, "
    ".needs th, .field label, .form label > span, .help dd"
)


async def test_every_label_of_the_incident_page_changes_in_english(
    browsers: Browsers, server: Server
) -> None:
    town = server.org("凤城镇")
    body = {
        "title": "凤城镇南街燃气泄漏",
        "type": "gas",
        "org_id": town["id"],
        "lat": town["lat"] - 0.003,
        "lon": town["lon"] + 0.002,
        "occurred_at": (datetime.now(UTC) - timedelta(minutes=15)).isoformat(),
    }
    incident = server.api("POST", "/incidents", user="duty", json=body)
    base = f"/incidents/{incident['id']}"
    sent = {"kind": "initial", "level": "county", "sent_to": "县应急管理局"}
    server.api("POST", f"{base}/reports", user="duty", json=sent)
    plan = next(
        p
        for p in server.api("GET", "/plans", params={"status": "published", "limit": 200})["data"]
        if p["title"] == "阳城县突发事件总体应急预案"
    )
    activation = {"plan_id": plan["id"], "level": "IV"}
    server.api("POST", f"{base}/activations", user="duty", json=activation)
    server.api("POST", f"{base}/grade", user="duty", json={"grade": "large", "reason": "燃气管网"})
    near = server.api(
        "GET",
        "/resources/nearest",
        params={"lat": body["lat"], "lon": body["lon"], "kind": "team", "status": "available"},
    )
    server.api("POST", f"{base}/dispatches", user="duty", json={"team_id": near["data"][0]["id"]})

    page = await browsers.page(DESKTOP)
    await browsers.login(page, "duty", base)
    card = page.locator("[data-testid=incident-page]")
    await expect(card.locator("[data-testid=need]").first).to_be_visible()
    await expect(card.locator("[data-testid=dispatch-row]")).to_have_count(1)
    await expect(card.locator("[data-testid=report-text]")).to_be_visible()
    await card.locator("[data-testid=nearest] button").first.click()
    await expect(card.locator("[data-testid=nearest-team]").first).to_be_visible()
    await card.locator("[data-testid=edit-numbers]").click()
    await expect(card.locator("[data-testid=grade-form]")).to_be_visible()
    await page.keyboard.press("?")
    chinese = await labels(page, INCIDENT_LABELS)
    assert len(chinese) > 40, chinese
    untranslated = [t for t in chinese if not CJK.search(t) and not re.search(r"[A-Z]\b|\d", t)]
    assert untranslated == [], untranslated
    await page.keyboard.press("Escape")

    await page.click("[data-testid=lang]")
    await expect(page.locator(".topbar h1")).to_contain_text("Incident")
    await page.keyboard.press("?")
    english = await labels(page, INCIDENT_LABELS)
    assert len(english) == len(chinese)
    assert [t for t in english if CJK.search(t)] == [], english
    await page.keyboard.press("Escape")
    await shot(page, "incident-en", full_page=True)


async def test_the_phone_page_and_the_dispatch_screen_reload_offline(
    browsers: Browsers, server: Server
) -> None:
    phone = await browsers.page(PHONE, has_touch=True, is_mobile=True)
    await browsers.login(phone, "xiguan", "/m")
    await phone.wait_for_function("navigator.serviceWorker.controller !== null", timeout=20_000)
    cached = await phone.evaluate(
        """async () => {
             const names = await caches.keys();
             const urls = [];
             for (const name of names)
               for (const r of await (await caches.open(name)).keys())
                 urls.push(new URL(r.url).pathname);
             return {names, urls};
           }"""
    )
    assert len(cached["names"]) == 1 and cached["names"][0].startswith("yingji-shell-"), cached
    assert "/index.html" in cached["urls"] and "/manifest.webmanifest" in cached["urls"]
    scripts = await phone.evaluate(
        "[...document.scripts].map(s => new URL(s.src, location.href).pathname)"
    )
    assert [s for s in scripts if s.startswith("/assets/")], scripts
    assert all(s in cached["urls"] for s in scripts if s.startswith("/assets/")), scripts
    assert not [u for u in cached["urls"] if u.startswith("/api/")], cached  # never the API

    await phone.context.set_offline(True)
    await expect(phone.locator("[data-testid=connection]")).to_have_attribute(
        "data-state", "offline"
    )
    response = await phone.reload()
    assert response is not None and response.from_service_worker
    await expect(phone.locator(".phone > header h1")).to_have_text("我的预警")
    await expect(phone.locator("[data-testid=connection]")).to_have_attribute(
        "data-state", "offline"
    )
    await shot(phone, "phone-offline-reload")
    await phone.context.set_offline(False)
    await expect(phone.locator("[data-testid=connection]")).to_have_attribute(
        "data-state", "live", timeout=15_000
    )

    screen = await browsers.page(DESKTOP)
    await browsers.login(screen, "duty", "/")
    await screen.wait_for_function("navigator.serviceWorker.controller !== null", timeout=20_000)
    await screen.context.set_offline(True)
    response = await screen.reload()
    assert response is not None and response.from_service_worker
    await expect(screen.locator(".topbar h1")).to_contain_text("值班大屏")
    await expect(screen.locator("[data-testid=connection]")).to_have_attribute(
        "data-state", "offline"
    )
    await screen.context.set_offline(False)
    await expect(screen.locator("[data-testid=duty-board] tbody tr").first).to_be_visible(
        timeout=15_000
    )
