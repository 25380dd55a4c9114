"""CAP 1.2: Alert, Update and Cancel validate against the OASIS schema; alerts come in as
drafts; invalid or hostile files get a 422 naming what is wrong."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from lxml import etree

from dispatch.warnings.cap import NS, SCHEMA
from tests.dispatch.conftest import County, issue

API = "/api/v1/warnings"
DATA = Path(__file__).with_name("data")
SCHEMA_CHECK = etree.XMLSchema(etree.parse(str(SCHEMA)))
C = {"c": NS}


async def cap(client: httpx.AsyncClient, county: County, warning_id: int) -> etree._Element:
    r = await client.get(f"{API}/{warning_id}/cap", headers=county.duty)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/cap+xml")
    root = etree.fromstring(r.content)
    assert SCHEMA_CHECK.validate(root), SCHEMA_CHECK.error_log
    sent = root.findtext("c:sent", namespaces=C)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", sent or ""), sent
    return root


async def test_alert_update_and_cancel_validate(client: httpx.AsyncClient, county: County) -> None:
    w = await issue(
        client, county, polygon=[[35.4, 112.3], [35.6, 112.3], [35.6, 112.6], [35.4, 112.3]]
    )
    alert = await cap(client, county, w["id"])
    assert alert.findtext("c:msgType", namespaces=C) == "Alert"
    assert alert.findtext("c:sent", namespaces=C).endswith("+08:00")
    info = alert.find("c:info", C)
    assert info.findtext("c:severity", namespaces=C) == "Severe"
    assert info.findtext("c:event", namespaces=C) == "暴雨"
    levels = {
        p.findtext("c:valueName", namespaces=C): p.findtext("c:value", namespaces=C)
        for p in info.findall("c:parameter", C)
    }
    assert levels["level"] == "橙色"
    assert info.findtext("c:area/c:polygon", namespaces=C).startswith("35.4,112.3 ")
    first_id = alert.findtext("c:identifier", namespaces=C)

    await client.patch(f"{API}/{w['id']}", json={"level": "red"}, headers=county.duty)
    update = await cap(client, county, w["id"])
    assert update.findtext("c:msgType", namespaces=C) == "Update"
    assert first_id in update.findtext("c:references", namespaces=C)
    assert update.findtext("c:info/c:severity", namespaces=C) == "Extreme"

    await client.post(f"{API}/{w['id']}/cancel", headers=county.duty)
    cancel = await cap(client, county, w["id"])
    assert cancel.findtext("c:msgType", namespaces=C) == "Cancel"
    assert first_id in cancel.findtext("c:references", namespaces=C)


async def test_the_oasis_example_comes_in_as_a_draft(
    client: httpx.AsyncClient, county: County
) -> None:
    body = (DATA / "oasis-example-amber-alert.xml").read_bytes()
    r = await client.post(
        f"{API}/import-cap",
        params={"org_id": county.world.county.id},
        content=body,
        headers={**county.duty, "Content-Type": "application/cap+xml"},
    )
    assert r.status_code == 201, r.text
    draft = r.json()
    assert draft["status"] == "draft" and draft["title"]
    assert draft["level"] in ("red", "orange", "yellow", "blue")


async def test_an_invalid_file_lists_the_schema_errors(
    client: httpx.AsyncClient, county: County
) -> None:
    bad = (
        b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x</identifier>'
        b"<sent>2026-01-01T00:00:00Z</sent></alert>"
    )
    r = await client.post(
        f"{API}/import-cap",
        params={"org_id": county.world.county.id},
        content=bad,
        headers=county.duty,
    )
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    errors = r.json()["errors"]
    assert errors and all(e["code"] == "cap_schema" for e in errors)
    assert any("sent" in e["message"] or "sender" in e["message"] for e in errors)
    for hostile in (
        b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "bbbbbbbb">'
        b'<!ENTITY c "&b;&b;&b;&b;">]><alert>&c;</alert>',
        b"not xml at all",
        (DATA / "nws-alert-example.xml").read_bytes(),  # a polygon cut short with "..."
    ):
        r = await client.post(
            f"{API}/import-cap",
            params={"org_id": county.world.county.id},
            content=hostile,
            headers=county.duty,
        )
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["code"] in (
            "cap_unsafe",
            "cap_not_xml",
            "cap_polygon",
            "cap_schema",
        )
