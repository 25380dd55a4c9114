"""The two screens people live in, end to end in a real browser: a warning issued on the
dispatch screen reaches two phones live; one answers and the screen follows; the other is
escalated and the leader on duty gets the task on their phone."""

from __future__ import annotations

import time

from playwright.async_api import Page, expect

from tests.e2e.conftest import DESKTOP, PHONE, RESPOND_S, Browsers, Server, shot


def leader_user(server: Server, township: str) -> tuple[str, int]:
    """A phone login for the township's leader on duty now (the escalation's assignee)."""
    org = server.org(township)
    leader = server.api("GET", "/duty/now", params={"org_id": org["id"]})["leader"]
    username = f"leader{leader['id']}"
    existing = server.api("GET", "/users", params={"q": username})["data"]
    if not existing:
        server.api(
            "POST",
            "/users",
            json={
                "username": username,
                "password": "leader-password-1",
                "person_id": leader["id"],
                "grants": [{"role": "leader", "org_id": org["id"]}],
            },
        )
    return username, leader["id"]


async def card(page: Page, warning_id: int):  # type: ignore[no-untyped-def]
    return page.locator(f"[data-testid=warning-card][data-warning-id='{warning_id}']")


async def test_issue_on_the_dispatch_screen_answer_on_phones_escalate_to_the_leader(
    browsers: Browsers, server: Server
) -> None:
    leader_name, leader_person = leader_user(server, "凤城镇")
    dongguan, xiguan = server.person_of("dongguan"), server.person_of("xiguan")

    dispatch = await browsers.page(DESKTOP)
    await browsers.login(dispatch, "duty", "/")
    await expect(dispatch.locator("[data-testid=duty-board] tbody tr").first).to_be_visible()
    phones = {}
    for username in ("dongguan", "xiguan"):
        phones[username] = await browsers.page(PHONE, has_touch=True, is_mobile=True)
        await browsers.login(phones[username], username, "/m")
    leader = await browsers.page(PHONE, has_touch=True, is_mobile=True)
    await browsers.login(leader, leader_name, "/m", password="leader-password-1")

    # compose on the dispatch screen, from the keyboard
    await dispatch.keyboard.press("n")
    composer = dispatch.locator("[data-testid=composer]")
    await expect(composer).to_be_visible()
    await composer.locator("select[name=hazard]").select_option("mountain_torrent")
    await composer.locator("label.level", has_text="橙色").click()
    await composer.locator("textarea[name=content]").fill(
        "受强降雨影响，西关村、东关社区山洪风险高。"
    )
    await composer.locator("textarea[name=instruction]").fill("立即转移沟道沿线群众，回复收到。")
    await composer.locator("input[data-org='东关社区']").check()
    await composer.locator("input[data-org='西关村']").check()
    await expect(composer.locator("input[name=title]")).to_have_value("山洪橙色 Ⅱ级预警")
    await shot(dispatch, "composer")
    await composer.locator("input[name=title]").fill("山洪橙色预警（东关、西关）")
    async with dispatch.expect_response(
        lambda r: r.url.endswith("/api/v1/warnings") and r.request.method == "POST"
    ) as response:
        await composer.locator("[data-testid=issue]").click()
    assert (await response.value).status == 201
    issued_at = time.monotonic()  # the server answered: the warning is out

    note = dispatch.locator("[data-testid=issued-note]")
    await expect(note).to_contain_text("叫应 4 人")  # two responsible persons in each village
    warning_id = int((await note.locator("a").get_attribute("href") or "").rsplit("/", 1)[-1])

    # both phones get it live, within 2 s of its issue
    for page in phones.values():
        await expect(await card(page, warning_id)).to_be_visible(timeout=2000)
    received_s = time.monotonic() - issued_at
    assert received_s < 2.0, received_s
    first = await card(phones["dongguan"], warning_id)
    await expect(first.locator("[data-testid=ack-button]")).to_have_text("收到")
    await expect(first).to_contain_text("立即转移沟道沿线群众")
    # unanswered on top
    top = phones["dongguan"].locator("[data-testid=warning-card]").first
    assert await top.get_attribute("data-warning-id") == str(warning_id)
    await shot(phones["dongguan"], "phone-warning")

    # one answers at once; the dispatch screen follows live
    panel = dispatch.locator(f"[data-testid=warning-panel][data-warning-id='{warning_id}']")
    total = panel.locator("[data-testid=rollup-total]")
    await expect(total).to_have_attribute("data-pending", "4")
    answered_row = panel.locator(f"[data-testid=not-answered] tr[data-person-id='{dongguan}']")
    await expect(answered_row).to_be_visible()
    await first.locator("[data-testid=ack-button]").click()
    await expect(first.locator("[data-testid=my-state]")).to_contain_text("已收到", timeout=5000)
    await expect(total).to_have_attribute("data-answered", "1", timeout=3000)
    await expect(total).to_have_attribute("data-pending", "3")
    await expect(answered_row).to_have_count(0)

    # the warning page: the per-recipient table, live too (xiguan's row changes below)
    detail = await browsers.page(DESKTOP)
    await browsers.login(detail, "duty", f"/warnings/{warning_id}")
    row = detail.locator(f"[data-testid=recipients] tr[data-person-id='{dongguan}']")
    await expect(row).to_have_attribute("data-state", "acknowledged")
    silent_row = detail.locator(f"[data-testid=recipients] tr[data-person-id='{xiguan}']")
    await expect(silent_row).to_have_attribute("data-state", "pending")

    # the feedback form takes what the feedback API takes
    await first.locator("[data-testid=feedback-open]").click()
    await first.locator("input[name=evacuated]").fill("12")
    await first.locator("input[name=roads_closed]").fill("1")
    await first.locator("textarea[name=text]").fill("已转移沟道沿线12人，封闭村道1条。")
    await shot(phones["dongguan"], "phone-feedback")
    await first.locator("[data-testid=feedback-submit]").click()
    await expect(first.locator("[data-testid=feedback-sent]")).to_be_visible()
    reports = server.api("GET", f"/warnings/{warning_id}/feedback", user="duty")["data"]
    assert [(r["person_id"], r["evacuated"], r["roads_closed"]) for r in reports] == [
        (dongguan, 12, 1)
    ]

    # xiguan stays silent: escalated to 凤城镇's leader on duty after the deadline
    silent = panel.locator(f"[data-testid=not-answered] tr[data-person-id='{xiguan}']")
    await expect(silent).to_have_attribute(
        "data-state", "escalated", timeout=(RESPOND_S + 10) * 1000
    )
    await expect(silent).to_have_class("escalated")
    task = leader.locator(f"[data-testid=task][data-warning-id='{warning_id}']")
    await expect(task).to_be_visible(timeout=5000)
    reach = task.locator("[data-testid=reach-person]")
    xiguan_name = server.api("GET", f"/people/{xiguan}", user="duty")["name"]
    await expect(reach.filter(has_text=xiguan_name)).to_be_visible()
    tel = reach.filter(has_text=xiguan_name).locator("a.tel").first
    assert (await tel.get_attribute("href") or "").startswith("tel:+86139")
    await shot(leader, "phone-leader-task")
    await expect(silent_row).to_have_attribute("data-state", "escalated", timeout=3000)
    await expect(total).to_have_attribute("data-escalated", "3")  # all but dongguan
    await shot(dispatch, "dispatch")
    await shot(detail, "warning")

    # the leader reached them
    await task.locator("[data-testid=reached-button]").click()
    await expect(task).to_have_count(0, timeout=5000)
    status = server.api("GET", f"/warnings/{warning_id}", user="duty")
    chains = [
        t for r in status["recipients"] for t in r["chain"] if t["assignee_id"] == leader_person
    ]
    assert chains and all(t["acked_at"] for t in chains)
