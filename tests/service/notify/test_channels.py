"""Channels over the API: owners, validation, masking, who may change what."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from service.auth.permissions import Role
from service.db import Database
from tests.factories import World, bearer
from tests.service.notify.conftest import make_channel, send_test, settle
from tests.service.notify.target import Target

CHANNELS = "/api/v1/channels"
WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7aoc-4bc4-97a0-0ec2sifa5aaa"


async def test_create_read_list_update_delete(client: httpx.AsyncClient, world: World) -> None:
    admin = world.headers(Role.admin)
    sms = await make_channel(
        client, admin, person_id=world.person_a.id, kind="sms", address="0356-4221234"
    )
    assert sms["address"] == "+863564221234" and sms["has_secret"] is False
    assert sms["enabled"] is True and sms["org_id"] is None
    robot = await make_channel(
        client, admin, org_id=world.town_a.id, kind="wecom", address=WECOM, label="值班群"
    )
    assert robot["address"] == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***"
    assert "secret" not in robot

    by = {
        "person": ({"person_id": world.person_a.id}, [sms["id"]]),
        "org": ({"org_id": world.town_a.id}, [robot["id"]]),
        "kind": ({"kind": "wecom"}, [robot["id"]]),
        "all": ({}, [sms["id"], robot["id"]]),
    }
    for name, (params, ids) in by.items():
        found = await client.get(CHANNELS, headers=world.headers(Role.viewer), params=params)
        assert [c["id"] for c in found.json()["data"]] == ids, name

    hook = await make_channel(
        client,
        admin,
        org_id=world.town_a.id,
        kind="webhook",
        address="https://hooks.example.cn/yingji",
        secret="s3cret-value",
    )
    assert hook["has_secret"] is True
    patched = await client.patch(
        f"{CHANNELS}/{hook['id']}", headers=admin, json={"secret": None, "enabled": False}
    )
    assert patched.status_code == 200
    assert patched.json()["has_secret"] is False and patched.json()["enabled"] is False
    disabled = await client.post(f"{CHANNELS}/{hook['id']}/test", headers=admin)
    assert disabled.status_code == 409 and disabled.json()["code"] == "channel_disabled"

    gone = await client.delete(f"{CHANNELS}/{hook['id']}", headers=admin)
    assert gone.status_code == 204
    missing = await client.get(f"{CHANNELS}/{hook['id']}", headers=admin)
    assert missing.status_code == 404


def _body(world: World, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "org_id": world.town_a.id,
        "kind": "webhook",
        "address": "https://hooks.example.cn/x",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


BAD: list[tuple[str, dict[str, Any], set[str], str]] = [
    ("ftp url", {"address": "ftp://example.cn/x"}, {"address"}, "url_invalid"),
    ("no scheme", {"address": "example.cn/hook"}, {"address"}, "url_invalid"),
    ("no host", {"address": "http://"}, {"address"}, "url_invalid"),
    ("space", {"address": "http://exa mple.cn/"}, {"address"}, "url_invalid"),
    ("bad port", {"address": "http://example.cn:0/"}, {"address"}, "url_invalid"),
    ("wecom bad url", {"kind": "wecom", "address": "not a url"}, {"address"}, "url_invalid"),
    ("phone as url", {"kind": "sms", "address": "12345"}, {"address"}, "phone_invalid"),
    ("url as phone", {"kind": "sms", "address": "http://x.cn/"}, {"address"}, "phone_invalid"),
    ("unknown kind", {"kind": "fax"}, {"kind"}, "enum"),
    ("both owners", {"person_id": 1}, {"person_id", "org_id"}, "channel_owner"),
    ("no owner", {"org_id": None}, {"person_id", "org_id"}, "channel_owner"),
    ("wecom secret", {"kind": "wecom", "secret": "x"}, {"secret"}, "channel_secret_unused"),
    ("empty secret", {"secret": ""}, {"secret"}, "string_too_short"),
    ("unknown field", {"token": "x"}, {"token"}, "extra_forbidden"),
    ("foreign org", {"org_id": 3}, {"org_id"}, "org_unknown"),
]


@pytest.mark.parametrize(("case", "change", "fields", "code"), BAD, ids=[b[0] for b in BAD])
async def test_bad_input_names_the_field(
    client: httpx.AsyncClient,
    world: World,
    case: str,
    change: dict[str, Any],
    fields: set[str],
    code: str,
) -> None:
    if "org_id" in change and change["org_id"] == 3:
        change = {"org_id": world.town_b.id}
    response = await client.post(
        CHANNELS,
        headers={**world.headers(Role.admin), "Accept-Language": "en"},
        json=_body(world, **change),
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    errors = response.json()["errors"]
    assert {e["field"] for e in errors} == fields
    assert {e["code"] for e in errors} == {code}
    assert all(e["message"] and e["message"] != e["code"] for e in errors)


async def test_patch_revalidates_against_the_kind(client: httpx.AsyncClient, world: World) -> None:
    admin = world.headers(Role.admin)
    channel = await make_channel(
        client, admin, person_id=world.person_a.id, kind="sms", address="13900001234"
    )
    path = f"{CHANNELS}/{channel['id']}"
    as_url = await client.patch(path, headers=admin, json={"kind": "webhook"})
    assert as_url.status_code == 422 and as_url.json()["errors"][0]["field"] == "address"
    moved = await client.patch(
        path, headers=admin, json={"kind": "webhook", "address": "https://x.cn/h", "secret": "k"}
    )
    assert moved.status_code == 200 and moved.json()["has_secret"] is True
    nulled = await client.patch(path, headers=admin, json={"address": None})
    assert nulled.status_code == 422 and nulled.json()["errors"][0]["field"] == "address"
    owner = await client.patch(path, headers=admin, json={"org_id": world.town_a.id})
    assert owner.status_code == 422 and owner.json()["errors"][0]["code"] == "extra_forbidden"


async def test_who_may_write_which_channel(client: httpx.AsyncClient, world: World) -> None:
    person = {"person_id": world.person_a.id, "kind": "sms", "address": "13900001234"}
    org = {"org_id": world.town_a.id, "kind": "webhook", "address": "https://x.cn/h"}
    for role in Role:
        for name, body in (("person", person), ("org", org)):
            response = await client.post(CHANNELS, headers=world.headers(role), json=body)
            may = role == Role.admin or (
                name == "person" and role in (Role.leader, Role.duty_officer)
            )
            assert response.status_code == (201 if may else 403), (role, name, response.text)

    robot = await make_channel(client, world.headers(Role.admin), **org)
    staff = world.headers(Role.duty_officer)
    patch = await client.patch(f"{CHANNELS}/{robot['id']}", headers=staff, json={"label": "x"})
    assert patch.status_code == 403
    assert (await client.delete(f"{CHANNELS}/{robot['id']}", headers=staff)).status_code == 403
    # but the duty staff may test an org's robot, and a viewer may not
    assert (await client.post(f"{CHANNELS}/{robot['id']}/test", headers=staff)).status_code == 201
    viewer = world.headers(Role.viewer)
    assert (await client.post(f"{CHANNELS}/{robot['id']}/test", headers=viewer)).status_code == 403


async def test_another_townships_channels_do_not_exist_for_you(
    client: httpx.AsyncClient, world: World
) -> None:
    root = bearer(world.root_admin)
    theirs = await make_channel(
        client, root, person_id=world.person_b.id, kind="sms", address="13900002222"
    )
    for role in Role:
        headers = world.headers(role)
        path = f"{CHANNELS}/{theirs['id']}"
        assert (await client.get(path, headers=headers)).status_code == 404
        assert (await client.patch(path, headers=headers, json={"label": "x"})).status_code == 404
        assert (await client.delete(path, headers=headers)).status_code == 404
        assert (await client.post(f"{path}/test", headers=headers)).status_code == 404
        listed = await client.get(CHANNELS, headers=headers, params={"kind": "sms"})
        assert listed.json()["count"] == 0
    foreign = await client.post(
        CHANNELS,
        headers=world.headers(Role.admin),
        json={"person_id": world.person_b.id, "kind": "sms", "address": "13900003333"},
    )
    assert foreign.status_code == 422 and foreign.json()["errors"][0]["code"] == "person_unknown"
    mine = await client.get(CHANNELS, headers=bearer(world.user_b), params={"kind": "sms"})
    assert [c["id"] for c in mine.json()["data"]] == [theirs["id"]]


async def test_deleting_the_owner_takes_the_channel_and_keeps_the_deliveries(
    client: httpx.AsyncClient, db: Database, world: World, target: Target
) -> None:
    admin = world.headers(Role.admin)
    person = (
        await client.post(
            "/api/v1/people", headers=admin, json={"name": "临时", "org_id": world.town_a.id}
        )
    ).json()
    channel = await make_channel(
        client, admin, person_id=person["id"], kind="webhook", address=target.url("/p")
    )
    sent = await send_test(client, admin, channel["id"])
    await settle(db)
    queued = await send_test(client, admin, channel["id"])

    assert (await client.delete(f"/api/v1/people/{person['id']}", headers=admin)).status_code == 204
    assert (await client.get(f"{CHANNELS}/{channel['id']}", headers=admin)).status_code == 404
    rows = await settle(db)
    assert rows[sent["id"]].state == "sent" and rows[sent["id"]].channel_id is None
    assert rows[queued["id"]].state == "failed"
    assert rows[queued["id"]].last_error == "the channel was deleted"
    assert len(target.to("/p")) == 1
