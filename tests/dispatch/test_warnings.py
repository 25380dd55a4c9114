"""Warnings over HTTP: issue to resolved recipients, answer (once, however often sent),
feedback, update, lift, scope and bad input."""

from __future__ import annotations

import httpx
import sqlalchemy as sa

from dispatch.warnings.models import Recipient
from service.auth.permissions import Role
from service.clock.models import Timer
from service.db import Database
from service.notify.models import Channel, Delivery
from service.realtime.models import OutboxEvent
from tests.dispatch.conftest import County, issue, warning_body

API = "/api/v1/warnings"


async def count_events(db: Database, type_: str) -> int:
    async with db.session() as s:
        return int(await s.scalar(sa.select(sa.func.count()).where(OutboxEvent.type == type_)) or 0)


async def test_issue_resolves_rules_into_a_recorded_list(
    client: httpx.AsyncClient, county: County, db: Database
) -> None:
    reachable = county.responsible["va"][0]
    async with db.session() as s:
        s.add(Channel(person_id=reachable.id, kind="sms", address="+8613900000777"))
    w = await issue(
        client,
        county,
        rules=[
            {
                "rule": "responsible_persons",
                "org_ids": [county.world.town_a.id, county.world.town_b.id],
            },
            {"rule": "leaders_on_duty", "org_ids": [county.world.county.id]},
        ],
    )
    assert w["status"] == "issued" and w["respond_within_s"] == 1200  # orange default
    status = (await client.get(f"{API}/{w['id']}", headers=county.duty)).json()
    called = {r["person_id"] for r in status["recipients"]}
    expected = {p.id for ps in county.responsible.values() for p in ps} | {
        county.leaders["county"].id
    }
    assert called == expected
    assert status["totals"]["recipients"] == 5 and status["totals"]["pending"] == 5
    towns = {t["name"]: t["recipients"] for t in status["by_township"]}
    assert towns == {"测试县": 1, "甲镇": 3, "乙镇": 1}
    assert await count_events(db, "warning.called") == 5
    assert await count_events(db, "warning.issued") == 1
    async with db.session() as s:
        refs = (await s.exec(sa.select(Delivery.ref))).all()  # type: ignore[call-overload]
    assert [r[0] for r in refs] == [
        f"warning:{w['id']}:recipient:{mine}:call:1"
        for mine in [next(r["id"] for r in status["recipients"] if r["person_id"] == reachable.id)]
    ]


async def test_answers_are_once_however_often_sent(
    client: httpx.AsyncClient, county: County, db: Database
) -> None:
    w = await issue(client, county)
    person = county.responsible["va"][0]
    for _ in range(3):
        r = await client.post(
            f"{API}/{w['id']}/acks", json={"person_id": person.id}, headers=county.person(person)
        )
        assert r.status_code == 200, r.text
        assert r.json()["state"] == "acknowledged" and r.json()["on_behalf"] is False
    assert await count_events(db, "warning.acked") == 1
    async with db.session() as s:
        mine = await s.scalar(sa.select(Recipient.id).where(Recipient.person_id == person.id))
        left = await s.scalar(sa.select(sa.func.count()).where(Timer.ref == f"recipient:{mine}"))
    assert left == 0  # its deadline is gone: no call again, no escalation
    # a duty officer records a phone answer for someone else
    other = county.responsible["vb"][0]
    r = await client.post(
        f"{API}/{w['id']}/acks", json={"person_id": other.id}, headers=county.duty
    )
    assert r.json()["on_behalf"] is True
    # someone may not answer for another person; a stranger is not a recipient
    third = county.responsible["va"][1]
    assert (
        await client.post(
            f"{API}/{w['id']}/acks", json={"person_id": third.id}, headers=county.person(person)
        )
    ).status_code == 403
    stranger = county.leaders["b"]
    assert (
        await client.post(
            f"{API}/{w['id']}/acks", json={"person_id": stranger.id}, headers=county.duty
        )
    ).status_code == 404
    status = (await client.get(f"{API}/{w['id']}", headers=county.duty)).json()
    assert status["totals"]["answered"] == 2 and status["totals"]["pending"] == 2


async def test_feedback_after_answering_more_than_once(
    client: httpx.AsyncClient, county: County
) -> None:
    w = await issue(client, county)
    person = county.responsible["va"][0]
    me = county.person(person)
    body = {
        "person_id": person.id,
        "evacuated": 12,
        "roads_closed": 1,
        "text": "已转移 12 人",
        "client_id": "f-1",
    }
    r = await client.post(f"{API}/{w['id']}/feedback", json=body, headers=me)
    assert r.status_code == 409 and r.json()["code"] == "feedback_before_ack"
    await client.post(f"{API}/{w['id']}/acks", json={"person_id": person.id}, headers=me)
    first = await client.post(f"{API}/{w['id']}/feedback", json=body, headers=me)
    again = await client.post(f"{API}/{w['id']}/feedback", json=body, headers=me)
    assert first.status_code == 201 and again.json()["id"] == first.json()["id"]
    later = {**body, "evacuated": 30, "client_id": "f-2", "text": "累计转移 30 人"}
    assert (
        await client.post(f"{API}/{w['id']}/feedback", json=later, headers=me)
    ).status_code == 201
    listed = (await client.get(f"{API}/{w['id']}/feedback", headers=county.duty)).json()
    assert [f["evacuated"] for f in listed["data"]] == [12, 30]


async def test_update_calls_new_recipients_and_lift_stops_every_chain(
    client: httpx.AsyncClient, county: County, db: Database
) -> None:
    w = await issue(
        client, county, rules=[{"rule": "responsible_persons", "org_ids": [county.world.town_a.id]}]
    )
    assert (await client.get(f"{API}/{w['id']}", headers=county.duty)).json()["totals"][
        "recipients"
    ] == 3
    r = await client.patch(
        f"{API}/{w['id']}",
        json={
            "level": "red",
            "rules": [{"rule": "responsible_persons", "org_ids": [county.world.town_b.id]}],
        },
        headers=county.duty,
    )
    assert r.status_code == 200 and r.json()["version"] == 2 and r.json()["level"] == "red"
    status = (await client.get(f"{API}/{w['id']}", headers=county.duty)).json()
    assert status["totals"]["recipients"] == 4
    assert await count_events(db, "warning.called") == 4
    r = await client.post(f"{API}/{w['id']}/lift", headers=county.duty)
    assert r.status_code == 200 and r.json()["status"] == "lifted"
    async with db.session() as s:
        live = await s.scalar(
            sa.select(sa.func.count()).where(
                Timer.kind == "warning.deadline", Timer.state == "pending"
            )
        )
    assert live == 0
    # an answer after the lift is kept for the record
    person = county.responsible["vb"][0]
    r = await client.post(
        f"{API}/{w['id']}/acks", json={"person_id": person.id}, headers=county.person(person)
    )
    assert r.status_code == 200
    assert (
        await client.patch(f"{API}/{w['id']}", json={"title": "x"}, headers=county.duty)
    ).status_code == 409


async def test_recipients_see_their_warning_and_other_townships_do_not(
    client: httpx.AsyncClient, county: County
) -> None:
    w = await issue(
        client, county, rules=[{"rule": "responsible_persons", "org_ids": [county.world.town_a.id]}]
    )
    me = county.responsible["va"][0]
    assert (await client.get(f"{API}/{w['id']}", headers=county.person(me))).status_code == 200
    assert (await client.get(API, headers=county.person(me))).json()["count"] == 1
    outsider = county.responsible["vb"][0]
    assert (
        await client.get(f"{API}/{w['id']}", headers=county.person(outsider))
    ).status_code == 404
    # a township duty officer cannot issue for the county
    r = await client.post(
        API,
        json=warning_body(county),
        headers=county.world.headers(Role.duty_officer),
    )
    assert r.status_code == 422  # the county org is outside their scope: unknown to them


async def test_bad_input_names_the_rule(
    client: httpx.AsyncClient, county: County, db: Database
) -> None:
    cases = [
        ({"level": "purple"}, "level"),
        ({"hazard": "volcano"}, "hazard"),
        (
            {
                "effective_at": "2026-12-02T00:00:00+08:00",
                "expires_at": "2026-12-01T00:00:00+08:00",
            },
            "expires_at",
        ),
        ({"rules": [], "recipients": []}, "recipients"),
        ({"recipients": [999999], "rules": []}, "recipients.0"),
        ({"polygon": [[35.0, 112.0], [35.1, 112.0], [35.1, 112.1]], "rules": []}, "polygon"),
    ]
    for change, field in cases:
        r = await client.post(API, json=warning_body(county, **change), headers=county.duty)
        assert r.status_code == 422, (change, r.text)
        assert field in [e["field"] for e in r.json()["errors"]], (change, r.text)
    async with db.session() as s:
        assert await s.scalar(sa.select(sa.func.count()).select_from(Recipient)) == 0
    viewer = county.world.headers(Role.viewer)
    assert (await client.post(API, json=warning_body(county), headers=viewer)).status_code == 403


async def test_a_draft_is_issued_later_and_not_twice(
    client: httpx.AsyncClient, county: County
) -> None:
    w = await issue(client, county, issue=False)
    assert w["status"] == "draft"
    assert (await client.post(f"{API}/{w['id']}/issue", headers=county.duty)).json()[
        "status"
    ] == "issued"
    assert (await client.post(f"{API}/{w['id']}/issue", headers=county.duty)).status_code == 409


async def test_a_township_duty_room_sees_the_county_warning_for_its_own_people(
    client: httpx.AsyncClient, county: County
) -> None:
    w = await issue(client, county)  # the county calls people of both townships
    town_a_room = county.world.headers(Role.duty_officer)  # scoped to township A
    listed = (await client.get(API, headers=town_a_room)).json()
    assert [x["id"] for x in listed["data"]] == [w["id"]]
    status = (await client.get(f"{API}/{w['id']}", headers=town_a_room)).json()
    mine = {p.id for key in ("a", "va") for p in county.responsible[key]}
    assert {r["person_id"] for r in status["recipients"]} == mine
    assert status["totals"]["recipients"] == len(mine)
    assert [t["name"] for t in status["by_township"]] == ["甲镇"]
    # and it records a phone answer for one of its own people, not for another township's
    own = county.responsible["va"][0]
    r = await client.post(f"{API}/{w['id']}/acks", json={"person_id": own.id}, headers=town_a_room)
    assert r.status_code == 200 and r.json()["on_behalf"] is True
    other = county.responsible["vb"][0]
    r = await client.post(
        f"{API}/{w['id']}/acks", json={"person_id": other.id}, headers=town_a_room
    )
    assert r.status_code == 403
    # a township with nobody called does not see it at all
    b_only = await issue(
        client, county, rules=[{"rule": "responsible_persons", "org_ids": [county.world.town_b.id]}]
    )
    assert (await client.get(f"{API}/{b_only['id']}", headers=town_a_room)).status_code == 404
