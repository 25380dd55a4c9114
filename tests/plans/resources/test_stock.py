"""The stock ledger: movements, balances from the ledger, bad input leaving it unchanged,
concurrent issues of the last units, transfer atomicity, expiry write-off, stock card."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from plans.resources import stock
from plans.resources.common import today
from plans.resources.schemas import Issue
from service.auth.permissions import SYSTEM
from service.db import Database
from service.errors import Conflict
from tests.plans.resources.conftest import Stores, ledger_rows, receive

STOCK = "/api/v1/stock"


async def balance(client: httpx.AsyncClient, stores: Stores, depot_id: int, item_id: int) -> int:
    r = await client.get(
        STOCK, params={"depot_id": depot_id, "item_id": item_id}, headers=stores.officer
    )
    assert r.status_code == 200, r.text
    rows = r.json()["data"]
    return rows[0]["quantity"] if rows else 0


async def test_receive_issue_dispatch_and_card(client: httpx.AsyncClient, stores: Stores) -> None:
    soon = today() + timedelta(days=90)
    later = today() + timedelta(days=400)
    r = await receive(client, stores, batch="LATE", quantity=100, expiry_date=str(later))
    assert r.status_code == 201, r.text
    r = await receive(client, stores, batch="SOON", quantity=30, expiry_date=str(soon))
    assert r.status_code == 201, r.text
    a, item = stores.depot_a.id, stores.sandbags.id
    assert await balance(client, stores, a, item) == 130
    # first to expire goes first: 30 from SOON, 10 from LATE
    r = await client.post(
        f"{STOCK}/issue",
        json={"depot_id": a, "item_id": item, "quantity": 40, "reason": "甲村"},
        headers=stores.officer,
    )
    assert r.status_code == 201, r.text
    assert [m["quantity"] for m in r.json()["movements"]] == [-30, -10]
    r = await client.post(
        f"{STOCK}/dispatch",
        json={"depot_id": a, "item_id": item, "quantity": 50, "incident_ref": "INC-2026-7"},
        headers=stores.officer,
    )
    assert r.status_code == 201, r.text
    assert r.json()["movements"][0]["kind"] == "dispatch"
    assert await balance(client, stores, a, item) == 40
    r = await client.get(
        f"{STOCK}/movements", params={"incident_ref": "INC-2026-7"}, headers=stores.officer
    )
    assert r.json()["count"] == 1
    card = (
        await client.get(
            f"/api/v1/depots/{a}/card", params={"item_id": item}, headers=stores.officer
        )
    ).json()
    assert [line["balance"] for line in card["lines"]] == [100, 130, 100, 90, 40]
    assert card["opening"] == 0 and card["closing"] == 40
    lots = (
        await client.get(f"{STOCK}/lots", params={"depot_id": a}, headers=stores.officer)
    ).json()
    assert [(x["batch"], x["quantity"]) for x in lots["data"]] == [("LATE", 40)]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"quantity": 0}, 422, "greater_than"),
        ({"quantity": -5}, 422, "greater_than"),
        ({"item_id": 999_999}, 422, "item_unknown"),
        ({"batch": "B1"}, 409, "batch_exists"),
        (
            {"batch": "B2", "received_date": "2026-06-01", "expiry_date": "2026-05-01"},
            422,
            "expiry_before_receipt",
        ),
    ],
)
async def test_bad_receipts_leave_the_ledger_unchanged(
    client: httpx.AsyncClient, stores: Stores, db: Database, body: dict, status: int, code: str
) -> None:
    assert (await receive(client, stores)).status_code == 201
    before = await ledger_rows(db)
    r = await receive(client, stores, **body)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert code in {r.json()["code"], *(e["code"] for e in r.json().get("errors", []))}
    assert await ledger_rows(db) == before


async def test_bad_outgoing_movements(
    client: httpx.AsyncClient, stores: Stores, db: Database
) -> None:
    assert (await receive(client, stores, quantity=50)).status_code == 201
    before = await ledger_rows(db)
    a, a2, item = stores.depot_a.id, stores.depot_a2.id, stores.sandbags.id
    cases = [
        ("issue", {"depot_id": a, "item_id": item, "quantity": 51}, 409, "insufficient_stock"),
        (
            "issue",
            {"depot_id": a, "item_id": stores.pumps.id, "quantity": 1},
            409,
            "insufficient_stock",
        ),
        ("issue", {"depot_id": a, "item_id": 424242, "quantity": 1}, 422, "item_unknown"),
        (
            "transfer",
            {"from_depot_id": a, "to_depot_id": a, "item_id": item, "quantity": 1},
            422,
            "same_depot",
        ),
        (
            "transfer",
            {"from_depot_id": a, "to_depot_id": a2, "item_id": item, "quantity": 60},
            409,
            "insufficient_stock",
        ),
        (
            "adjust",
            {"depot_id": a, "lot_id": 1, "quantity": -51, "reason": "盘亏"},
            409,
            "insufficient_stock",
        ),
        (
            "adjust",
            {"depot_id": a, "lot_id": 1, "quantity": 0, "reason": "x"},
            422,
            "quantity_nonzero",
        ),
        ("adjust", {"depot_id": a, "lot_id": 1, "quantity": 2}, 422, "missing"),
        ("write-off", {"depot_id": a}, 409, "nothing_expired"),
        ("dispatch", {"depot_id": a, "item_id": item, "quantity": 1}, 422, "missing"),
        # another township's depot does not exist for A's officer
        (
            "issue",
            {"depot_id": stores.depot_b.id, "item_id": item, "quantity": 1},
            422,
            "depot_unknown",
        ),
    ]
    for path, body, status, code in cases:
        r = await client.post(f"{STOCK}/{path}", json=body, headers=stores.officer)
        assert r.status_code == status, (path, body, r.text)
        codes = {r.json()["code"], *(e["code"] for e in r.json().get("errors", []))}
        assert code in codes, (path, body, r.json())
        assert await ledger_rows(db) == before, (path, body)


async def test_transfer_moves_both_legs_and_fails_whole(
    client: httpx.AsyncClient, stores: Stores, db: Database
) -> None:
    a, a2, item = stores.depot_a.id, stores.depot_a2.id, stores.sandbags.id
    exp1 = str(today() + timedelta(days=100))
    exp2 = str(today() + timedelta(days=200))
    assert (
        await receive(client, stores, batch="X1", quantity=10, expiry_date=exp1)
    ).status_code == 201
    assert (
        await receive(client, stores, batch="X2", quantity=10, expiry_date=exp2)
    ).status_code == 201
    # the target already has batch X2 for tents: the second leg breaks halfway
    r = await receive(client, stores, depot_id=a2, item_id=stores.tents.id, batch="X2", quantity=1)
    assert r.status_code == 201
    before = await ledger_rows(db)
    body = {"from_depot_id": a, "to_depot_id": a2, "item_id": item, "quantity": 15}
    r = await client.post(f"{STOCK}/transfer", json=body, headers=stores.officer)
    assert r.status_code == 409 and r.json()["code"] == "batch_conflict", r.text
    assert await ledger_rows(db) == before
    assert await balance(client, stores, a, item) == 20
    assert await balance(client, stores, a2, item) == 0
    body["quantity"] = 8
    r = await client.post(f"{STOCK}/transfer", json=body, headers=stores.officer)
    assert r.status_code == 201, r.text
    kinds = [(m["kind"], m["depot_id"], m["quantity"]) for m in r.json()["movements"]]
    assert kinds == [("transfer_out", a, -8), ("transfer_in", a2, 8)]
    assert await balance(client, stores, a, item) == 12
    assert await balance(client, stores, a2, item) == 8
    # the lot keeps its batch and expiry in the target depot
    lots = (
        await client.get(
            f"{STOCK}/lots", params={"depot_id": a2, "item_id": item}, headers=stores.officer
        )
    ).json()["data"]
    assert [(x["batch"], x["expiry_date"], x["quantity"]) for x in lots] == [("X1", exp1, 8)]


async def test_expired_lots_are_written_off(
    client: httpx.AsyncClient, stores: Stores, db: Database
) -> None:
    a, item = stores.depot_a.id, stores.sandbags.id
    old = today() - timedelta(days=400)
    r = await receive(
        client,
        stores,
        batch="OLD",
        quantity=7,
        received_date=str(old),
        expiry_date=str(today() - timedelta(days=1)),
    )
    assert r.status_code == 201
    assert (await receive(client, stores, batch="NEW", quantity=5)).status_code == 201
    # an expired lot is not issued automatically
    r = await client.post(
        f"{STOCK}/issue",
        json={"depot_id": a, "item_id": item, "quantity": 6},
        headers=stores.officer,
    )
    assert r.status_code == 409 and r.json()["code"] == "insufficient_stock"
    r = await client.post(
        f"{STOCK}/write-off", json={"depot_id": a, "lot_id": 2}, headers=stores.officer
    )
    assert r.status_code == 409 and r.json()["code"] == "lot_not_expired"
    r = await client.post(f"{STOCK}/write-off", json={"depot_id": a}, headers=stores.officer)
    assert r.status_code == 201, r.text
    assert [(m["kind"], m["quantity"]) for m in r.json()["movements"]] == [("write_off", -7)]
    assert await balance(client, stores, a, item) == 5
    r = await client.post(f"{STOCK}/write-off", json={"depot_id": a}, headers=stores.officer)
    assert r.status_code == 409


async def test_two_officers_issue_the_last_50_at_once(
    app: FastAPI, client: httpx.AsyncClient, stores: Stores
) -> None:
    """Real concurrent requests: one gets the 50, the other a 409; balance 0, never < 0."""
    assert (await receive(client, stores, quantity=50)).status_code == 201
    body = {"depot_id": stores.depot_a.id, "item_id": stores.sandbags.id, "quantity": 50}
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://test") as one,
        httpx.AsyncClient(transport=transport, base_url="http://test") as two,
    ):
        answers = await asyncio.gather(
            one.post(f"{STOCK}/issue", json=body, headers=stores.officer),
            two.post(f"{STOCK}/issue", json=body, headers=stores.admin),
        )
    assert sorted(r.status_code for r in answers) == [201, 409], [r.text for r in answers]
    assert await balance(client, stores, stores.depot_a.id or 0, stores.sandbags.id or 0) == 0


async def test_concurrent_issues_from_two_instances(
    settings: object, stores: Stores, client: httpx.AsyncClient
) -> None:
    """Two engines (two service instances) issue at the same moment, many times over."""
    assert (await receive(client, stores, quantity=50)).status_code == 201
    url = settings.database_url  # type: ignore[attr-defined]
    first, second = Database(url), Database(url)
    data = Issue(depot_id=stores.depot_a.id or 0, item_id=stores.sandbags.id or 0, quantity=10)

    async def take(db: Database) -> bool:
        try:
            async with db.session() as s:
                await stock.issue(s, SYSTEM, data)
                await asyncio.sleep(0)  # hold the transaction open across a switch
            return True
        except Conflict:
            return False

    try:
        results = await asyncio.gather(*(take(first if i % 2 else second) for i in range(8)))
    finally:
        await first.dispose()
        await second.dispose()
    assert sum(results) == 5
    assert await balance(client, stores, stores.depot_a.id or 0, stores.sandbags.id or 0) == 0


async def test_minimum_level_and_low_flag(client: httpx.AsyncClient, stores: Stores) -> None:
    assert (await receive(client, stores, quantity=100)).status_code == 201
    body = {"depot_id": stores.depot_a.id, "item_id": stores.sandbags.id, "min_level": 80}
    r = await client.put(f"{STOCK}/levels", json=body, headers=stores.officer)
    assert r.status_code == 200 and r.json()["low"] is False
    issue = {"depot_id": stores.depot_a.id, "item_id": stores.sandbags.id, "quantity": 30}
    assert (
        await client.post(f"{STOCK}/issue", json=issue, headers=stores.officer)
    ).status_code == 201
    r = await client.get(STOCK, params={"low": True}, headers=stores.officer)
    assert [(x["item"], x["quantity"], x["low"]) for x in r.json()["data"]] == [
        ("编织袋", 70, True)
    ]
    events = await client.get(
        "/api/v1/events", params={"topics": "resources"}, headers=stores.admin
    )
    assert "stock.low" in [e["type"] for e in events.json()["data"]], events.text
