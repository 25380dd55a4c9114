"""Drills as iCalendar (RFC 5545), like the duty roster's feed (``rosters.ical``): one VEVENT
per drill with a stable UID, times in the organiser's zone with its VTIMEZONE, a cancelled
drill as STATUS:CANCELLED; the same secret feed URLs (``POST /duty/calendar/feed``)."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

import icalendar
from sqlmodel.ext.asyncio.session import AsyncSession

from plans.drills.models import Drill, DrillStatus, DrillType
from service.orgs import service as orgs

PRODID = "-//Yingji//Drills//ZH"
TYPE_ZH = {
    DrillType.tabletop: "桌面推演",
    DrillType.functional: "功能演练",
    DrillType.full_scale: "实战化演练",
    DrillType.evacuation: "疏散演练",
}


async def render(session: AsyncSession, drills: Sequence[Drill], *, name: str, host: str) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    zones: dict[int, ZoneInfo] = {}
    for drill in drills:
        if drill.org_id not in zones:
            org = await orgs.get(session, drill.org_id)
            zones[drill.org_id] = ZoneInfo(org.timezone if org else "Asia/Shanghai")
        zone = zones[drill.org_id]
        event = icalendar.Event()
        event.add("uid", f"drill-{drill.id}@{host}")
        event.add("dtstamp", drill.updated_at)
        event.add("last-modified", drill.updated_at)
        event.add("dtstart", drill.start_at.astimezone(zone))
        event.add("dtend", drill.end_at.astimezone(zone))
        event.add("summary", f"【{TYPE_ZH[drill.type]}】{drill.title}")
        if drill.location:
            event.add("location", drill.location)
        if drill.lat is not None and drill.lon is not None:
            event.add("geo", (drill.lat, drill.lon))
        if drill.scenario:
            event.add("description", drill.scenario)
        cancelled = drill.status == DrillStatus.cancelled
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())
