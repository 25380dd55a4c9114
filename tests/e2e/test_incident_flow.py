"""An incident from an alarm platform, end to end in a real browser: posted to the intake
endpoint with an API token, it appears on the dispatch screen's feed and map without a
reload, its report clock counts down, and its page shows the grade, the report timeline,
the response forms and the nearest teams with distances."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import httpx
from playwright.async_api import expect

from tests.e2e.conftest import DESKTOP, Browsers, Server, shot


def intake(server: Server, body: dict[str, object], key: str) -> httpx.Response:
    token = server.api("POST", "/auth/api-tokens", user="duty", json={"name": "119 接警平台"})
    return httpx.post(
        f"{server.base}/api/v1/intake/119",
        json=body,
        headers={"Authorization": f"Bearer {token['token']}", "Idempotency-Key": key},
        timeout=30,
    )


def seconds(text: str) -> int:
    """ "59:41" or "1:00:00" as seconds."""
    assert re.fullmatch(r"(\d+:)?\d{2}:\d{2}", text), text
    total = 0
    for part in text.split(":"):
        total = total * 60 + int(part)
    return total


async def test_an_intake_incident_appears_live_and_opens_its_page(
    browsers: Browsers, server: Server
) -> None:
    town = server.org("凤城镇")
    dispatch = await browsers.page(DESKTOP)
    await browsers.login(dispatch, "duty", "/")
    feed = dispatch.locator("[data-testid=incident-feed]")
    await expect(feed).to_be_visible()

    occurred = datetime.now(UTC) - timedelta(minutes=5)
    body = {
        "title": "凤城镇东关仓库火灾",
        "type": "fire",
        "org_id": town["id"],
        "lat": town["lat"] + 0.004,
        "lon": town["lon"] + 0.004,
        "address": "东关社区仓储路 8 号",
        "occurred_at": occurred.isoformat(),
        "trapped": 2,
        "injuries": 1,
        "description": "仓库起火，2 人被困。",
    }
    r = intake(server, body, f"119-e2e-{time.time_ns()}")
    assert r.status_code == 201, r.text
    posted = time.monotonic()
    incident_id = r.json()["id"]

    # on the feed and on the map, without a reload
    item = feed.locator(f"[data-testid=incident-item][data-incident-id='{incident_id}']")
    await expect(item).to_be_visible(timeout=5000)
    pin = dispatch.locator(f".leaflet-tooltip.incident-label.incident-{incident_id}")
    await expect(pin).to_be_visible(timeout=5000)
    seen_after = time.monotonic() - posted
    assert seen_after < 5, seen_after
    await expect(item).to_contain_text("一般事故")  # grade as text, not colour alone
    await expect(item).to_contain_text("已接报")
    await expect(pin).to_contain_text("一般事故 · 已接报")
    marker = dispatch.locator(".incident-pin[title='凤城镇东关仓库火灾']")
    await expect(marker).to_have_count(1)
    # newest first
    first = feed.locator("[data-testid=incident-item]").first
    await expect(first).to_have_attribute("data-incident-id", str(incident_id))

    # the initial report is due 1 h after it was reported: the clock counts down
    report_clock = item.locator("[data-testid=report-clock]")
    await expect(report_clock).to_have_attribute("data-state", "due")
    await expect(report_clock).to_contain_text("首报")
    before = seconds(await report_clock.locator(".clock").inner_text())
    assert 55 * 60 < before <= 3600, before
    await dispatch.wait_for_timeout(2100)
    after = seconds(await report_clock.locator(".clock").inner_text())
    assert before - 4 <= after < before, (before, after)
    # one reported 2 h ago: its initial report (due after 1 h) is overdue, in words and red
    late_body = body | {
        "title": "润城镇化工厂泄漏",
        "type": "hazardous_chemicals",
        "org_id": server.org("润城镇")["id"],
        "lat": None,
        "lon": None,
        "occurred_at": (datetime.now(UTC) - timedelta(hours=3)).isoformat(),
        "reported_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat(),
    }
    late = intake(server, late_body, f"119-e2e-late-{time.time_ns()}")
    assert late.status_code == 201, late.text
    late_item = feed.locator(f"[data-testid=incident-item][data-incident-id='{late.json()['id']}']")
    late_clock = late_item.locator("[data-testid=report-clock]")
    await expect(late_clock).to_have_attribute("data-state", "overdue", timeout=5000)
    await expect(late_clock).to_contain_text("超时")
    assert await late_clock.evaluate("e => getComputedStyle(e).color") == "rgb(176, 0, 32)"
    await shot(dispatch, "incident-feed")

    # the same key again is the same incident, not a second one
    again = intake(server, body, r.request.headers["Idempotency-Key"])
    assert again.status_code == 200 and again.json()["id"] == incident_id

    # click through to the incident page
    await item.locator("a").click()
    await dispatch.wait_for_url(f"**/incidents/{incident_id}")
    page = dispatch.locator("[data-testid=incident-page]")
    await expect(page).to_contain_text("凤城镇东关仓库火灾")
    await expect(page.locator("[data-testid=numbers]")).to_contain_text("被困 2")
    rows = page.locator("[data-testid=report-row]")
    await expect(rows.first).to_have_attribute("data-state", "due")
    await expect(page.locator("[data-testid=next-report]")).to_contain_text("首报")

    # graded by hand elsewhere: the page shows it live, marked as manual
    server.api(
        "POST",
        f"/incidents/{incident_id}/grade",
        user="duty",
        json={"grade": "large", "reason": "仓库存放危化品，按较大事故响应"},
    )
    await expect(page.locator("[data-testid=grade-manual]")).to_contain_text(
        "按较大事故响应", timeout=5000
    )
    await expect(page.locator(".head [data-grade=large]")).to_contain_text("较大事故")

    # the response starts: the status moves on, shown as a word
    await page.locator("[data-testid=advance-status]").click()
    await expect(page.locator(".head [data-status=responding]")).to_contain_text("处置中")

    # record the initial report to the county: the timeline and the log follow live
    form = page.locator("[data-testid=report-form]")
    await form.locator("select[name=kind]").select_option("initial")
    await form.locator("select[name=level]").select_option("county")
    await form.locator("input[name=sent_to]").fill("县应急管理局")
    await form.locator("button[type=submit]").click()
    await expect(page.locator("[data-testid=report-row][data-state=sent]")).to_contain_text(
        "县应急管理局"
    )
    await expect(page.locator("[data-testid=log-entry]").first).to_be_visible()

    # activate a published plan: its checklist appears; tick the first task
    activate = page.locator("[data-testid=activate-form]")
    options = await activate.locator("select[name=plan_id] option").count()
    assert options >= 1
    await activate.locator("select[name=level]").select_option("IV")
    await activate.locator("button[type=submit]").click()
    tasks = page.locator("[data-testid=task]")
    await expect(tasks.first).to_be_visible()
    first_task = page.locator(
        f"[data-testid=task][data-task-id='{await tasks.first.get_attribute('data-task-id')}']"
    )
    await first_task.locator("input[type=checkbox]").check()
    await expect(first_task).to_have_attribute("data-state", "done")
    await expect(dispatch.locator("[data-testid=action-error]")).to_have_count(0)

    # the nearest available teams, with their distances; dispatch the first
    nearest = page.locator("[data-testid=nearest]")
    await nearest.locator("button").click()
    team = nearest.locator("[data-testid=nearest-team]").first
    await expect(team).to_contain_text("公里")
    await team.locator("button").click()
    row = page.locator("[data-testid=dispatch-row]").first
    await expect(row).to_have_attribute("data-status", "requested")
    await row.locator("button", has_text="出发").click()
    await expect(row).to_have_attribute("data-status", "en_route")
    await dispatch.wait_for_timeout(500)  # the live reloads settle before the picture
    await shot(dispatch, "incident", full_page=True)

    # a change made elsewhere (another duty officer) shows without a reload
    server.api("POST", f"/incidents/{incident_id}/log", user="duty", json={"text": "消防已到场"})
    await expect(page.locator("[data-testid=log]")).to_contain_text("消防已到场", timeout=5000)
