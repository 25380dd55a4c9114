"""Import with a dry run listing every bad row, real import only of a clean file, export."""

from __future__ import annotations

import io
from datetime import timedelta

import httpx
from openpyxl import Workbook, load_workbook

from plans.resources.common import today
from tests.plans.resources.conftest import Stores, ledger_rows

IMPORT = "/api/v1/resources/import"


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_teams_and_members_from_csv_and_xlsx(
    client: httpx.AsyncClient, stores: Stores
) -> None:
    csv_body = (
        "名称,类型,组织,人数,纬度,经度\n"
        "甲镇防汛抢险队,flood,甲镇,20,35.5,112.5\n"
        "坏类型队,ship,甲镇,1,35.5,112.5\n"
        "越界队,fire,乙镇,1,35.5,112.5\n"
        "坐标队,fire,甲镇,1,95,112.5\n"
        ",fire,甲镇,1,35,112\n"
    ).encode()
    r = await client.post(
        IMPORT, params={"what": "teams"}, content=csv_body, headers=stores.officer
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert [row["line"] for row in out["rows"]] == [2]
    assert [(p["line"], p["field"]) for p in out["problems"]] == [
        (3, "kind"),
        (4, "org"),
        (5, "base_lat"),
        (6, "name"),
    ]
    assert out["imported"] is False
    assert (await client.get("/api/v1/teams", headers=stores.officer)).json()["count"] == 0
    r = await client.post(
        IMPORT, params={"what": "teams", "dry_run": False}, content=csv_body, headers=stores.officer
    )
    assert r.status_code == 422 and r.json()["code"] == "validation_failed"
    assert (await client.get("/api/v1/teams", headers=stores.officer)).json()["count"] == 0
    good = csv_body.decode().splitlines()[:2]
    r = await client.post(
        IMPORT,
        params={"what": "teams", "dry_run": False},
        content="\n".join(good).encode(),
        headers=stores.officer,
    )
    assert r.status_code == 200 and r.json()["imported"] is True
    expiry = (today() + timedelta(days=100)).isoformat()
    members = xlsx(
        [
            ["队伍", "姓名", "手机", "技能", "证书", "证书有效期"],
            ["甲镇防汛抢险队", "新队员", "13911112222", "绳索,潜水", "潜水证", expiry],
            ["甲镇防汛抢险队", "坏号码", "12", None, None, None],
            ["没有的队", "某人", "13911113333", None, None, None],
        ]
    )
    r = await client.post(
        IMPORT, params={"what": "members"}, content=members, headers=stores.officer
    )
    assert [(p["line"], p["field"]) for p in r.json()["problems"]] == [(3, "phone"), (4, "team")]
    r = await client.get(
        "/api/v1/resources/export",
        params={"what": "teams", "format": "csv"},
        headers=stores.officer,
    )
    assert r.status_code == 200 and "甲镇防汛抢险队" in r.content.decode("utf-8-sig")


async def test_stock_import_lists_every_bad_row(
    client: httpx.AsyncClient, stores: Stores, db: object
) -> None:
    soon = (today() + timedelta(days=10)).isoformat()
    body = xlsx(
        [
            ["储备库", "物资", "规格", "批次", "数量", "入库日期", "有效期"],
            ["甲镇储备点", "编织袋", "50×80cm", "I-1", 500, "2026-11-01", soon],
            ["甲镇储备点", "编织袋", "50×80cm", "I-1", 5, None, None],  # duplicate batch
            ["甲镇储备点", "不存在", None, "I-2", 5, None, None],
            ["甲镇储备点", "帐篷", "12㎡", "I-3", -5, None, None],
            ["乙镇储备点", "帐篷", "12㎡", "I-4", 5, None, None],  # another township's
            ["甲镇储备点", "帐篷", "12㎡", "I-5", 5, "2026-11-01", "2026-10-01"],
        ]
    )
    from service.db import Database

    assert isinstance(db, Database)
    r = await client.post(IMPORT, params={"what": "stock"}, content=body, headers=stores.officer)
    assert r.status_code == 200, r.text
    assert [(p["line"], p["field"], p["code"]) for p in r.json()["problems"]] == [
        (3, "-", "batch_exists"),
        (4, "item", "item_not_found_by_name"),
        (5, "quantity", "greater_than"),
        (6, "depot", "depot_not_found_by_name"),
        (7, "expiry_date", "expiry_before_receipt"),
    ]
    assert await ledger_rows(db) == []
    r = await client.post(
        IMPORT, params={"what": "stock", "dry_run": False}, content=body, headers=stores.officer
    )
    assert r.status_code == 422
    assert await ledger_rows(db) == []
    events = await client.get(
        "/api/v1/events", params={"topics": "resources"}, headers=stores.admin
    )
    assert not [e for e in events.json()["data"] if e["type"] == "stock.received"]
    clean = xlsx(
        [
            ["储备库", "物资", "规格", "批次", "数量", "有效期"],
            ["甲镇储备点", "编织袋", "50×80cm", "I-1", 500, soon],
        ]
    )
    r = await client.post(
        IMPORT, params={"what": "stock", "dry_run": False}, content=clean, headers=stores.officer
    )
    assert r.status_code == 200 and r.json()["imported"], r.text
    r = await client.get(
        "/api/v1/resources/export", params={"what": "stock"}, headers=stores.officer
    )
    sheet = load_workbook(io.BytesIO(r.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:5] == ("甲镇储备点", "编织袋", "50×80cm", "I-1", 500)
    for junk in (b"\x00\x01", b"PK\x03\x04" + b"\x00" * 50, b"no,header\n1,2"):
        r = await client.post(
            IMPORT, params={"what": "stock"}, content=junk, headers=stores.officer
        )
        assert r.status_code == 422, r.text
