"""Secrets never leave: not in API answers, audit rows, events, delivery rows or logs."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
import sqlalchemy as sa

from service import logs
from service.auth.permissions import Role
from service.db import Database
from service.notify.addresses import redact, scrub, secrets_in
from service.notify.models import ChannelKind
from tests.factories import World, bearer
from tests.service.notify.conftest import make_channel, send_test, settle
from tests.service.notify.target import Target

HMAC_KEY = "hmac-key-never-shown-1"
ROTATED_KEY = "hmac-key-never-shown-2"
QUERY_TOKEN = "qtoken-never-shown-3"
PATH_TOKEN = "T0123ABCD/B0456EFGH/path-token-never-shown-4"
DINGTALK_TOKEN = "dingtalk-token-never-shown-5"
DINGTALK_SECRET = "SEC-dingtalk-secret-never-shown-6"
WECOM_KEY = "wecom-key-never-shown-7"
SECRETS = [
    HMAC_KEY,
    ROTATED_KEY,
    QUERY_TOKEN,
    "path-token-never-shown-4",
    DINGTALK_TOKEN,
    DINGTALK_SECRET,
    WECOM_KEY,
]


async def test_secrets_stay_secret(
    client: httpx.AsyncClient,
    db: Database,
    world: World,
    target: Target,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    logs.quiet_libraries()  # as `yingji serve` does; then our own loggers at their most verbose
    caplog.set_level(logging.DEBUG)
    admin = world.headers(Role.admin)
    seen: list[str] = []

    async def call(method: str, path: str, **kwargs: object) -> httpx.Response:
        response = await client.request(method, path, headers=admin, **kwargs)  # type: ignore[arg-type]
        assert response.status_code < 300, response.text
        seen.append(response.text)
        return response

    # a webhook that echoes what it was sent in its error answer
    target.answer(
        "/hook/" + PATH_TOKEN,
        *[(500, f"bad signature for ?token={QUERY_TOKEN}, key {ROTATED_KEY}")] * 5,
    )
    hook = await make_channel(
        client,
        admin,
        org_id=world.town_a.id,
        kind="webhook",
        address=target.url(f"/hook/{PATH_TOKEN}?token={QUERY_TOKEN}"),
        secret=HMAC_KEY,
    )
    await call("PATCH", f"/api/v1/channels/{hook['id']}", json={"secret": ROTATED_KEY})
    ding = await make_channel(
        client,
        admin,
        org_id=world.town_a.id,
        kind="dingtalk",
        address=target.url(f"/robot/send?access_token={DINGTALK_TOKEN}"),
        secret=DINGTALK_SECRET,
    )
    target.answer("/robot/send", (200, {"errcode": 310000, "errmsg": f"sign not match {ding}"}))
    wecom = await make_channel(
        client,
        admin,
        org_id=world.town_a.id,
        kind="wecom",
        address=target.url(f"/cgi-bin/webhook/send?key={WECOM_KEY}"),
    )
    for channel in (hook, ding, wecom):
        await send_test(client, admin, channel["id"])
    rows = await settle(db)
    assert sorted(d.state for d in rows.values()) == ["failed", "sent", "sent"]
    assert [r.query for r in target.to("/cgi-bin/webhook/send")] == [{"key": WECOM_KEY}]

    for path in ("/api/v1/channels", "/api/v1/deliveries", "/api/v1/audit"):
        await call("GET", path, params={"limit": 500})
    for channel in (hook, ding, wecom):
        await call("GET", f"/api/v1/channels/{channel['id']}")
    for delivery_id in rows:
        await call("GET", f"/api/v1/deliveries/{delivery_id}")
    events = await client.get("/api/v1/events", headers=bearer(world.root_admin))
    seen.append(events.text)
    await call("DELETE", f"/api/v1/channels/{hook['id']}")

    failed = next(d for d in rows.values() if d.state == "failed")
    assert failed.last_error is not None and "HTTP 500 bad signature" in failed.last_error
    async with db.session(write=False) as s:
        for table in ("audit_log", "outbox_event", "notify_delivery", "clock_timer"):
            stored = await s.exec(sa.text(f"SELECT * FROM {table}"))  # type: ignore[call-overload]  # noqa: S608
            seen.append(json.dumps([list(map(str, row)) for row in stored], ensure_ascii=False))
    seen += [caplog.text, *capsys.readouterr()]

    everything = "\n".join(seen)
    assert "delivery failed" in everything or "delivery retrying" in everything  # logs were kept
    for secret in SECRETS:
        assert secret not in everything, secret
    assert '"has_secret": true' in everything or '"has_secret":true' in everything


@pytest.mark.parametrize(
    ("kind", "address", "shown"),
    [
        (ChannelKind.sms, "+8613900001234", "+8613900001234"),
        (
            ChannelKind.wecom,
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7aoc",
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***",
        ),
        (
            ChannelKind.dingtalk,
            "https://oapi.dingtalk.com/robot/send?access_token=abc&x=1",
            "https://oapi.dingtalk.com/robot/send?access_token=***&x=***",
        ),
        (
            ChannelKind.webhook,
            "https://user:pass@hooks.example.cn:8443/open-apis/bot/v2/hook/1f0e9c2a4b6d8e0f1a2b",
            "https://hooks.example.cn:8443/open-apis/bot/v2/hook/***",
        ),
        (ChannelKind.webhook, "http://[::1]:9000/a", "http://[::1]:9000/a"),
    ],
)
def test_addresses_are_masked(kind: ChannelKind, address: str, shown: str) -> None:
    assert redact(kind, address) == shown


def test_error_text_is_scrubbed() -> None:
    address = "https://u:p4ssw0rd@h.cn/hook/1f0e9c2a4b6d8e0f1a2b?token=abcd"
    secrets = secrets_in(ChannelKind.webhook, address, "hmac-key")
    text = f"failed {address} with hmac-key\n and more"
    assert scrub(text, secrets) == "failed https://u:***@h.cn/hook/***?token=*** with *** and more"
    assert scrub("x" * 500, []) == "x" * 299 + "…"
