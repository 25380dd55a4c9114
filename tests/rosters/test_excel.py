"""Excel month rosters: a dry run lists every bad row with its reason and imports nothing;
a clean sheet imports as whole duty days; the export is a printable wall sheet."""

from __future__ import annotations

import io
from datetime import date, timedelta

import httpx
from openpyxl import Workbook, load_workbook

from tests.rosters.conftest import Roster, today

API = "/api/v1/duty"


def next_month() -> date:
    return (today().replace(day=28) + timedelta(days=4)).replace(day=1)


def month_days(first: date) -> list[date]:
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return [first + timedelta(days=n) for n in range((last - first).days)]


def sheet(rows: list[list[object]], header: tuple[str, ...] = ("日期", "岗位", "人员")) -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.append(list(header))
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def upload(
    client: httpx.AsyncClient, roster: Roster, body: bytes, month: date, dry_run: bool
) -> httpx.Response:
    return await client.post(
        f"{API}/import",
        params={
            "org_id": roster.org_id,
            "month": f"{month:%Y-%m}",
            "dry_run": str(dry_run).lower(),
        },
        content=body,
        headers={
            **roster.duty,
            "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        },
    )


def good_rows(roster: Roster, month: date) -> list[list[object]]:
    rows: list[list[object]] = []
    for i, d in enumerate(month_days(month)):
        leader = roster.leaders[(i + 1) % 3]  # not the rotation's order
        rows.append([d, "带班领导", leader.name])
        rows.append([d.isoformat(), "officer", roster.officers[i % 2].phones[0].replace("+86", "")])
    return rows


async def test_a_sheet_with_bad_rows_is_previewed_and_refused(
    client: httpx.AsyncClient, roster: Roster
) -> None:
    month = next_month()
    rows = good_rows(roster, month)
    d0, d1 = month_days(month)[:2]
    rows[2] = [
        "not a date",
        "带班领导",
        roster.leaders[0].name,
    ]  # line 4: leaves day 2 without a leader
    rows += [
        [d0 - timedelta(days=1), "带班领导", roster.leaders[0].name],  # other month
        [d0, "厨师", roster.leaders[0].name],  # unknown post
        [d0, "带班领导", "查无此人"],  # unknown person
        [d0, "officer", rows[1][2]],  # duplicate
        [d0, "带班领导", roster.leaders[2].name],  # a second leader that day
        [d0, "值班员", roster.world.person_b.name],  # outside the org
    ]
    r = await upload(client, roster, sheet(rows), month, dry_run=True)
    assert r.status_code == 200, r.text
    body = r.json()
    codes = [(p["line"], p["code"]) for p in body["problems"]]
    n = len(good_rows(roster, month)) + 1
    assert (0, "sheet_uncovered_day") in codes
    assert (4, "sheet_bad_date") in codes
    assert (n + 1, "sheet_other_month") in codes
    assert (n + 2, "post_unknown") in codes
    assert (n + 3, "person_unknown") in codes
    assert (n + 4, "sheet_duplicate") in codes
    assert (n + 5, "sheet_overlap") in codes
    assert (n + 6, "person_unknown") in codes
    uncovered = [p for p in body["problems"] if p["code"] == "sheet_uncovered_day"]
    assert [p["message"] for p in uncovered] == [f"{d1.isoformat()} 没有安排 带班领导"]
    assert body["imported"] is False
    r = await upload(client, roster, sheet(rows), month, dry_run=False)
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "sheet_has_problems"
    # nothing imported: the rotation still decides
    overrides = (
        await client.get(f"{API}/overrides", params={"org_id": roster.org_id}, headers=roster.duty)
    ).json()
    assert overrides["count"] == 0
    r = await upload(client, roster, b"PK\x03\x04 not really a workbook", month, dry_run=True)
    assert r.json()["problems"][0]["code"] == "sheet_not_xlsx"
    r = await upload(client, roster, sheet([], header=("a", "b")), month, dry_run=True)
    assert r.json()["problems"][0]["code"] == "sheet_header"


async def test_a_clean_sheet_imports_whole_duty_days_and_exports(
    client: httpx.AsyncClient, roster: Roster
) -> None:
    month = next_month()
    rows = good_rows(roster, month)
    preview = (await upload(client, roster, sheet(rows), month, dry_run=True)).json()
    assert preview["problems"] == [] and len(preview["rows"]) == len(rows)
    r = await upload(client, roster, sheet(rows), month, dry_run=False)
    assert r.status_code == 200 and r.json()["imported"] is True, r.text
    for i, d in enumerate(month_days(month)[:3]):
        at = f"{d.isoformat()}T12:00:00+08:00"
        now = (
            await client.get(
                f"{API}/now", params={"org_id": roster.org_id, "at": at}, headers=roster.duty
            )
        ).json()
        assert now["leader"]["id"] == roster.leaders[(i + 1) % 3].id
        assert [o["id"] for o in now["officers"]] == [roster.officers[i % 2].id]
    # importing again replaces, not adds
    assert (await upload(client, roster, sheet(rows), month, dry_run=False)).status_code == 200
    overrides = (
        await client.get(
            f"{API}/overrides", params={"org_id": roster.org_id, "limit": 500}, headers=roster.duty
        )
    ).json()
    assert overrides["count"] == len(rows)
    r = await client.get(
        f"{API}/export.xlsx",
        params={"org_id": roster.org_id, "month": f"{month:%Y-%m}"},
        headers=roster.duty,
    )
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None
    assert str(ws["A1"].value).endswith(f"{month.year}年{month.month}月 值班表")
    assert [c.value for c in ws[2]][:5] == ["日期", "星期", "节假日", "带班领导", "值班员"]
    assert ws["D3"].value == roster.leaders[1].name and ws.max_row == 2 + len(month_days(month))
    assert ws.page_setup.orientation == "landscape"
