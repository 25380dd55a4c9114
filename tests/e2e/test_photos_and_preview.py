"""The composer shows who its rules would call, live; a phone's report with a camera photo
made offline arrives once, photo and all, when the network is back; the incident page
takes photos."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta

import httpx
from PIL import Image
from playwright.async_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, Browsers, Server, shot
from tests.e2e.test_offline_and_language import issue
from tests.factories import camera_jpeg


def expected_count(server: Server, org_ids: list[int], rules: list[dict]) -> int:
    body = {"org_ids": org_ids, "rules": rules, "limit": 0}
    return int(server.api("POST", "/warnings/preview", user="duty", json=body)["count"])


async def test_the_composer_previews_the_people_its_rules_call(
    browsers: Browsers, server: Server
) -> None:
    dongguan, xiguan = server.org("东关社区"), server.org("西关村")
    page = await browsers.page(DESKTOP)
    await browsers.login(page, "duty", "/")
    await page.keyboard.press("n")
    composer = page.locator("[data-testid=composer]")
    preview = composer.locator("[data-testid=recipient-preview]")
    await expect(preview).to_contain_text("选择影响区域后显示将叫应的人员")

    await composer.locator("input[data-org='东关社区']").check()
    one = expected_count(
        server,
        [dongguan["id"]],
        [{"rule": "responsible_persons", "org_ids": [dongguan["id"]], "tag": "基层责任人"}],
    )
    await expect(preview).to_have_attribute("data-count", str(one), timeout=5000)
    await composer.locator("input[data-org='西关村']").check()
    both = [dongguan["id"], xiguan["id"]]
    responsible = {"rule": "responsible_persons", "org_ids": both, "tag": "基层责任人"}
    two = expected_count(server, both, [responsible])
    assert two > one
    await expect(preview).to_have_attribute("data-count", str(two), timeout=5000)
    await expect(preview.locator("[data-testid=preview-count]")).to_have_text(f"{two} 人")
    await expect(preview.locator("[data-testid=preview-person]")).to_have_count(two)
    await expect(preview.locator("[data-testid=preview-township]")).to_have_text(f"凤城镇 {two}")
    # another rule: the leaders on duty of the two orgs, from the roster; each person once
    await composer.locator("input[name=leaders]").check()
    leaders = {"rule": "leaders_on_duty", "org_ids": both}
    three = expected_count(server, both, [responsible, leaders])
    await expect(preview).to_have_attribute("data-count", str(three), timeout=5000)
    await composer.locator("input[name=teams]").check()
    await composer.locator("label.chip", has_text="社会救援").click()
    await composer.locator("textarea[name=content]").fill(
        "受强降雨影响，东关社区、西关村山洪风险高。"
    )
    await page.wait_for_timeout(800)  # the preview settles
    await shot(page, "composer-preview")
    # nothing was issued by previewing
    assert server.api("GET", "/warnings", user="duty", params={"status": "draft"})["count"] == 0


async def test_a_report_with_a_photo_made_offline_arrives_once(
    browsers: Browsers, server: Server
) -> None:
    person = server.person_of("xiguan")
    phone = await browsers.page(PHONE, has_touch=True, is_mobile=True)
    await browsers.login(phone, "xiguan", "/m")
    warning_id = issue(server, [person], "暴雨黄色预警（照片反馈）")
    card = phone.locator(f"[data-testid=warning-card][data-warning-id='{warning_id}']")
    await card.locator("[data-testid=ack-button]").click()
    await expect(card.locator("[data-testid=my-state]")).to_contain_text("已收到", timeout=5000)

    await phone.context.set_offline(True)
    await expect(phone.locator("[data-testid=connection]")).to_have_attribute(
        "data-state", "offline"
    )
    await card.locator("[data-testid=feedback-open]").click()
    await card.locator("input[name=evacuated]").fill("6")
    await card.locator("textarea[name=text]").fill("沟道沿线6人已转移，现场照片见附件。")
    await card.locator("[data-testid=photo-input]").set_input_files(
        {"name": "IMG_2041.JPG", "mimeType": "image/jpeg", "buffer": camera_jpeg(640, 480)}
    )
    await expect(card.locator("[data-testid=photo-thumb]")).to_have_count(1)
    await shot(phone, "phone-feedback-photo", full_page=True)
    await card.locator("[data-testid=feedback-submit]").click()
    await expect(phone.locator("[data-testid=queued]")).to_be_visible()
    await phone.wait_for_timeout(1000)
    assert server.api("GET", f"/warnings/{warning_id}/feedback", user="duty")["count"] == 0

    await phone.context.set_offline(False)
    await expect(phone.locator("[data-testid=connection]")).to_have_attribute(
        "data-state", "live", timeout=10_000
    )
    await expect(phone.locator("[data-testid=queued]")).to_have_count(0, timeout=10_000)
    await expect(card.locator("[data-testid=feedback-sent]")).to_be_visible()
    await phone.reload()  # nothing is left to send again
    await expect(card.locator("[data-testid=my-state]")).to_be_visible()
    await phone.wait_for_timeout(1500)
    reports = server.api("GET", f"/warnings/{warning_id}/feedback", user="duty")["data"]
    assert [(r["person_id"], r["evacuated"], len(r["photos"])) for r in reports] == [(person, 6, 1)]
    photo = reports[0]["photos"][0]
    got = await asyncio.to_thread(
        httpx.get,
        f"{server.base}{photo['url']}",
        headers={"Authorization": f"Bearer {server.token('duty')}"},
    )
    image = Image.open(io.BytesIO(got.content))
    assert image.size == (480, 640)  # upright
    assert image.getexif().get_ifd(0x8825) == {}  # no GPS
    # the phone's photo store is empty again
    left = await phone.evaluate(
        """() => new Promise((ok) => {
             const r = indexedDB.open("yingji-phone", 1);
             r.onsuccess = () => {
               const q = r.result.transaction("photos").objectStore("photos").count();
               q.onsuccess = () => ok(q.result);
             };
           })"""
    )
    assert left == 0


async def test_the_incident_page_takes_photos(browsers: Browsers, server: Server) -> None:
    org = server.org("北留镇")
    now = datetime.now(UTC)
    incident = server.api(
        "POST",
        "/incidents",
        user="duty",
        json={
            "title": "北留镇某化工厂泄漏（照片）",
            "type": "hazardous_chemicals",
            "org_id": org["id"],
            "lat": 35.52,
            "lon": 112.48,
            "occurred_at": (now - timedelta(minutes=15)).isoformat(),
        },
    )
    page = await browsers.page(DESKTOP)
    await browsers.login(page, "duty", f"/incidents/{incident['id']}")
    photos = page.locator("[data-testid=incident-photos]")
    await expect(photos).to_have_attribute("data-count", "0")
    await photos.locator("[data-testid=incident-photo-input]").set_input_files(
        {"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": camera_jpeg(320, 240)}
    )
    await expect(photos).to_have_attribute("data-count", "1", timeout=5000)
    await expect(photos.locator("[data-testid=incident-photo] img")).to_be_visible()
    await expect(page.locator("[data-testid=log-entry]").first).to_contain_text("上传照片")
    listed = server.api("GET", f"/incidents/{incident['id']}/photos", user="duty")
    assert [p["filename"] for p in listed["data"]] == ["现场.jpg"]
