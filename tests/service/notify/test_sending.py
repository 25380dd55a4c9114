"""Each kind of channel, sent to a real HTTP server on loopback by the clock."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import httpx

from service.auth.permissions import Role
from service.db import Database
from service.notify import service
from service.notify.models import Channel, ChannelKind
from service.settings import Settings
from tests.factories import World, bearer
from tests.service.notify.conftest import (
    GATEWAY_TOKEN,
    configured,
    make_channel,
    send_test,
    settle,
)
from tests.service.notify.target import Target

WEBHOOK_SECRET = "whsec-0123456789abcdef"
DINGTALK_SECRET = "SEC0123456789abcdef0123456789abcdef"
DINGTALK_TOKEN = "dt0123456789abcdef0123456789abcdef"
WECOM_KEY = "693a91f6-7aoc-4bc4-97a0-0ec2sifa5aaa"


async def test_webhook_body_and_signature(
    client: httpx.AsyncClient, db: Database, world: World, target: Target
) -> None:
    admin = world.headers(Role.admin)
    channel = await make_channel(
        client,
        admin,
        org_id=world.town_a.id,
        kind="webhook",
        address=target.url("/hook"),
        secret=WEBHOOK_SECRET,
        label="指挥中心",
    )
    queued = await send_test(client, admin, channel["id"])
    assert queued["state"] == "queued" and queued["attempts"] == 0

    delivery = (await settle(db))[queued["id"]]
    assert delivery.state == "sent" and delivery.attempts == 1 and delivery.last_status == 200

    [request] = target.to("/hook")
    body = request.json()
    assert set(body) == {"title", "text", "ref", "delivery_id", "sent_at"}
    assert body["delivery_id"] == queued["id"] and body["ref"] == f"channel:{channel['id']}:test"
    assert "指挥中心" in body["text"]
    timestamp = request.headers["x-yingji-timestamp"]
    assert abs(int(timestamp) - time.time()) < 60
    expected = hmac.new(
        WEBHOOK_SECRET.encode(), f"{timestamp}.".encode() + request.body, hashlib.sha256
    ).hexdigest()
    assert request.headers["x-yingji-signature"] == f"sha256={expected}"
    assert request.headers["content-type"].startswith("application/json")


async def test_webhook_without_secret_is_unsigned(
    client: httpx.AsyncClient, db: Database, world: World, target: Target
) -> None:
    admin = world.headers(Role.admin)
    channel = await make_channel(
        client, admin, org_id=world.town_a.id, kind="webhook", address=target.url("/plain")
    )
    await send_test(client, admin, channel["id"])
    await settle(db)
    [request] = target.to("/plain")
    assert "x-yingji-signature" not in request.headers
    assert "x-yingji-timestamp" in request.headers


async def test_wecom_markdown_and_errcode(
    client: httpx.AsyncClient, db: Database, world: World, target: Target
) -> None:
    target.answer("/cgi-bin/webhook/send", (200, {"errcode": 45009, "errmsg": "api freq out"}))
    admin = world.headers(Role.admin)
    channel = await make_channel(
        client,
        admin,
        org_id=world.town_a.id,
        kind="wecom",
        address=target.url(f"/cgi-bin/webhook/send?key={WECOM_KEY}"),
    )
    queued = await send_test(client, admin, channel["id"])
    delivery = (await settle(db))[queued["id"]]
    assert delivery.state == "sent" and delivery.attempts == 2  # errcode 45009, then ok

    first, second = target.to("/cgi-bin/webhook/send")
    assert first.query == {"key": WECOM_KEY}
    body = second.json()
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["content"].startswith(f"**{queued['message']['title']}**\n\n")
    assert body["markdown"]["content"].endswith(queued["message"]["text"])


async def test_wecom_content_is_cut_to_4096_bytes(
    client: httpx.AsyncClient, db: Database, world: World, target: Target
) -> None:
    made = await make_channel(
        client,
        world.headers(Role.admin),
        org_id=world.town_a.id,
        kind="wecom",
        address=target.url("/wecom?key=k"),
    )
    async with db.session() as s:
        channel = await s.get(Channel, made["id"])
        assert channel is not None
        await service.enqueue(s, None, channel, title="长消息", text="汛" * 3000, ref="t")
    await settle(db)
    [request] = target.to("/wecom")
    content = request.json()["markdown"]["content"]
    assert len(content.encode()) <= 4096 and content.endswith("…")


async def test_dingtalk_markdown_and_signed_url(
    client: httpx.AsyncClient, db: Database, world: World, target: Target
) -> None:
    admin = world.headers(Role.admin)
    channel = await make_channel(
        client,
        admin,
        org_id=world.town_a.id,
        kind="dingtalk",
        address=target.url(f"/robot/send?access_token={DINGTALK_TOKEN}"),
        secret=DINGTALK_SECRET,
    )
    queued = await send_test(client, admin, channel["id"])
    delivery = (await settle(db))[queued["id"]]
    assert delivery.state == "sent"

    [request] = target.to("/robot/send")
    assert request.query["access_token"] == DINGTALK_TOKEN
    timestamp = int(request.query["timestamp"])
    assert abs(timestamp - time.time() * 1000) < 60_000
    digest = hmac.new(
        DINGTALK_SECRET.encode(), f"{timestamp}\n{DINGTALK_SECRET}".encode(), hashlib.sha256
    ).digest()
    assert request.query["sign"] == base64.b64encode(digest).decode()  # after URL-decoding
    body = request.json()
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"] == queued["message"]["title"]
    assert queued["message"]["text"] in body["markdown"]["text"]
    # the masked target never shows the token or the signature
    assert delivery.target == target.url("/robot/send?access_token=***")


async def test_sms_body_from_template_and_bearer_token(
    client: httpx.AsyncClient, db: Database, world: World, target: Target, settings: Settings
) -> None:
    configured(
        settings, sms_body_template='{"mobile": "{phone}", "content": "{text}", "sign": "应急"}'
    )
    staff = world.headers(Role.duty_officer)
    channel = await make_channel(
        client, staff, person_id=world.person_a.id, kind="sms", address="139 0000 1234"
    )
    assert channel["address"] == "+8613900001234"
    queued = await send_test(client, staff, channel["id"])
    delivery = (await settle(db))[queued["id"]]
    assert delivery.state == "sent" and delivery.target == "+8613900001234"

    [request] = target.to("/sms")
    assert request.headers["authorization"] == f"Bearer {GATEWAY_TOKEN}"
    message = queued["message"]
    assert request.json() == {
        "mobile": "+8613900001234",
        "content": f"{message['title']}\n{message['text']}",
        "sign": "应急",
    }


async def test_sms_text_is_json_escaped(db: Database, world: World, target: Target) -> None:
    text = '请注意："红色"预警\n\\撤离/ {phone}'
    async with db.session() as s:
        await service.enqueue(
            s,
            None,
            service.RawAddress(kind=ChannelKind.sms, address="13900001234"),
            title="暴雨",
            text=text,
            ref="warning:1",
            org=world.town_a,
        )
    await settle(db)
    [request] = target.to("/sms")
    assert request.json() == {"to": "+8613900001234", "text": f"暴雨\n{text}"}


async def test_sms_without_gateway_fails_clearly(
    client: httpx.AsyncClient, db: Database, world: World, target: Target, settings: Settings
) -> None:
    configured(settings, sms_gateway_url=None)
    admin = world.headers(Role.admin)
    channel = await make_channel(
        client, admin, person_id=world.person_a.id, kind="sms", address="13900001234"
    )
    queued = await send_test(client, admin, channel["id"])
    delivery = (await settle(db))[queued["id"]]
    assert delivery.state == "failed" and delivery.attempts == 0
    assert "YINGJI_SMS_GATEWAY_URL" in (delivery.last_error or "")
    assert target.received == []


async def test_two_failures_then_success(
    client: httpx.AsyncClient, db: Database, world: World, target: Target
) -> None:
    target.answer("/flaky", (500, "busy"), (500, "busy"))
    admin = world.headers(Role.admin)
    channel = await make_channel(
        client, admin, org_id=world.town_a.id, kind="webhook", address=target.url("/flaky")
    )
    queued = await send_test(client, admin, channel["id"])
    delivery = (await settle(db))[queued["id"]]
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("sent", 3, 200)
    assert delivery.last_error is None and delivery.sent_at is not None
    assert len(target.to("/flaky")) == 3

    events = await client.get(
        "/api/v1/events", headers=bearer(world.root_admin), params={"topic": "deliveries"}
    )
    types = [e["type"] for e in events.json()["data"] if e["data"]["id"] == queued["id"]]
    assert types == [
        "delivery.created",
        "delivery.retrying",
        "delivery.retrying",
        "delivery.sent",
    ]


async def test_a_target_that_keeps_failing_is_given_up(
    client: httpx.AsyncClient, db: Database, world: World, target: Target
) -> None:
    target.answer("/down", *[(503, {"error": "maintenance"})] * 10)
    admin = world.headers(Role.admin)
    channel = await make_channel(
        client, admin, org_id=world.town_a.id, kind="webhook", address=target.url("/down")
    )
    queued = await send_test(client, admin, channel["id"])
    await settle(db)
    assert len(target.to("/down")) == 3  # notify_max_attempts in these tests

    failed = await client.get(
        "/api/v1/deliveries", headers=world.headers(Role.duty_officer), params={"state": "failed"}
    )
    [row] = failed.json()["data"]
    assert row["id"] == queued["id"] and row["attempts"] == 3 and row["last_status"] == 503
    assert "HTTP 503" in row["last_error"] and "maintenance" in row["last_error"]
    assert row["next_attempt_at"] is None

    events = await client.get(
        "/api/v1/events", headers=world.headers(Role.duty_officer), params={"topic": "deliveries"}
    )
    assert events.json()["data"][-1]["type"] == "delivery.failed"


async def test_an_unreachable_target_fails_with_the_network_error(
    client: httpx.AsyncClient, db: Database, world: World, settings: Settings
) -> None:
    configured(settings, notify_max_attempts=1)
    admin = world.headers(Role.admin)
    channel = await make_channel(
        client, admin, org_id=world.town_a.id, kind="webhook", address="http://127.0.0.1:9/x"
    )
    queued = await send_test(client, admin, channel["id"])
    delivery = (await settle(db))[queued["id"]]
    assert delivery.state == "failed" and delivery.last_status is None
    assert "ConnectError" in (delivery.last_error or "")


async def test_body_of_json_answer_is_parsed_only_for_robots(
    client: httpx.AsyncClient, db: Database, world: World, target: Target
) -> None:
    target.answer("/any", (200, "not json"))
    admin = world.headers(Role.admin)
    channel = await make_channel(
        client, admin, org_id=world.town_a.id, kind="webhook", address=target.url("/any")
    )
    queued = await send_test(client, admin, channel["id"])
    delivery = (await settle(db))[queued["id"]]
    assert delivery.state == "sent"
    assert json.loads(target.to("/any")[0].body)["delivery_id"] == queued["id"]


async def test_a_slow_target_times_out(
    client: httpx.AsyncClient, db: Database, world: World, target: Target, settings: Settings
) -> None:
    configured(settings, notify_timeout_s=0.3, notify_max_attempts=1)
    target.answer("/slow", (200, "late", 1.0))
    admin = world.headers(Role.admin)
    channel = await make_channel(
        client, admin, org_id=world.town_a.id, kind="webhook", address=target.url("/slow")
    )
    queued = await send_test(client, admin, channel["id"])
    delivery = (await settle(db))[queued["id"]]
    assert delivery.state == "failed" and delivery.last_status is None
    error = delivery.last_error or ""
    assert "no answer within 0.3 s" in error or "Timeout" in error, error
