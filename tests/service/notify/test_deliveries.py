"""Deliveries: who sees them, how they (and channels) are filtered by org subtree and
more, and the per-target rate limit."""

from __future__ import annotations

import httpx
import sqlalchemy as sa

from service.auth.permissions import Role
from service.db import Database
from service.notify import service
from service.notify.models import ChannelKind
from service.settings import Settings
from tests.factories import World, bearer
from tests.service.notify.conftest import configured, make_channel, send_test, settle
from tests.service.notify.target import Target

CHANNELS = "/api/v1/channels"
DELIVERIES = "/api/v1/deliveries"


async def test_deliveries_are_seen_in_their_township_only(
    client: httpx.AsyncClient, db: Database, world: World, target: Target
) -> None:
    root = bearer(world.root_admin)
    theirs = await make_channel(
        client, root, org_id=world.town_b.id, kind="webhook", address=target.url("/b")
    )
    mine = await make_channel(
        client, root, org_id=world.village_a.id, kind="webhook", address=target.url("/a")
    )
    delivery_b = await send_test(client, bearer(world.user_b), theirs["id"])
    delivery_a = await send_test(client, world.headers(Role.duty_officer), mine["id"])
    assert delivery_a["org_id"] == world.village_a.id

    for role in Role:
        headers = world.headers(role)
        listed = await client.get(DELIVERIES, headers=headers)
        one = await client.get(f"{DELIVERIES}/{delivery_a['id']}", headers=headers)
        foreign = await client.get(f"{DELIVERIES}/{delivery_b['id']}", headers=headers)
        if role in (Role.admin, Role.leader, Role.duty_officer):
            assert [d["id"] for d in listed.json()["data"]] == [delivery_a["id"]]
            assert one.status_code == 200 and foreign.status_code == 404
        else:
            assert listed.status_code == one.status_code == foreign.status_code == 403
    seen_by_b = await client.get(DELIVERIES, headers=bearer(world.user_b))
    assert [d["id"] for d in seen_by_b.json()["data"]] == [delivery_b["id"]]

    events = await client.get(
        "/api/v1/events", headers=world.headers(Role.viewer), params={"topic": "deliveries"}
    )
    assert events.json()["data"] == []  # delivery events go to the duty staff only
    staff_events = await client.get(
        "/api/v1/events", headers=world.headers(Role.leader), params={"topic": "deliveries"}
    )
    assert {e["data"]["id"] for e in staff_events.json()["data"]} == {delivery_a["id"]}


async def test_filters_and_newest_first(
    client: httpx.AsyncClient, db: Database, world: World, target: Target
) -> None:
    target.answer("/down", *[(500, "no")] * 10)
    admin = world.headers(Role.admin)
    up = await make_channel(
        client, admin, org_id=world.town_a.id, kind="webhook", address=target.url("/up")
    )
    down = await make_channel(
        client, admin, org_id=world.town_a.id, kind="webhook", address=target.url("/down")
    )
    first = await send_test(client, admin, up["id"])
    second = await send_test(client, admin, down["id"])
    async with db.session() as s:
        raw = await service.enqueue(
            s,
            None,
            service.RawAddress(kind=ChannelKind.webhook, address=target.url("/up?token=abc123")),
            title="预警",
            text="红色预警",
            ref="warning:12",
            org=world.town_a,
        )
    await settle(db)

    async def ids(**params: object) -> list[int]:
        response = await client.get(DELIVERIES, headers=admin, params=params)
        assert response.status_code == 200, response.text
        return [d["id"] for d in response.json()["data"]]

    assert await ids() == [raw.id, second["id"], first["id"]]
    assert await ids(state="sent") == [raw.id, first["id"]]
    assert await ids(state="failed") == [second["id"]]
    assert await ids(ref="warning:12") == [raw.id]
    assert await ids(channel_id=down["id"]) == [second["id"]]
    assert await ids(kind="sms") == []
    assert await ids(limit=1, offset=1) == [second["id"]]
    bad = await client.get(DELIVERIES, headers=admin, params={"state": "lost"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "state"

    shown = (await client.get(f"{DELIVERIES}/{raw.id}", headers=admin)).json()
    assert shown["channel_id"] is None and shown["target"] == target.url("/up?token=***")
    assert shown["message"] == {"title": "预警", "text": "红色预警"}
    assert "address" not in shown
    assert {"token": "abc123"} in [r.query for r in target.to("/up")]


async def test_the_rate_limit_holds_sends_back_without_spending_attempts(
    db: Database, world: World, target: Target, settings: Settings
) -> None:
    configured(settings, notify_rate_limit=2, notify_rate_window_s=1.0, notify_max_attempts=1)
    robot = service.RawAddress(kind=ChannelKind.wecom, address=target.url("/robot?key=one"))
    other = service.RawAddress(kind=ChannelKind.wecom, address=target.url("/robot?key=two"))
    async with db.session() as s:
        for i in range(5):
            await service.enqueue(
                s, None, robot, title=f"#{i}", text="x", ref="r", org=world.town_a
            )
        await service.enqueue(s, None, other, title="other", text="x", ref="r", org=world.town_a)

    rows = await settle(db)
    assert all(d.state == "sent" and d.attempts == 1 for d in rows.values())
    to_one = sorted(r.at for r in target.to("/robot") if r.query["key"] == "one")
    to_two = [r.at for r in target.to("/robot") if r.query["key"] == "two"]
    assert len(to_one) == 5 and len(to_two) == 1
    # 2 per second: the 3rd request waits for the 1st one's window to pass, and 5 requests
    # take 2 windows (slots are taken just before sending; arrival times jitter under load)
    assert all(later - earlier >= 0.5 for earlier, later in zip(to_one, to_one[2:], strict=False))
    assert to_one[-1] - to_one[0] >= 1.5
    # the other robot has a limit of its own: it did not wait for the first one's window
    assert to_two[0] < to_one[2]

    async with db.session(write=False) as s:
        deferred = await s.scalar(
            sa.text("SELECT count(*) FROM outbox_event WHERE type = 'delivery.deferred'")
        )
    assert int(deferred or 0) >= 3


async def test_channels_and_deliveries_within_an_org_subtree(
    client: httpx.AsyncClient, db: Database, world: World, target: Target
) -> None:
    root = bearer(world.root_admin)
    village = await make_channel(
        client, root, org_id=world.village_a.id, kind="webhook", address=target.url("/v")
    )
    person = await make_channel(
        client, root, person_id=world.person_a.id, kind="webhook", address=target.url("/p")
    )
    other = await make_channel(
        client, root, org_id=world.town_b.id, kind="webhook", address=target.url("/b")
    )
    sent = {c["id"]: (await send_test(client, root, c["id"]))["id"] for c in (village, person)}
    sent[other["id"]] = (await send_test(client, root, other["id"]))["id"]

    async def ids(path: str, headers: dict[str, str], within: int) -> list[int]:
        response = await client.get(path, headers=headers, params={"within": within})
        assert response.status_code == 200, response.text
        return sorted(row["id"] for row in response.json()["data"])

    # the person of 甲镇 and the village below it; not 乙镇
    assert await ids(CHANNELS, root, world.town_a.id) == sorted([village["id"], person["id"]])
    assert await ids(CHANNELS, root, world.village_a.id) == [village["id"]]
    assert await ids(CHANNELS, root, world.county.id) == sorted(sent)
    assert await ids(DELIVERIES, root, world.town_a.id) == sorted(
        [sent[village["id"]], sent[person["id"]]]
    )
    assert await ids(DELIVERIES, root, world.town_b.id) == [sent[other["id"]]]
    # an org the caller cannot see is no filter they may use; a bad id names the field
    town_staff = world.headers(Role.duty_officer)
    for path in (CHANNELS, DELIVERIES):
        hidden = await client.get(path, headers=town_staff, params={"within": world.town_b.id})
        assert hidden.status_code == 404, path
        bad = await client.get(path, headers=town_staff, params={"within": 0})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "within"
