"""A plan revision through the plans screens in a real browser: a township duty officer finds
the plan in the library, starts a revision, edits it in the structured editor (a server field
error shows at its field in zh-CN and in English), submits it; the county leader approves it
and, as a user of the parent org, files it from the filing-due list; the township publishes
it and compares it with the version before, side by side. Each page follows the steps taken
on the other without a reload, and shows only the buttons its user may press."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.e2e.conftest import DESKTOP, Browsers, Server, shot

TITLE = "凤城镇突发事件综合应急预案"
CJK = re.compile(r"[\u3400-\u9fff]")


async def status_is(page: Page, status: str) -> None:
    await expect(page.locator("[data-testid=version-status]")).to_have_attribute(
        "data-status", status, timeout=5000
    )


async def test_a_revision_is_approved_filed_published_and_compared(
    browsers: Browsers, server: Server
) -> None:
    plan = next(p for p in server.api("GET", "/plans", params={"q": "凤城镇"})["data"])
    assert plan["title"] == TITLE and plan["published_version"] == 1
    lead = await browsers.page(DESKTOP)
    await browsers.login(lead, "leader", "/plans")
    town = await browsers.page(DESKTOP)
    await browsers.login(town, "fengcheng", "/plans")

    # the library: the county sees every plan below it, the township its own; a word of
    # the title or text and the filters narrow the list
    listed = lead.locator("[data-testid=plan-list] tbody tr[data-plan]")
    await expect(listed).to_have_count(9)
    await lead.fill("input[name=q]", "凤城镇")
    await lead.press("input[name=q]", "Enter")
    await expect(listed).to_have_count(1)
    await expect(listed.first).to_have_attribute("data-plan", TITLE)
    await lead.select_option("select[name=kind]", "special")
    await expect(listed).to_have_count(0)
    await lead.select_option("select[name=kind]", "")
    await lead.select_option("select[name=hazard]", "geological")
    await expect(listed).to_have_count(1)
    await shot(lead, "plans-library")
    rows = town.locator("[data-testid=plan-list] tbody tr[data-plan]")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_have_attribute("data-plan", TITLE)
    await rows.first.locator("a").click()
    await town.wait_for_url(f"**/plans/{plan['id']}")
    await status_is(town, "published")

    # a revision of a published plan names its trigger; it opens in the editor
    await town.click("[data-action=new-version]")
    form = town.locator("[data-form=new-version]")
    await form.locator("select").nth(1).select_option("drill_lessons")
    await form.locator("input[placeholder]").first.fill("汛前演练发现转移时限过长")
    await form.locator("button[type=submit]").click()
    await town.wait_for_url(f"**/plans/{plan['id']}/2?tab=edit")
    await status_is(town, "draft")
    editor = town.locator("[data-form=version-editor]")
    await editor.locator("textarea[name='sections.0.body']").fill(
        "为规范凤城镇突发事件应急处置工作，制定本预案。\n\n本次修订压缩了群众转移时限。"
    )
    level = editor.locator("fieldset[data-level=IV]")
    await level.locator("[data-role=trigger-0]").fill(
        "镇域内发生一般突发事件，或需转移群众 50 人以上"
    )
    await level.locator("[data-action=add-item]").click()
    item = level.locator("[data-item-index='1']")
    await item.locator("[data-role=item-1]").select_option(label="救生衣（成人） · 件")
    await item.locator("[data-role=item-qty-1]").fill("100")

    # a bad time limit: the server's message at the field, in zh-CN, then in English
    within = level.locator("[data-role=within-0]")
    await within.fill("-5")
    await editor.locator("[data-action=save-version]").click()
    error = level.locator("[data-field='content.levels.0.actions.0.within_min']")
    await expect(error).to_be_visible()
    zh = await error.inner_text()
    assert CJK.search(zh), zh
    await expect(within).to_have_attribute("aria-invalid", "true")
    await shot(town, "plans-editor-error")
    await town.click("[data-testid=lang]")
    await editor.locator("[data-action=save-version]").click()
    await expect(error).not_to_have_text(zh)
    english = await error.inner_text()
    assert english and not CJK.search(english), english
    await town.click("[data-testid=lang]")  # back to zh-CN
    await within.fill("20")
    await town.keyboard.press("Control+s")  # saving works from the keyboard
    await expect(editor.locator(".ok[role=status]")).to_be_visible()
    await expect(error).to_have_count(0)
    await shot(town, "plans-editor", full_page=True)

    # a draft takes attachments, checked by their content and name
    await town.click("[data-tab=files]")
    attach = town.locator("[data-form=attachment]")
    picture = b"\x89PNG\r\n\x1a\n" + bytes(64)
    await attach.locator("input[type=file]").set_input_files(
        {"name": "转移路线图.pdf", "mimeType": "application/pdf", "buffer": picture}
    )
    await attach.locator("button[type=submit]").click()
    await expect(attach.locator("[data-field=file]")).to_contain_text("扩展名")
    await attach.locator("input[type=file]").set_input_files(
        {"name": "转移路线图.png", "mimeType": "image/png", "buffer": picture}
    )
    await attach.locator("button[type=submit]").click()
    await expect(
        town.locator("[data-testid=attachments] tr[data-file='转移路线图.png']")
    ).to_be_visible()

    # submit; a duty officer may not approve, and the filing is not the township's
    await town.click("[data-step=submit]")
    await status_is(town, "in_review")
    await expect(town.locator("[data-step=approve]")).to_have_count(0)
    await lead.goto(f"/plans/{plan['id']}/2")
    await status_is(lead, "in_review")
    await lead.click("[data-step=approve]")
    await lead.fill("[data-form=approve] textarea[name=note]", "同意，按程序备案")
    await lead.click("[data-form=approve] [data-action=confirm]")
    await status_is(lead, "approved")
    await status_is(town, "approved")  # live on the township's page
    await expect(town.locator("[data-step=file]")).to_have_count(0)

    # the county (the parent org) files it from its filing-due list
    await lead.goto("/plans?tab=filings")
    due = lead.locator(f"[data-testid=filing-list] tr[data-plan='{TITLE}']")
    await expect(due).to_be_visible()
    await expect(due).to_contain_text("凤城镇")
    await shot(lead, "plans-filings")
    await due.locator("a").click()
    await lead.wait_for_url(f"**/plans/{plan['id']}/2")
    await lead.click("[data-step=file]")
    await lead.fill("[data-form=file] input[name=filing_number]", "阳应急备〔2026〕88号")
    await lead.click("[data-form=file] [data-action=confirm]")
    await status_is(lead, "filed")
    await status_is(town, "filed")

    # the township publishes; version 1 is superseded
    await town.click("[data-step=publish]")
    await status_is(town, "published")
    await expect(town.locator("[data-field=published]")).to_contain_text("第2版")
    await expect(
        town.locator("[data-testid=version-list] tr[data-version='1'] [data-status]")
    ).to_have_attribute("data-status", "superseded")
    await status_is(lead, "published")
    await shot(town, "plans-workflow")

    # the diff against version 1, side by side
    await town.click("[data-tab=diff]")
    diff = town.locator("[data-testid=diff]")
    section = diff.locator("[data-section=general]")
    await expect(section.locator("td.ins")).to_contain_text(["本次修订压缩了群众转移时限。"])
    changed = diff.locator("[data-level=IV]")
    await expect(changed).to_contain_text("启动条件")
    lifejackets = changed.locator("tbody tr").filter(has_text="救生衣（成人）")  # keyed by item id
    await expect(lifejackets).to_contain_text("救生衣 100 件")
    await expect(changed.locator("[data-key='IV-1']")).to_contain_text("20")
    await shot(town, "plans-diff", full_page=True)

    # the printable handbook of the published version
    await town.click("[data-tab=print]")
    frame = town.frame_locator("[data-testid=print-frame]")
    await expect(frame.locator("body")).to_contain_text(TITLE)
    await expect(frame.locator("body")).to_contain_text("阳应急备〔2026〕88号")
    await shot(town, "plans-print")
    assert server.api("GET", f"/plans/{plan['id']}")["published_version"] == 2
