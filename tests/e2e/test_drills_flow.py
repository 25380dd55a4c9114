"""A drill through the drills screens in a real browser: the county's drill coordinator
schedules a multi-department drill (a server field error shows at its field first), notifies
and starts it, issues an exercise warning from the drill page; a village phone answers it, and
the drill page shows the answer time live while the dispatch screen and the phone mark it
演练; the drill ends, is evaluated (a bad score shows at its criterion), a finding gets a
corrective action, closing is refused while it is open and allowed once it is done; the
after-action report renders as a print view; and the flood control HQ's yearly compliance,
open beside it on another screen, turns met without a reload."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.async_api import Page, expect

from tests.e2e.conftest import DESKTOP, PHONE, Browsers, Server, shot

TITLE = "县防汛抗旱指挥部山洪灾害实战化演练"
HQ = "县防汛抗旱指挥部"
PLAN = "凤城镇突发事件综合应急预案"
ZONE = ZoneInfo("Asia/Shanghai")


def local(at: datetime) -> str:
    return at.astimezone(ZONE).strftime("%Y-%m-%dT%H:%M")


async def status_is(page: Page, status: str) -> None:
    await expect(page.locator("[data-testid=drill-head]")).to_have_attribute(
        "data-status", status, timeout=5000
    )


async def test_schedule_run_evaluate_and_close_a_drill_and_compliance_turns_met(
    browsers: Browsers, server: Server
) -> None:
    dongguan = server.person_of("dongguan")
    hq = server.org(HQ)
    now = datetime.now(ZONE)

    coordinator = await browsers.page(DESKTOP)
    await browsers.login(coordinator, "drill", "/drills")
    # the HQ's yearly compliance (a full-scale drill a year), open on the leader's screen
    watcher = await browsers.page(DESKTOP)
    await browsers.login(watcher, "leader", "/drills?tab=compliance")
    hq_row = watcher.locator(
        f"[data-testid=compliance] tr[data-rule=command_full_scale][data-org='{HQ}']"
    )
    await expect(hq_row).to_have_count(1)
    assert await hq_row.get_attribute("data-state") in ("due", "due_soon")

    # schedule: the form from the keyboard; an end before the start is the server's error
    await expect(coordinator.locator("[data-testid=drill-calendar]")).to_be_visible()
    await coordinator.click("[data-action=new-drill]")
    form = coordinator.locator("[data-form=drill]")
    await form.locator("input[name=title]").fill(TITLE)
    await form.locator("select[name=type]").select_option("full_scale")
    await form.locator("select[name=scope]").select_option("command")
    await form.locator("select[name=org_id]").select_option(str(hq["id"]))
    await form.locator("input[name=start_at]").fill(local(now - timedelta(minutes=5)))
    await form.locator("input[name=end_at]").fill(local(now - timedelta(minutes=30)))
    await form.locator("input[name=location]").fill("凤城镇东关社区")
    await form.locator("select[name=plan_id]").select_option(label=PLAN)
    await form.locator("select[name=level]").select_option("IV")
    await form.locator("textarea[name=scenario]").fill(
        "强降雨引发山洪，东关社区沟道沿线群众需紧急转移。"
    )
    for org in ("凤城镇", "县应急管理局", "东关社区"):
        await form.locator(f"[data-role=org-ids] input[data-org='{org}']").check()
    await form.locator("input[name=title]").press("Enter")
    error = form.locator("[data-field=end_at]")
    await expect(error).to_be_visible()
    await expect(form.locator("input[name=end_at]")).to_have_attribute("aria-invalid", "true")
    await shot(coordinator, "drills-form-error")
    await form.locator("input[name=end_at]").fill(local(now + timedelta(hours=3)))
    await form.locator("[data-action=save-drill]").click()
    await coordinator.wait_for_url("**/drills/*")
    drill_id = int(coordinator.url.rstrip("/").rsplit("/", 1)[-1])
    await status_is(coordinator, "planned")
    detail = server.api("GET", f"/drills/{drill_id}", user="drill")
    assert detail["multi_department"] is True and detail["plan_version"] == 1

    # it shows on the calendar's day
    calendar = await browsers.page(DESKTOP)
    await browsers.login(calendar, "drill", "/drills")
    today = now.strftime("%Y-%m-%d")
    await expect(
        calendar.locator(f"td[data-day='{today}'] a[data-drill='{TITLE}']")
    ).to_be_visible()
    await shot(calendar, "drills-calendar")
    # and in the iCalendar file of the drills the county organises
    await calendar.click("summary:has-text('日历订阅')")
    await calendar.select_option("select[name=feed_of]", str(server.org("阳城县")["id"]))
    async with calendar.expect_download() as download:
        await calendar.click("[data-action=download-ics]")
    saved = await (await download.value).path()
    ics = re.sub(r"\r?\n[ \t]", "", saved.read_text(encoding="utf-8"))  # unfold the lines
    assert "BEGIN:VCALENDAR" in ics and TITLE in ics

    # the dispatch screen and a village phone, open before the exercise starts
    dispatch = await browsers.page(DESKTOP)
    await browsers.login(dispatch, "duty", "/")
    phone = await browsers.page(PHONE, has_touch=True, is_mobile=True)
    await browsers.login(phone, "dongguan", "/m")

    # notify, start, and issue an exercise warning from the drill page
    await coordinator.click("[data-step=notify]")
    await status_is(coordinator, "notified")
    await coordinator.click("[data-step=start]")
    await status_is(coordinator, "in_progress")
    await expect(coordinator.locator("[data-testid=drill-elapsed]")).to_be_visible()
    await coordinator.click("[data-action=exercise-warning]")
    composer = coordinator.locator("[data-testid=composer]")
    await expect(composer.locator("[data-testid=exercise-tag]")).to_be_visible()
    await composer.locator("select[name=hazard]").select_option("mountain_torrent")
    await composer.locator("textarea[name=content]").fill("【演练】东关社区沟道水位快速上涨。")
    await composer.locator("textarea[name=instruction]").fill("组织沟道沿线群众转移，回复收到。")
    await composer.locator("input[data-org='东关社区']").check()
    async with coordinator.expect_response(
        lambda r: (
            r.url.endswith(f"/api/v1/drills/{drill_id}/warnings") and r.request.method == "POST"
        )
    ) as response:
        await composer.locator("[data-testid=issue]").click()
    assert (await response.value).status == 201
    warning = await (await response.value).json()
    assert warning["exercise"] is True and warning["title"].startswith("【演练】")

    run = coordinator.locator(f"[data-testid=run-warning][data-warning-id='{warning['id']}']")
    mine = run.locator(f"tr[data-person-id='{dongguan}']")
    await expect(mine).to_have_attribute("data-state", "pending")
    await expect(mine.locator("[data-testid=answer-time] .waiting")).to_be_visible()

    # the phone gets it marked 演练 and answers; the dispatch screen marks it too
    card = phone.locator(f"[data-testid=warning-card][data-warning-id='{warning['id']}']")
    await expect(card.locator("[data-testid=exercise-tag]")).to_have_text("演练")
    panel = dispatch.locator(f"[data-testid=warning-panel][data-warning-id='{warning['id']}']")
    await expect(panel.locator("[data-testid=exercise-tag]")).to_have_text("演练")
    await expect(
        dispatch.locator("[data-testid=feed] [data-testid=exercise-tag]").first
    ).to_be_visible()
    await shot(phone, "drills-phone-exercise")
    await card.locator("[data-testid=ack-button]").click()
    await expect(card).to_have_attribute("data-state", "acknowledged")

    # the drill page follows without a reload: the answer and its time
    await expect(mine).to_have_attribute("data-state", "acknowledged")
    await expect(mine.locator("[data-testid=answer-time] b")).to_have_text(
        re.compile(r"^\d+:\d\d$")
    )
    await expect(run.locator("[data-testid=run-answered]")).to_contain_text("已叫应 1/")
    await shot(coordinator, "drills-run", full_page=True)
    await expect(panel.locator(f"tr[data-person-id='{dongguan}']")).to_have_count(0)

    # an exercise incident: on the run log, marked on the dispatch screen's feed and its page
    await coordinator.click("[data-action=exercise-incident]")
    record = coordinator.locator("[data-form=exercise-incident]")
    await record.locator("input[name=title]").fill("东关社区沟道山洪围困群众")
    await record.locator("select[name=type]").select_option("flood")
    await record.locator("select[name=org_id]").select_option(str(server.org("凤城镇")["id"]))
    async with coordinator.expect_response(
        lambda r: (
            r.url.endswith(f"/api/v1/drills/{drill_id}/incidents") and r.request.method == "POST"
        )
    ) as response:
        await record.locator("button[type=submit]").click()
    incident = await (await response.value).json()
    assert incident["exercise"] is True
    await expect(
        coordinator.locator(f"[data-testid=run-incidents] tr[data-incident-id='{incident['id']}']")
    ).to_be_visible()
    item = dispatch.locator(f"[data-testid=incident-item][data-incident-id='{incident['id']}']")
    await expect(item.locator("[data-testid=exercise-tag]")).to_have_text("演练")
    await shot(dispatch, "drills-dispatch-exercise")
    await item.locator("a").click()
    await dispatch.wait_for_url(f"**/incidents/{incident['id']}")
    await expect(
        dispatch.locator("[data-testid=incident-page] [data-testid=exercise-tag]")
    ).to_be_visible()
    await dispatch.goto(f"/warnings/{warning['id']}")
    await expect(dispatch.locator("h2 [data-testid=exercise-tag]")).to_have_text("演练")

    # the drill ends: held, so the HQ's compliance turns met on the other screen
    await coordinator.click("[data-step=complete]")
    await status_is(coordinator, "completed")
    await expect(hq_row).to_have_attribute("data-state", "met", timeout=5000)
    await expect(hq_row.locator(f"a[href='/drills/{drill_id}']")).to_be_visible()

    # the evaluation: a score out of range is refused at its criterion
    await coordinator.click("[data-action=evaluate]")
    evaluation = coordinator.locator("[data-form=evaluation]")
    await evaluation.locator("input[name='scores.0.score']").fill("150")
    await evaluation.locator("textarea[name=summary]").fill(
        "转移组织有序，通知到位；沟道沿线转移时限偏长。"
    )
    await evaluation.locator("[data-action=save-evaluation]").click()
    await expect(evaluation.locator("[data-field='scores.0.score']")).to_be_visible()
    for i, score in enumerate(("85", "90", "80", "75", "70")):
        await evaluation.locator(f"input[name='scores.{i}.score']").fill(score)
    await evaluation.locator("[data-action=save-evaluation]").click()
    await status_is(coordinator, "evaluated")
    await expect(coordinator.locator("[data-testid=overall-score]")).to_have_text("80")

    # a finding with a corrective action; closing waits for it
    await coordinator.click("[data-action=add-finding]")
    finding_form = coordinator.locator("[data-form=finding]")
    await finding_form.locator("textarea[name=text]").fill("沟道沿线群众转移用时超过 30 分钟")
    await finding_form.locator("select[name=criterion]").select_option("timeliness")
    await finding_form.locator("[data-action=save-finding]").click()
    finding = coordinator.locator("[data-testid=finding]").first
    await finding.locator("[data-action=add-action]").click()
    action_form = coordinator.locator("[data-form=action]")
    await action_form.locator("input[name=text]").fill("增设东关社区转移引导员并复训")
    await action_form.locator("select[name=owner_org_id]").select_option(
        str(server.org("东关社区")["id"])
    )
    await action_form.locator("[data-action=save-action]").click()
    action = finding.locator("[data-testid=actions] tbody tr").first
    await expect(action).to_have_attribute("data-status", "open")
    # the tracking list of corrective actions across drills, open on the other page
    await calendar.click("[data-tab=actions]")
    tracked = calendar.locator(
        "[data-testid=action-list] tr", has_text="增设东关社区转移引导员并复训"
    )
    await expect(tracked).to_have_attribute("data-status", "open")
    await expect(tracked.locator("a")).to_have_text(TITLE)
    await shot(coordinator, "drills-evaluation", full_page=True)
    await coordinator.click("[data-step=close]")
    await expect(coordinator.locator("[data-testid=step-error]")).to_contain_text("整改措施")
    await status_is(coordinator, "evaluated")
    await action.locator("[data-move=done]").click()
    await expect(action).to_have_attribute("data-status", "done")
    await expect(tracked).to_have_attribute("data-status", "done")  # live, no reload
    await shot(calendar, "drills-actions")
    await coordinator.click("[data-step=close]")
    await status_is(coordinator, "closed")

    # the after-action report as a print view
    await coordinator.click("[data-action=report]")
    await coordinator.wait_for_url(f"**/drills/{drill_id}/report")
    sheet = coordinator.locator("[data-testid=report-sheet]")
    await expect(sheet).to_contain_text(TITLE)
    await expect(sheet.locator("[data-testid=report-overall]")).to_have_text("80")
    answered = sheet.locator("[data-testid=report-answer-time]", has_text=re.compile(r"^\d+:\d\d$"))
    await expect(answered.first).to_be_visible()
    await expect(sheet.locator("[data-testid=report-open-actions]")).to_contain_text("0")
    await expect(sheet).to_contain_text("增设东关社区转移引导员并复训")
    await shot(coordinator, "drills-report", full_page=True)
    await coordinator.click("[data-testid=lang]")
    await expect(sheet).to_contain_text("After-action report")
    await expect(sheet).to_contain_text("Time to answer")
    await coordinator.click("[data-testid=lang]")

    # still met, with the closed drill; the compliance table in English too
    await expect(hq_row).to_have_attribute("data-state", "met")
    await shot(watcher, "drills-compliance")
    await watcher.click("[data-testid=lang]")
    await expect(hq_row.locator("[data-testid=compliance-state]")).to_contain_text("Met")
    await watcher.click("[data-testid=lang]")
