"""The roster screen in a real browser: a month roster for a new duty room is imported from
Excel (the dry run lists the two bad rows, in zh-CN and in English; the fixed file imports
and the calendar shows the month without gaps); on the county roster a duty officer checks
in and hands over, requests a swap that the colleague accepts and a leader approves, each
logged in as themself, every page following the others' steps without a reload."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from playwright.async_api import Page, expect

from tests.e2e.conftest import DESKTOP, Browsers, Server, shot

SHANGHAI = ZoneInfo("Asia/Shanghai")
COUNTY = "阳城县"


def next_month() -> date:
    today = datetime.now(SHANGHAI).date()
    return (today.replace(day=28) + timedelta(days=5)).replace(day=1)


def month_days(first: date) -> list[date]:
    days = [first]
    while (days[-1] + timedelta(days=1)).month == first.month:
        days.append(days[-1] + timedelta(days=1))
    return days


def sheet(rows: list[tuple[Any, str, str]]) -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["日期", "岗位", "人员"])
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def duty_room(server: Server) -> tuple[int, list[str]]:
    """A new department duty room under the county, its three people and its shift pattern,
    with no rotation yet: every day of its calendar is a gap."""
    county = server.org(COUNTY)
    org = server.api(
        "POST",
        "/orgs",
        json={"name": "县应急指挥中心值班室", "kind": "department", "parent_id": county["id"]},
    )
    names = ["值班室领导甲", "值班室领导乙", "值班室值班员丙"]
    for name in names:
        server.api("POST", "/people", json={"name": name, "org_id": org["id"]})
    server.api("PUT", f"/duty/schedules/{org['id']}", json={"changeovers": ["08:30"]})
    return org["id"], names


async def upload(page: Page, name: str, body: bytes) -> None:
    form = page.locator("[data-form=roster-import]")
    await form.locator("input[name=file]").set_input_files(
        {
            "name": name,
            "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "buffer": body,
        }
    )
    await form.locator("[data-action=dry-run]").click()


async def test_import_a_month_with_bad_rows_then_the_calendar_has_no_gaps(
    browsers: Browsers, server: Server
) -> None:
    org_id, (lead_a, lead_b, officer) = duty_room(server)
    first = next_month()
    month = f"{first:%Y-%m}"
    days = month_days(first)
    page = await browsers.page(DESKTOP)
    await browsers.login(page, "duty", "/roster")
    await page.goto(f"/roster?org={org_id}&month={month}")
    await expect(page.locator("[data-testid=roster-calendar]")).to_have_attribute(
        "data-month", month
    )
    summary = page.locator("[data-testid=gap-summary]")
    await expect(summary).to_have_attribute("data-gap-days", str(len(days)))
    await expect(page.locator("[data-testid=roster-calendar] td[data-gap=true]")).to_have_count(
        len(days)
    )

    good = [(d, "带班领导", lead_a if d.day % 2 else lead_b) for d in days]
    good += [(d, "值班员", officer) for d in days]
    bad_person = (days[4], "值班员", "查无此人")
    bad_date = ((first - timedelta(days=1)).isoformat(), "值班员", officer)
    rows = [*good[:10], bad_person, *good[10:40], bad_date, *good[40:]]
    await page.click("[data-tab=import]")
    await upload(page, "值班表-有错.xlsx", sheet(rows))
    problems = page.locator("[data-testid=roster-import-problems] tbody tr")
    await expect(problems).to_have_count(2)
    # the header is line 1: the unknown person is on line 12, the other month's date on 43
    await expect(problems.nth(0)).to_have_attribute("data-line", "12")
    await expect(problems.nth(0)).to_contain_text("人员不存在")
    await expect(problems.nth(1)).to_have_attribute("data-line", "43")
    await expect(problems.nth(1)).to_contain_text("不在所导入的月份内")
    await expect(page.locator("[data-action=import]")).to_be_disabled()
    await shot(page, "roster-import-preview")
    await page.click("[data-testid=lang]")
    await page.locator("[data-form=roster-import] [data-action=dry-run]").click()
    await expect(problems.nth(0)).to_contain_text("No such person")
    await expect(problems.nth(1)).to_contain_text("is not in the month being imported")
    await page.click("[data-testid=lang]")

    # fixed: the two rows go, the check passes, the import runs
    await upload(page, "值班表.xlsx", sheet(good))
    result = page.locator("[data-testid=roster-import-result]")
    await expect(result).to_contain_text(f"检查通过：{len(good)} 行")
    await page.click("[data-action=import]")
    await expect(result).to_have_attribute("data-imported", "true")
    await expect(result).to_contain_text(f"已导入 {month} 的 {len(good)} 行")

    await page.click("[data-tab=calendar]")
    await expect(summary).to_have_attribute("data-gap-days", "0")
    await expect(summary).to_contain_text("本月每天都有带班领导和值班员")
    cell = page.locator(f"[data-day='{days[0]}']")
    await expect(cell.locator("[data-post=leader]")).to_contain_text(lead_a)
    await expect(cell.locator("[data-post=officer]")).to_contain_text(officer)
    await cell.locator(".day-no").click()
    await expect(page.locator("[data-testid=roster-day] tbody tr[data-shift]")).to_have_count(2)
    await expect(page.locator("[data-testid=roster-day]")).to_contain_text("Excel 导入")
    await shot(page, "roster-calendar", full_page=True)


def county_officers(server: Server) -> tuple[int, int, int]:
    """(county id, the officer post's id, a colleague of the duty user on that post)"""
    county = server.org(COUNTY)["id"]
    posts = server.api("GET", f"/duty/schedules/{county}")["posts"]
    officer_post = next(p["id"] for p in posts if p["key"] == "officer")
    me = server.person_of("duty")
    rotation = next(
        r
        for r in server.api("GET", "/duty/rotations", params={"org_id": county})["data"]
        if r["post_id"] == officer_post
    )
    colleague = next(p for p in rotation["people"] if p != me)
    return county, officer_post, colleague


def put_duty_on_now(server: Server, county: int, officer_post: int) -> None:
    """The duty user holds the officer post for the rest of the current shift."""
    me = server.person_of("duty")
    now = server.api("GET", "/duty/now", params={"org_id": county})
    current = next(s for s in now["shifts"] if s["post_id"] == officer_post)
    if current["person_id"] == me:
        return
    server.api(
        "POST",
        "/duty/overrides",
        json={
            "org_id": county,
            "post_id": officer_post,
            "person_id": me,
            "replaces_person_id": current["person_id"],
            "start_at": datetime.now(UTC).isoformat(),
            "end_at": current["end_at"],
            "reason": "e2e",
        },
    )


async def test_check_in_hand_over_and_a_swap_accepted_and_approved(
    browsers: Browsers, server: Server
) -> None:
    county, officer_post, colleague = county_officers(server)
    put_duty_on_now(server, county, officer_post)
    server.api(
        "POST",
        "/users",
        json={
            "username": "officer2",
            "password": "yingji-demo",
            "person_id": colleague,
            "grants": [{"role": "viewer", "org_id": county}],
        },
    )
    colleague_name = server.api("GET", f"/people/{colleague}")["name"]

    duty = await browsers.page(DESKTOP)
    await browsers.login(duty, "duty", "/roster?tab=mine")
    mine = duty.locator("[data-testid=my-shifts]")
    current = mine.locator("tr[data-state=now]")
    await expect(current).to_have_count(1)
    await current.locator("[data-action=checkin]").click()
    await expect(current.locator("[data-role=checked-in]")).to_contain_text("已签到")

    # the handover: an empty note is refused at its field, then handed over with a matter
    await current.locator("[data-action=open-shift]").click()
    panel = duty.locator("[data-testid=shift-panel]")
    await panel.locator("[data-action=handover-open]").click()
    form = panel.locator("[data-form=handover]")
    await form.locator("[data-action=handover-submit]").click()
    await expect(form.locator("[data-field=notes]")).to_have_text("至少 1 个字符")
    await form.locator("textarea[name=notes]").fill("夜间东关社区积水已排除，留意凌晨降雨。")
    await form.locator("[data-action=add-matter]").click()
    await form.locator("select[name=matter-kind-0]").select_option("warning")
    await form.locator("input[name=matter-title-0]").fill("暴雨黄色预警仍在生效")
    await form.locator("[data-action=handover-submit]").click()
    given = panel.locator("[data-role=given]")
    await expect(given).to_contain_text("夜间东关社区积水已排除")
    await expect(given).to_contain_text("暴雨黄色预警仍在生效")
    await expect(given.locator("[data-role=given-state]")).to_have_text("下一班尚未确认")
    await shot(duty, "roster-handover", full_page=True)

    # a swap of a later shift: requested by the duty officer …
    later = mine.locator("tr[data-state=later]").first
    shift_id = int(await later.get_attribute("data-shift") or 0)
    shift = server.api("GET", f"/duty/shifts/{shift_id}")
    await later.locator("[data-action=swap-open]").click()
    swap_form = duty.locator("[data-form=swap]")
    await swap_form.locator("[data-role=person-search]").fill(colleague_name)
    choose = swap_form.locator("[data-role=person-choose]")
    await expect(choose.locator(f"option[value='{colleague}']")).to_have_count(1)
    await choose.select_option(str(colleague))
    await swap_form.locator("input[name=reason]").fill("家中有事")
    await swap_form.locator("[data-action=swap-submit]").click()
    await expect(duty.get_by_text("换班申请已发送，等待对方同意")).to_be_visible()
    await duty.click("[data-tab=swaps]")
    row = duty.locator("[data-testid=swap-list] tbody tr[data-swap]").first
    await expect(row).to_have_attribute("data-state", "requested")
    swap_id = await row.get_attribute("data-swap")
    await expect(row.locator("[data-action=swap-approve]")).to_have_count(0)

    # … accepted by the colleague, logged in as themself …
    other = await browsers.page(DESKTOP)
    await browsers.login(other, "officer2", "/roster?tab=swaps")
    theirs = other.locator(f"[data-testid=swap-list] tr[data-swap='{swap_id}']")
    await theirs.locator("[data-action=swap-accept]").click()
    await expect(theirs).to_have_attribute("data-state", "accepted")
    await expect(row).to_have_attribute("data-state", "accepted")  # live on the requester's

    # … approved by a leader, who is neither of them
    leader = await browsers.page(DESKTOP)
    await browsers.login(leader, "leader", "/roster?tab=swaps")
    decided = leader.locator(f"[data-testid=swap-list] tr[data-swap='{swap_id}']")
    await expect(decided.locator("[data-action=swap-approve]")).to_be_visible()
    await shot(leader, "roster-swaps")
    await decided.locator("[data-action=swap-approve]").click()
    await expect(decided).to_have_attribute("data-state", "approved")
    await expect(row).to_have_attribute("data-state", "approved")
    await expect(theirs).to_have_attribute("data-state", "approved")

    # the colleague now holds the shift, on the calendar too
    start = datetime.fromisoformat(shift["start_at"]).astimezone(SHANGHAI)
    await leader.goto(f"/roster?org={county}&month={start:%Y-%m}")
    cell = leader.locator(f"[data-day='{start.date()}'] [data-post=officer]")
    await expect(cell).to_contain_text(colleague_name)
    held = server.api(
        "GET",
        "/duty/shifts",
        params={
            "org_id": county,
            "post_id": officer_post,
            "start": shift["start_at"],
            "end": shift["end_at"],
        },
    )["data"]
    assert [s["person_id"] for s in held if s["start_at"] == shift["start_at"]] == [colleague]
