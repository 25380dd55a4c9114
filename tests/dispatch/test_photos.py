"""Photos: a report (跟踪反馈) sent with photos from the phone, and photos of an incident.
Both go through the one file store: checked by content, size-limited, metadata (GPS) gone,
served only to whoever sees the report or the incident."""

from __future__ import annotations

import io

import httpx
import sqlalchemy as sa
from PIL import Image

from service.auth.permissions import Role
from service.db import Database
from service.files.models import StoredFile
from service.settings import Settings
from tests.dispatch.conftest import County, issue
from tests.dispatch.incident_helpers import API as INCIDENTS
from tests.dispatch.incident_helpers import incident_body
from tests.factories import bearer, camera_jpeg, make_user

API = "/api/v1/warnings"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def stored_files(db: Database) -> int:
    async with db.session() as s:
        return int(await s.scalar(sa.select(sa.func.count()).select_from(StoredFile)) or 0)


def form(person_id: int, client_id: str, **fields: object) -> dict[str, str]:
    return {
        "person_id": str(person_id),
        "client_id": client_id,
        **{k: str(v) for k, v in fields.items()},
    }


async def test_feedback_with_photos_is_one_report_however_often_sent(
    client: httpx.AsyncClient, county: County, db: Database, settings: Settings
) -> None:
    w = await issue(client, county)
    me = county.responsible["va"][0]
    mine = county.person(me)
    url = f"{API}/{w['id']}/feedback"
    photo = camera_jpeg()
    files = [("photos", ("IMG_0001.JPG", photo, "image/jpeg"))]
    data = form(me.id or 0, "phone-1", evacuated=12, text="已转移沟道沿线12人")
    # before answering: refused, nothing stored
    r = await client.post(url, data=data, files=files, headers=mine)
    assert r.status_code == 409 and r.json()["code"] == "feedback_before_ack"
    assert await stored_files(db) == 0
    await client.post(f"{API}/{w['id']}/acks", json={"person_id": me.id}, headers=mine)

    # sent three times (an offline phone resending): one report, one photo
    answers = [await client.post(url, data=data, files=files, headers=mine) for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert len({a.json()["id"] for a in answers}) == 1
    report = answers[0].json()
    assert report["evacuated"] == 12 and report["client_id"] == "phone-1"
    assert len(report["photos"]) == 1 and await stored_files(db) == 1
    shown = report["photos"][0]
    assert shown["media_type"] == "image/jpeg"
    assert (shown["width"], shown["height"]) == (48, 64)  # turned upright

    # served without its metadata: no GPS, no maker
    got = await client.get(shown["url"], headers=county.duty)
    assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
    assert got.headers["x-content-type-options"] == "nosniff"
    image = Image.open(io.BytesIO(got.content))
    assert image.size == (48, 64)
    assert dict(image.getexif()) == {} and image.getexif().get_ifd(0x8825) == {}
    assert b"PhoneMaker" not in got.content
    # to the person, the county's duty room; not to another village's person
    assert (await client.get(shown["url"], headers=mine)).status_code == 200
    other = county.person(county.responsible["vb"][0])
    assert (await client.get(shown["url"], headers=other)).status_code == 404
    listed = (await client.get(url, headers=other)).json()
    assert listed["count"] == 0  # nor in the list of reports
    listed = (await client.get(url, headers=county.duty)).json()
    assert [len(f["photos"]) for f in listed["data"]] == [1]

    # JSON still works, without photos
    r = await client.post(url, json={"person_id": me.id, "roads_closed": 1}, headers=mine)
    assert r.status_code == 201 and r.json()["photos"] == []


async def test_bad_photos_name_the_field_and_write_nothing(
    client: httpx.AsyncClient, county: County, db: Database, settings: Settings
) -> None:
    w = await issue(client, county)
    me = county.responsible["va"][0]
    mine = county.person(me)
    await client.post(f"{API}/{w['id']}/acks", json={"person_id": me.id}, headers=mine)
    url = f"{API}/{w['id']}/feedback"
    good = ("photos", ("ok.jpg", camera_jpeg(), "image/jpeg"))
    settings.photo_max_bytes = 4096
    cases = [
        ([good, ("photos", ("doc.jpg", PDF, "image/jpeg"))], "photos.1", "attachment_type"),
        (
            [("photos", ("fake.jpg", b"\xff\xd8\xff" + b"0" * 200, "image/jpeg"))],
            "photos.0",
            "image_unreadable",
        ),
        (
            [("photos", ("big.jpg", camera_jpeg(400, 400) + b"\x00" * 5000, "image/jpeg"))],
            "photos.0",
            "attachment_too_large",
        ),
        ([good] * 7, "photos", "too_many_files"),
    ]
    for n, (files, field, code) in enumerate(cases):
        r = await client.post(url, data=form(me.id or 0, f"bad-{n}"), files=files, headers=mine)
        assert r.status_code == 422, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert (r.json()["errors"][0]["field"], r.json()["errors"][0]["code"]) == (field, code)
    settings.photo_max_pixels = 10_000
    big = [("photos", ("huge.jpg", camera_jpeg(200, 200, gps=False), "image/jpeg"))]
    r = await client.post(url, data=form(me.id or 0, "bad-px"), files=big, headers=mine)
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "image_too_large"
    r = await client.post(url, data={"person_id": "x"}, files=[good], headers=mine)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "person_id"
    assert await stored_files(db) == 0
    assert (await client.get(url, headers=county.duty)).json()["count"] == 0


async def test_incident_photos(client: httpx.AsyncClient, county: County, db: Database) -> None:
    w = county.world
    duty = w.headers(Role.duty_officer)  # 甲镇's duty room
    incident = (await client.post(INCIDENTS, json=incident_body(w), headers=duty)).json()
    url = f"{INCIDENTS}/{incident['id']}/photos"
    r = await client.post(
        url, files={"file": ("现场.jpg", camera_jpeg(), "image/jpeg")}, headers=duty
    )
    assert r.status_code == 201, r.text
    photo = r.json()
    assert photo["url"] == f"{url}/{photo['id']}" and photo["filename"] == "现场.jpg"
    got = await client.get(photo["url"], headers=w.headers(Role.viewer))
    assert (
        got.status_code == 200
        and Image.open(io.BytesIO(got.content)).getexif().get_ifd(0x8825) == {}
    )
    listed = (await client.get(url, headers=w.headers(Role.viewer))).json()
    assert [p["id"] for p in listed["data"]] == [photo["id"]]
    log = (await client.get(f"{INCIDENTS}/{incident['id']}/log", headers=duty)).json()["data"]
    assert "photo_added" in [e["kind"] for e in log]
    # another township sees neither the incident nor its photos; a viewer cannot add any
    other = bearer(w.user_b)  # type: ignore[arg-type]
    assert (await client.get(photo["url"], headers=other)).status_code == 404
    assert (await client.get(url, headers=other)).status_code == 404
    r = await client.post(
        url, files={"file": ("x.jpg", camera_jpeg(), "image/jpeg")}, headers=w.headers(Role.viewer)
    )
    assert r.status_code == 403
    r = await client.post(url, files={"file": ("x.pdf", PDF, "application/pdf")}, headers=duty)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "file"
    # a photo of another incident is not this one's
    second = (await client.post(INCIDENTS, json=incident_body(w), headers=duty)).json()
    assert (
        await client.get(f"{INCIDENTS}/{second['id']}/photos/{photo['id']}", headers=duty)
    ).status_code == 404
    r = await client.delete(photo["url"], headers=duty)
    assert r.status_code == 204 and await stored_files(db) == 0
    assert (await client.get(photo["url"], headers=duty)).status_code == 404
    async with db.session() as s:
        user = await make_user(s, "county-viewer", [Role.viewer], w.county)
    assert (await client.get(url, headers=bearer(user))).json()["count"] == 0
