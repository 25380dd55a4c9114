"""The demo county's drills: a past evaluated drill with findings and actions, upcoming
drills with reminders pending; loading twice adds nothing."""

from __future__ import annotations

import httpx

from service.demo import load
from service.settings import Settings


async def test_demo_drills(settings: Settings, client: httpx.AsyncClient) -> None:
    await load(settings)
    await load(settings)
    r = await client.post(
        "/api/v1/auth/token", data={"username": "drill", "password": "yingji-demo"}
    )
    h = {"Authorization": f"Bearer {r.json()['access_token']}"}
    drills = (await client.get("/api/v1/drills", headers=h)).json()
    assert drills["count"] == 3
    past, *upcoming = drills["data"]
    assert past["status"] == "evaluated" and past["multi_department"] is True
    report = (await client.get(f"/api/v1/drills/{past['id']}/report", headers=h)).json()
    assert report["overall_score"] is not None and len(report["findings"]) == 2
    states = sorted(a["status"] for f in report["findings"] for a in f["actions"])
    assert states == ["done", "open"] and report["open_actions"] == 1
    for drill in upcoming:
        shown = (await client.get(f"/api/v1/drills/{drill['id']}", headers=h)).json()
        assert shown["status"] == "planned"
        assert any(r["state"] == "pending" for r in shown["reminders"])
