"""The resources screens in a real browser: a county duty officer receives, transfers and
issues stock at a depot and reads each movement on the stock card with its running balance
(a receipt with a bad date is refused at its field, in zh-CN and in English), while another
user's page on the receiving depot shows the transfer arrive without a reload; a team's
status changes; a stock file with a bad row is checked, fixed and imported."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.async_api import Page, expect

from tests.e2e.conftest import DESKTOP, Browsers, Server, shot

CJK = re.compile(r"[\u3400-\u9fff]")
COUNTY_DEPOT = "阳城县应急物资储备库"
TOWN_DEPOT = "北留镇应急物资储备点"
ITEM = "帐篷"


def depot_id(server: Server, name: str) -> int:
    return next(d["id"] for d in server.api("GET", "/depots")["data"] if d["name"] == name)


def item_id(server: Server, name: str) -> int:
    return next(i["id"] for i in server.api("GET", "/stock/items")["data"] if i["name"] == name)


async def last_line(page: Page) -> tuple[str | None, int]:
    line = page.locator("[data-testid=stock-card] tbody tr[data-kind]").last
    return await line.get_attribute("data-kind"), int(
        await line.locator("[data-role=balance]").inner_text()
    )


async def test_receive_transfer_and_issue_on_the_stock_card(
    browsers: Browsers, server: Server
) -> None:
    tent = item_id(server, ITEM)
    county, town = depot_id(server, COUNTY_DEPOT), depot_id(server, TOWN_DEPOT)
    before = next(
        b["quantity"]
        for b in server.api("GET", "/stock", params={"depot_id": county})["data"]
        if b["item_id"] == tent
    )
    watcher = await browsers.page(DESKTOP)
    await browsers.login(watcher, "admin", f"/resources/depots/{town}?item={tent}")
    # the card's frame shows at once, its lines once loaded: count them after that
    await expect(watcher.locator("[data-testid=stock-card] [data-role=closing]")).to_be_visible()
    town_rows = watcher.locator("[data-testid=stock-card] tbody tr[data-kind]")
    town_lines = await town_rows.count()

    page = await browsers.page(DESKTOP)
    await browsers.login(page, "duty", "/resources?tab=depots")
    await page.locator(f"[data-testid=depot-list] tr[data-depot='{COUNTY_DEPOT}'] a").click()
    await page.wait_for_url(f"**/resources/depots/{county}")
    await page.locator(f"[data-testid=balances] tr[data-item='{ITEM}'] button").click()
    card = page.locator("[data-testid=stock-card]")
    await expect(card.locator("[data-role=closing]")).to_contain_text(str(before))

    # a receipt expiring before it was received: the message at the date, in both languages
    form = page.locator("[data-form=stock-receive]")
    today = date.today()
    await form.locator("input[name=quantity]").fill("30")
    await form.locator("input[name=batch]").fill("E2E-TENT-1")
    await form.locator("input[name=expiry_date]").fill(str(today - timedelta(days=3)))
    await form.locator("[data-action=stock-submit]").click()
    error = form.locator("[data-field=expiry_date]")
    await expect(error).to_have_text("有效期不能早于入库日期")
    await expect(form.locator("input[name=expiry_date]")).to_have_attribute("aria-invalid", "true")
    await shot(page, "resources-field-error")
    await page.click("[data-testid=lang]")
    await form.locator("[data-action=stock-submit]").click()
    await expect(error).to_have_text("The expiry date cannot be before the receipt date")
    await page.click("[data-testid=lang]")

    # receive 30
    await form.locator("input[name=expiry_date]").fill(str(today + timedelta(days=730)))
    await form.locator("[data-action=stock-submit]").click()
    await expect(error).to_have_count(0)
    await expect(card.locator("[data-role=closing]")).to_contain_text(str(before + 30))
    assert await last_line(page) == ("receive", before + 30)

    # transfer 10 to the township depot: the other user's card shows it arrive
    await page.click("[data-op=transfer]")
    form = page.locator("[data-form=stock-transfer]")
    await form.locator("select[name=to_depot_id]").select_option(label=TOWN_DEPOT)
    await form.locator("input[name=quantity]").fill("10")
    await form.locator("input[name=reason]").fill("支援北留镇")
    await form.locator("[data-action=stock-submit]").click()
    await expect(card.locator("[data-role=closing]")).to_contain_text(str(before + 20))
    assert await last_line(page) == ("transfer_out", before + 20)
    await expect(town_rows).to_have_count(town_lines + 1, timeout=5000)
    await expect(town_rows.last).to_have_attribute("data-kind", "transfer_in")
    await expect(town_rows.last).to_contain_text(COUNTY_DEPOT)

    # issue 5, then more than is held: refused, nothing moves
    await page.click("[data-op=issue]")
    form = page.locator("[data-form=stock-issue]")
    await form.locator("input[name=quantity]").fill("5")
    await form.locator("[data-action=stock-submit]").click()
    await expect(card.locator("[data-role=closing]")).to_contain_text(str(before + 15))
    assert await last_line(page) == ("issue", before + 15)
    await form.locator("input[name=quantity]").fill("999999")
    await form.locator("[data-action=stock-submit]").click()
    await expect(page.locator("[data-testid=stock-error]")).to_contain_text("库存不足")
    await expect(card.locator("[data-role=closing]")).to_contain_text(str(before + 15))
    balance = page.locator(f"[data-testid=balances] tr[data-item='{ITEM}'] [data-role=quantity]")
    await expect(balance).to_contain_text(str(before + 15))
    kinds = [await r.get_attribute("data-kind") for r in await card.locator("tr[data-kind]").all()]
    assert kinds[-3:] == ["receive", "transfer_out", "issue"], kinds
    await shot(page, "resources-depot", full_page=True)
    await shot(watcher, "resources-depot-receiving")


async def test_team_status_alerts_map_and_a_checked_import(
    browsers: Browsers, server: Server
) -> None:
    page = await browsers.page(DESKTOP)
    await browsers.login(page, "duty", "/resources")
    teams = page.locator("[data-testid=team-list] tbody tr[data-team]")
    await expect(teams).to_have_count(6)
    await page.select_option("select[name=status]", "standby")
    await expect(teams).to_have_count(2)
    await page.select_option("select[name=status]", "")
    await shot(page, "resources-teams")

    # a team's status changes, with its reason in the history; the list follows
    await page.locator("tr[data-team='县应急救援综合队伍'] a").click()
    await page.wait_for_url("**/resources/teams/*")
    team = int(page.url.rstrip("/").rsplit("/", 1)[1])
    await expect(page.locator("[data-testid=members] tr[data-member]")).not_to_have_count(0)
    status = page.locator("[data-form=team-status]")
    await status.locator("select[name=status]").select_option("standby")
    await status.locator("input[name=reason]").fill("汛期前置备勤")
    await status.locator("input[name=reason]").press("Enter")  # forms submit from the keyboard
    await expect(page.locator("[data-testid=team-status]")).to_have_attribute(
        "data-status", "standby"
    )
    await expect(page.locator("[data-testid=status-history] tbody tr").first).to_contain_text(
        "汛期前置备勤"
    )
    await shot(page, "resources-team")

    # the alerts: stock below its minimum, lots and certificates expiring
    await page.goto("/resources?tab=alerts")
    await expect(page.locator("[data-testid=low-stock] tbody tr a").first).to_be_visible()
    await expect(page.locator("[data-testid=expiring-certs] tbody tr a").first).to_be_visible()
    await shot(page, "resources-alerts")

    # the map (the next tab, by the arrow key): teams and depots, the same list beside it
    await page.focus("[data-tab=alerts]")
    await page.keyboard.press("ArrowRight")
    await expect(page.locator("[data-tab=map]")).to_be_focused()
    await expect(page.locator("[data-tab=map]")).to_have_attribute("aria-selected", "true")
    await expect(page.locator(".leaflet-tooltip.map-label")).to_have_count(6 + 4)
    await expect(page.locator(f".leaflet-tooltip.team-{team}")).to_contain_text("待命")
    await shot(page, "resources-map")

    # a stock file with a bad row: checked, listed, fixed, imported
    await page.click("[data-tab=import]")
    header = "储备库,物资,规格,批次,数量,入库日期,有效期\n"
    good = f"{COUNTY_DEPOT},棉被,2kg,E2E-IMP-1,20,,\n"
    bad = "不存在的储备库,棉被,2kg,E2E-IMP-2,5,,\n"
    upload = page.locator("[data-form=import] input[type=file]")

    async def check(text: str) -> None:
        await upload.set_input_files(
            {"name": "stock.csv", "mimeType": "text/csv", "buffer": text.encode()}
        )
        await page.click("[data-action=dry-run]")

    await check(header + good + bad)
    problems = page.locator("[data-testid=import-problems] tbody tr")
    await expect(problems).to_have_count(1)
    await expect(problems.first).to_have_attribute("data-line", "3")
    await expect(page.locator("[data-action=import]")).to_be_disabled()
    await shot(page, "resources-import")
    await check(header + good)
    await expect(problems).to_have_count(0)
    await page.click("[data-action=import]")
    await expect(page.locator("[data-testid=import-result]")).to_contain_text("已导入 1 行")
    lots = server.api("GET", "/stock/lots", user="duty", params={"limit": 500})["data"]
    assert [lot["quantity"] for lot in lots if lot["batch"] == "E2E-IMP-1"] == [20]
