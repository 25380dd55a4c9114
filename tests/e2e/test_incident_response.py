"""The response to an incident in a real browser, with the dispatch screen open beside it:
a team dispatched from the incident page shows on the screen's team board without a
reload; materials sent from the nearest depot reduce the stock shown (a shortfall is the
server's 409 message) and count against the plan level's required resources; a level
change swaps the checklist; edited numbers regrade the incident; a manual grade is marked
and can be cleared; a sent report's text, the ICS-214 export and the keyboard shortcuts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.async_api import Page, expect

from tests.e2e.conftest import DESKTOP, Browsers, Server, shot


def new_incident(server: Server, title: str) -> dict:
    town = server.org("凤城镇")
    body = {
        "title": title,
        "type": "fire",
        "org_id": town["id"],
        "lat": town["lat"] + 0.003,
        "lon": town["lon"] - 0.003,
        "address": "西关路 12 号",
        "occurred_at": (datetime.now(UTC) - timedelta(minutes=10)).isoformat(),
        "injuries": 2,
    }
    return dict(server.api("POST", "/incidents", user="duty", json=body))


async def count_of(page: Page, selector: str) -> int:
    return int(await page.locator(selector).get_attribute("data-count") or "-1")


async def test_report_text_ics214_and_the_keyboard(browsers: Browsers, server: Server) -> None:
    incident = new_incident(server, "凤城镇西关路仓库冒烟")
    page = await browsers.page(DESKTOP, accept_downloads=True)
    await browsers.login(page, "duty", f"/incidents/{incident['id']}")
    card = page.locator("[data-testid=incident-page]")
    await expect(card).to_contain_text("凤城镇西关路仓库冒烟")

    # R: the report form, ready to type where it was sent
    await page.keyboard.press("r")
    sent_to = card.locator("[data-testid=report-form] input[name=sent_to]")
    await expect(sent_to).to_be_focused()
    await sent_to.fill("县应急管理局")
    await sent_to.press("Enter")
    sent = card.locator("[data-testid=report-row][data-state=sent]")
    await expect(sent).to_contain_text("县应急管理局")

    # the sent report as plain text, for the upper level's system
    async with page.context.expect_page() as opened:
        await sent.locator("[data-testid=report-text]").click()
    text = await opened.value
    await text.wait_for_load_state()
    await expect(text.locator("body")).to_contain_text("凤城镇西关路仓库冒烟")
    await text.close()

    # ICS-214: the CSV download and the print view
    async with page.expect_download() as download:
        await card.locator("[data-testid=ics214-csv]").click()
    saved = await (await download.value).path()
    content = saved.read_text(encoding="utf-8-sig")
    assert "凤城镇西关路仓库冒烟" in content and "县应急管理局" in content, content[:500]
    assert (await download.value).suggested_filename == f"ics214-{incident['id']}.csv"
    async with page.context.expect_page() as opened:
        await page.keyboard.press("x")
    printed = await opened.value
    await printed.wait_for_load_state()
    await expect(printed.locator("body")).to_contain_text("ICS 214")
    await printed.close()

    # S moves the status on; N writes in the log; ? lists the keys; Esc closes it, then leaves
    await page.keyboard.press("s")
    await expect(card.locator(".head [data-status=responding]")).to_contain_text("处置中")
    await page.keyboard.press("n")
    note = card.locator("[data-testid=log] input[name=log]")
    await expect(note).to_be_focused()
    await note.fill("现场烟雾较大，已疏散周边商户")
    await note.press("Enter")
    await expect(card.locator("[data-testid=log-entry]").first).to_contain_text("已疏散周边商户")
    await note.press("Escape")
    await page.keyboard.press("?")
    help_box = page.locator("[data-testid=incident-help]")
    await expect(help_box).to_contain_text("登记报送")
    await expect(help_box.locator("kbd")).to_have_count(12)
    await shot(page, "incident-keys")
    await page.keyboard.press("Escape")
    await expect(help_box).to_have_count(0)
    await page.keyboard.press("Escape")
    await page.wait_for_url(f"{server.base}/")


async def test_response_from_the_incident_page_shows_live_on_the_dispatch_screen(
    browsers: Browsers, server: Server
) -> None:
    incident = new_incident(server, "凤城镇西关路商铺火灾")
    screen = await browsers.page(DESKTOP)
    await browsers.login(screen, "duty", "/")
    board = screen.locator("[data-testid=team-board]")
    dispatched = "[data-testid=team-count][data-status=dispatched]"
    # the counts once the first loads came back (until then they read 0)
    await expect(board).to_have_attribute("data-state", "loaded")
    await expect(screen.locator("[data-testid=stock-alerts]")).to_have_attribute(
        "data-state", "loaded"
    )
    out_before = await count_of(screen, dispatched)
    low_before = await count_of(screen, "[data-testid=low-stock]")

    page = await browsers.page(DESKTOP)
    await browsers.login(page, "duty", f"/incidents/{incident['id']}")
    card = page.locator("[data-testid=incident-page]")
    await expect(card).to_contain_text("凤城镇西关路商铺火灾")

    # activate the county's overall plan at level IV: its required resources show, unmet
    activate = card.locator("[data-testid=activate-form]")
    await activate.locator("select[name=plan_id]").select_option(label="阳城县突发事件总体应急预案")
    await activate.locator("select[name=level]").select_option("IV")
    await activate.locator("button[type=submit]").click()
    activation = card.locator("[data-testid=activation]").first
    await expect(activation).to_have_attribute("data-level", "IV")
    tents = activation.locator("[data-testid=need][data-need='item-帐篷']")
    await expect(tents).to_have_attribute("data-met", "false")
    await expect(tents).to_contain_text("50 顶")

    # a team from the nearest search: the dispatch screen's board follows without a reload
    await card.locator("[data-testid=nearest] button").first.click()
    team = card.locator("[data-testid=nearest-team]").first
    team_id = await team.get_attribute("data-team-id")
    await team.locator("button").click()
    await expect(card.locator("[data-testid=dispatch-row][data-kind=team]")).to_have_count(1)
    row = board.locator(f"[data-testid=team-row][data-team-id='{team_id}']")
    await expect(row).to_have_attribute("data-status", "dispatched", timeout=5000)
    await expect(row).to_contain_text("已出动")
    await expect(screen.locator(dispatched)).to_have_attribute("data-count", str(out_before + 1))

    # 20 tents from the nearest depot that holds them: its stock shown drops by 20
    materials = card.locator("[data-testid=materials]")
    await materials.locator("select[name=item_id]").select_option(label="帐篷 12㎡ 单帐篷")
    await materials.locator("input[name=quantity]").fill("20")
    await materials.locator("button[type=submit]").click()
    depot = materials.locator("[data-testid=nearest-depot]").first
    await expect(depot).to_contain_text("公里")
    held = int(await depot.get_attribute("data-quantity") or "0")
    assert held >= 20, held
    depot_id = await depot.get_attribute("data-depot-id")
    await depot.locator("button").click()
    same = materials.locator(f"[data-testid=nearest-depot][data-depot-id='{depot_id}']")
    await expect(same).to_have_attribute("data-quantity", str(held - 20))
    await expect(same).to_contain_text(f"库存 {held - 20} 顶")
    sent = card.locator("[data-testid=dispatch-row][data-kind=material]")
    await expect(sent).to_contain_text("帐篷 20 顶")
    await expect(tents).to_contain_text("20 顶")
    await expect(tents).to_have_attribute("data-met", "false")
    # the depot fell below its minimum: the screen's stock alert follows
    await expect(screen.locator("[data-testid=low-stock]")).to_have_attribute(
        "data-count", str(low_before + 1), timeout=5000
    )

    # more than the depot holds: the server's 409 in words, nothing sent
    await materials.locator("input[name=quantity]").fill(str(held))
    await same.locator("button").click()
    error = materials.locator("[data-testid=materials-error]")
    await expect(error).to_contain_text(f"库存不足：现有 {held - 20}，需要 {held}")
    await expect(sent).to_have_count(1)
    await expect(same).to_have_attribute("data-quantity", str(held - 20))

    # level III: the open level-IV tasks give way to level III's, which needs 100 tents
    await activation.locator("[data-testid=level-select]").select_option("III")
    await activation.locator("[data-testid=level-change]").click()
    await expect(activation).to_have_attribute("data-level", "III")
    await expect(activation.locator("[data-testid=task][data-level=III]").first).to_be_visible()
    await expect(
        activation.locator("[data-testid=task][data-level=IV][data-state=open]")
    ).to_have_count(0)
    await expect(tents).to_contain_text("100 顶")
    await expect(activation.locator("[data-testid=level-history]")).to_contain_text("IV → III")

    # numbers: three deaths make it a large accident (the regulation's grade, live)
    await page.keyboard.press("e")
    numbers = card.locator("[data-testid=numbers-form]")
    await expect(numbers.locator("input[name=deaths]")).to_be_focused()
    await numbers.locator("input[name=deaths]").fill("3")
    await numbers.locator("button[type=submit]").click()
    await expect(card.locator(".head [data-grade=large]")).to_contain_text("较大事故")
    await expect(card.locator("[data-testid=numbers]")).to_contain_text("死亡 3")

    # a manual grade is marked with its reason and the computed one; clearing it goes back
    grade = card.locator("[data-testid=grade-form]")
    await grade.locator("select[name=grade]").select_option("major")
    await grade.locator("input[name=reason]").fill("涉及危化品仓库，按重大事故响应")
    await grade.locator("button[type=submit]").click()
    manual = card.locator("[data-testid=grade-manual]")
    await expect(manual).to_contain_text("涉及危化品仓库，按重大事故响应")
    await expect(manual).to_contain_text("自动测算 较大事故")
    await expect(card.locator(".head [data-grade=major]")).to_contain_text("重大事故 · 人工")
    await expect(
        screen.locator(f"[data-testid=incident-item][data-incident-id='{incident['id']}']")
    ).to_contain_text("人工", timeout=5000)
    await page.wait_for_timeout(300)
    await shot(page, "incident-response", full_page=True)
    await grade.locator("[data-testid=grade-clear]").click()
    await expect(manual).to_have_count(0)
    await expect(card.locator(".head [data-grade=large]")).to_contain_text("较大事故")
    await expect(page.locator("[data-testid=action-error]")).to_have_count(0)
    await shot(screen, "dispatch-resources")
