"""The Administration screen in a real browser. The county admin adds an org under the county
in the tree, a person and a user holding a role over that org (who then logs in and sees
only that org's part, following a change made elsewhere without a reload), makes an API
token (shown once, it works) and revokes it (it stops working), adds a webhook channel
pointing at a real HTTP server on 127.0.0.1 and presses test send: the delivery's result
shows at the channel and in the deliveries log, and the audit log lists every change with
its filters. A person with a bad phone number is refused at the field, in zh-CN and English.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from playwright.async_api import Dialog, Page, expect

from tests.e2e.conftest import DESKTOP, Browsers, Server, shot
from tests.service.notify.target import Target

TOWN = "E2E新区镇"
PERSON = "测试甲"
USERNAME = "e2e-xinqu"
PASSWORD = "xinqu-e2e-pass"
TOKEN = "E2E 接警平台"
CHANNEL = "E2E 新区镇机器人"


@pytest.fixture
async def target() -> AsyncIterator[Target]:
    server = Target()
    await server.start()
    yield server
    await server.stop()


async def accept(dialog: Dialog) -> None:
    await dialog.accept()


async def tab(page: Page, key: str) -> None:
    await page.click(f"[data-tab={key}]")
    await expect(page.locator(f"[data-tab={key}]")).to_have_attribute("aria-selected", "true")


def status_with(base: str, token: str) -> int:
    r = httpx.get(f"{base}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    return r.status_code


async def test_admin_sets_up_an_org_its_people_access_and_channels(
    browsers: Browsers, server: Server, target: Target
) -> None:
    page = await browsers.page(DESKTOP)
    page.on("dialog", accept)
    await browsers.login(page, "admin", "/admin")

    # the tree: choose the county (arrow keys move along the tree), add an org under it
    tree = page.locator("[data-testid=org-tree]")
    county = tree.locator("[data-org='阳城县']")
    await county.focus()
    await page.keyboard.press("ArrowDown")
    await expect(tree.locator("[role=treeitem]").nth(1)).to_be_focused()
    await county.click()
    child = page.locator("[data-form=org-child]")
    await child.locator("input[name=name]").fill(TOWN)
    await child.locator("select[name=kind]").select_option("township")
    await child.locator("input[name=name]").press("Enter")
    item = tree.locator(f"[data-org='{TOWN}']")
    await expect(item).to_have_attribute("aria-selected", "true")
    await expect(item).to_have_attribute("aria-level", "2")
    town = server.org(TOWN)
    assert town["parent_id"] == server.org("阳城县")["id"]
    # changed elsewhere, the open form follows
    server.api("PATCH", f"/orgs/{town['id']}", json={"division_code": "140522999"})
    code = page.locator("[data-form=org] input[name=division_code]")
    await expect(code).to_have_value("140522999")
    await shot(page, "admin-orgs")

    # a person of the new org
    await tab(page, "people")
    await page.click("[data-action=new-person]")
    form = page.locator("[data-form=person]")
    await form.locator("input[name=name]").fill(PERSON)
    await form.locator("select[name=org_id]").select_option(str(town["id"]))
    await form.locator("input[name=title]").fill("应急办主任")
    await form.locator("input[name=phones]").fill("139 0000 9901")
    await form.locator("[data-action=save-person]").click()
    await expect(form).to_have_count(0)
    await page.select_option("select[name=within]", str(town["id"]))
    people = page.locator("[data-testid=person-list] tbody tr[data-person]")
    await expect(people).to_have_count(1)
    await expect(people.first).to_contain_text("139 0000 9901")

    # a user for them, a duty officer over the new org
    await tab(page, "users")
    await page.click("[data-action=new-user]")
    form = page.locator("[data-form=user]")
    await form.locator("input[name=username]").fill(USERNAME)
    await form.locator("input[name=password]").fill(PASSWORD)
    await form.locator("[data-role=person-search]").fill(PERSON)
    person_id = server.api("GET", "/people", params={"q": PERSON})["data"][0]["id"]
    choose = form.locator("[data-role=person-choose]")
    await expect(choose.locator(f"option[value='{person_id}']")).to_have_count(1)
    await choose.select_option(str(person_id))
    await expect(choose).to_have_value(str(person_id))  # the choice stays shown, by name
    await form.locator("[data-action=add-grant]").click()
    await form.locator("select[name='grants.0.role']").select_option("duty_officer")
    await form.locator("select[name='grants.0.org_id']").select_option(str(town["id"]))
    await shot(page, "admin-user-form")
    await form.locator("[data-action=save-user]").click()
    await expect(form).to_have_count(0)
    row = page.locator(f"[data-testid=user-list] tr[data-user='{USERNAME}']")
    await expect(row).to_contain_text(PERSON)
    await expect(row.locator("[data-role=grant]")).to_have_text(f"值班员 · {TOWN}")
    await shot(page, "admin-users")

    # they log in and see their part of the tree only: their org and its people
    other = await browsers.page(DESKTOP)
    await browsers.login(other, USERNAME, "/admin", password=PASSWORD)
    scope = other.locator("[data-testid=my-scope] .grant")
    await expect(scope).to_have_count(1)
    await expect(scope).to_contain_text(f"值班员 · {TOWN}及下级")
    await expect(other.locator("[data-tab=users]")).to_have_count(0)
    await expect(other.locator("[data-testid=org-tree] [role=treeitem]")).to_have_count(1)
    await tab(other, "people")
    theirs = other.locator("[data-testid=person-list] tbody tr[data-person]")
    await expect(theirs).to_have_count(1)
    await expect(theirs.first).to_have_attribute("data-person", PERSON)
    # a person added to the org elsewhere shows on their page without a reload
    server.api(
        "POST", "/people", json={"name": "测试乙", "org_id": town["id"], "phones": ["13900009902"]}
    )
    await expect(theirs).to_have_count(2)
    await shot(other, "admin-scope")

    # an API token: shown once, it works; revoked, it does not
    await tab(page, "tokens")
    form = page.locator("[data-form=token]")
    await form.locator("input[name=name]").fill(TOKEN)
    await form.locator("[data-action=create-token]").click()
    secret = await page.locator("[data-testid=new-token] [data-role=secret]").inner_text()
    assert secret.startswith("yj_")
    assert status_with(server.base, secret) == 200
    token_row = page.locator(f"[data-testid=token-list] tr[data-token='{TOKEN}']")
    await expect(token_row).to_contain_text(secret[:6])
    await shot(page, "admin-token")
    await page.click("[data-action=hide-token]")
    await expect(page.locator("[data-testid=new-token]")).to_have_count(0)
    assert secret not in await page.content()
    await token_row.locator("[data-action=revoke]").click()
    await expect(token_row).to_have_count(0)
    await page.check("input[name=include_revoked]")
    await expect(token_row).to_have_attribute("data-revoked", "true")
    assert status_with(server.base, secret) == 401

    # a webhook channel of the new org at a real HTTP server; a test send and its result
    await tab(page, "channels")
    await page.click("[data-action=new-channel]")
    form = page.locator("[data-form=channel]")
    await form.locator("select[name=owner]").select_option("org")
    await form.locator("select[name=org_id]").select_option(str(town["id"]))
    await form.locator("select[name=kind]").select_option("webhook")
    await form.locator("input[name=address]").fill(target.url("/hook"))
    await form.locator("input[name=label]").fill(CHANNEL)
    await form.locator("[data-action=save-channel]").click()
    await expect(form).to_have_count(0)
    channel = page.locator(f"[data-testid=channel-list] tr[data-channel='{CHANNEL}']")
    await channel.locator("[data-action=test-send]").focus()
    await page.keyboard.press("Enter")
    result = page.locator(f"[data-test-of='{CHANNEL}'] [data-testid=test-result]")
    await expect(result).to_have_attribute("data-state", "sent", timeout=10000)
    await expect(result.locator("[data-role=status]")).to_have_text("HTTP 200")
    [received] = target.to("/hook")
    assert received.method == "POST" and received.json()["title"] == "应急平台测试消息"
    await shot(page, "admin-channel-test")
    # the township's duty officer sees their org's robot and may test it, not change it
    await tab(other, "channels")
    robot = other.locator(f"[data-testid=channel-list] tr[data-channel='{CHANNEL}']")
    await expect(robot.locator("[data-action=test-send]")).to_be_enabled()
    await expect(robot.locator("[data-action=edit]")).to_have_count(0)

    # the deliveries log has it, and filters by state and kind
    channel_id = server.api("GET", "/channels", params={"org_id": town["id"]})["data"][0]["id"]
    await tab(page, "deliveries")
    await page.select_option("select[name=within]", str(town["id"]))
    await page.select_option("select[name=kind]", "webhook")
    await page.select_option("select[name=state]", "sent")
    sent = page.locator(f"[data-testid=delivery-list] tr[data-ref='channel:{channel_id}:test']")
    await expect(sent).to_have_attribute("data-state", "sent")
    await expect(sent).to_contain_text("HTTP 200")
    await page.select_option("select[name=state]", "failed")
    await expect(sent).to_have_count(0)
    await page.select_option("select[name=state]", "sent")
    await shot(page, "admin-deliveries")

    # the audit log lists these changes; its filters narrow it
    await tab(page, "audit")
    audit = page.locator("[data-testid=audit-list] tbody tr[data-audit]")
    await page.select_option("select[name=org_id]", str(town["id"]))
    for kind in ("org", "person", "user", "channel", "delivery"):
        await expect(
            page.locator(f"[data-testid=audit-list] tr[data-object='{kind}']").first
        ).to_be_visible()
    await shot(page, "admin-audit")
    await page.select_option("select[name=org_id]", "")
    await page.select_option("select[name=object_type]", "api_token")
    await expect(audit).to_have_count(2)
    assert [await r.get_attribute("data-action") for r in await audit.all()] == [
        "revoked",
        "created",
    ]
    await page.select_option("select[name=object_type]", "org")
    await page.select_option("select[name=action]", "created")
    await expect(audit.first).to_contain_text(TOWN)
    await audit.first.locator("button").click()
    await expect(page.locator("[data-testid=audit-list] .diff")).to_contain_text(TOWN)


async def test_a_bad_phone_number_is_refused_at_its_field_in_both_languages(
    browsers: Browsers, server: Server
) -> None:
    page = await browsers.page(DESKTOP)
    await browsers.login(page, "admin", "/admin?tab=people")
    await page.click("[data-action=new-person]")
    form = page.locator("[data-form=person]")
    await form.locator("input[name=name]").fill("测试丙")
    await form.locator("select[name=org_id]").select_option(str(server.org("凤城镇")["id"]))
    await form.locator("input[name=phones]").fill("12345")
    await form.locator("input[name=phones]").press("Enter")
    error = form.locator("[data-field=phones]")
    await expect(error).to_contain_text("电话号码格式不正确：12345")
    await expect(form.locator("input[name=phones]")).to_have_attribute("aria-invalid", "true")
    await shot(page, "admin-field-error")
    await page.click("[data-testid=lang]")
    await form.locator("[data-action=save-person]").click()
    await expect(error).to_contain_text("Not a valid Chinese phone number: 12345")
    await expect(page.locator("[data-form=person] h3")).to_have_text("New person")
    await page.click("[data-testid=lang]")
    await form.locator("input[name=phones]").fill("0356-1234567")
    await form.locator("[data-action=save-person]").click()
    await expect(form).to_have_count(0)
    assert server.api("GET", "/people", params={"q": "测试丙"})["count"] == 1
