"""The diff of two versions and the printable handbook."""

from __future__ import annotations

import copy

import httpx

from tests.plans.library.conftest import API, Library, call, need, new_plan, to_published


async def _two_versions(client: httpx.AsyncClient, library: Library) -> dict:
    plan = await new_plan(client, library)
    await to_published(client, library, plan["id"], 1)
    duty = library.h("a_duty")
    v2 = await call(
        client,
        "POST",
        f"/{plan['id']}/versions",
        duty,
        {"revision_triggers": [{"kind": "drill_lessons", "ref": "drill:1"}]},
        201,
    )
    body = copy.deepcopy(v2["content"])
    body["sections"][0]["body"] = "为有效防范山洪和地质灾害，保障人民群众生命安全，制定本预案。"
    body["sections"].append({"key": "support", "title": "保障措施", "body": "物资储备到位。"})
    del body["sections"][1]
    four = body["levels"][1]
    four["actions"][1]["within_min"] = 60  # changed: faster evacuation
    del four["actions"][2]  # removed: report upward
    four["actions"].append({"action": "设置警戒区", "responsible": "派出所", "within_min": 45})
    four["resources"]["teams"][0]["count"] = 3
    four["resources"]["teams"].append({"team_type": "medical", "count": 1})
    four["resources"]["items"] = [need("tents", 20, note="安置点")]
    body["levels"][0]["triggers"].append("水库出现重大险情")
    await call(client, "PATCH", f"/{plan['id']}/versions/2", duty, {"content": body})
    return plan


async def test_diff_shows_added_removed_and_changed(
    client: httpx.AsyncClient, library: Library
) -> None:
    plan = await _two_versions(client, library)
    d = await call(client, "GET", f"/{plan['id']}/versions/2/diff?against=1", library.h("a_viewer"))
    assert (d["number"], d["against"]) == (2, 1)
    sections = {s["key"]: s for s in d["sections"]}
    assert sections["general"]["change"] == "changed"
    assert any(line.startswith("+") and "地质灾害" in line for line in sections["general"]["diff"])
    assert sections["support"]["change"] == "added" and sections["org"]["change"] == "removed"
    levels = {lv["level"]: lv for lv in d["levels"]}
    assert levels["III"]["change"] == "changed" and levels["III"]["fields"] == ["triggers"]
    four = levels["IV"]
    actions = {(a["key"], a["change"]) for a in four["actions"]}
    assert actions == {("IV-2", "changed"), ("IV-3", "removed"), ("IV-4", "added")}
    changed = next(a for a in four["actions"] if a["change"] == "changed")
    assert changed["fields"] == ["within_min"]
    assert (changed["before"]["within_min"], changed["after"]["within_min"]) == (120, 60)
    assert {(t["key"], t["change"]) for t in four["teams"]} == {
        ("flood", "changed"),
        ("medical", "added"),
    }
    stores = library.stores
    assert {(i["key"], i["change"]) for i in four["items"]} == {  # by catalogue id
        (str(stores.sandbags.id), "removed"),
        (str(stores.tents.id), "added"),
    }
    added = next(i for i in four["items"] if i["change"] == "added")["after"]
    assert (added["name"], added["unit"], added["note"]) == ("帐篷", "顶", "安置点")
    # the default is the version before; a version against itself has no changes
    default = await call(client, "GET", f"/{plan['id']}/versions/2/diff", library.h("a_duty"))
    assert default == d
    same = await call(
        client, "GET", f"/{plan['id']}/versions/2/diff?against=2", library.h("a_duty")
    )
    assert same["sections"] == [] and {lv["change"] for lv in same["levels"]} == {"same"}
    r = await client.get(
        f"{API}/{plan['id']}/versions/2/diff?against=9", headers=library.h("a_duty")
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "against"
    r = await client.get(f"{API}/{plan['id']}/versions/1/diff", headers=library.h("a_duty"))
    assert r.status_code == 422


async def test_print_view_has_one_action_card_per_level_and_escapes_text(
    client: httpx.AsyncClient, library: Library
) -> None:
    from tests.plans.library.conftest import content, level

    body = content(
        sections=[
            {
                "key": "s1",
                "title": "总则<script>",
                "body": "**重点**\n\n<img src=x onerror=alert(1)>",
            }
        ],
        levels=[level("I"), level("II"), level("IV", name="四级应急响应")],
    )
    plan = await new_plan(client, library, content=body)
    r = await client.get(f"{API}/{plan['id']}/versions/1/print", headers=library.h("a_viewer"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert '<html lang="zh-CN">' in html and "@media print" in html
    assert html.count('class="card"') == 3
    assert "行动卡片：四级应急响应" in html and "Ⅰ级（特别重大）" in html
    assert "<strong>重点</strong>" in html  # Markdown rendered
    assert "<script>" not in html and "<img" not in html  # text never becomes markup
    assert "30 分钟内" in html and "2 小时内" in html and "5000 条" in html
    assert "编织袋（50×80cm）" in html  # the catalogue's name and spec
    assert "本版本尚未发布" in html
