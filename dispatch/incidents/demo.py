"""The demo county's incidents, at different stages: a coal-mine gas incident being
responded to (large: three dead), a rainstorm flood just reported, a forest fire under
control, and a road traffic accident closed after its final report."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch.incidents import creation, reports, service
from dispatch.incidents.models import Incident, IncidentStatus, IncidentType, ReportKind
from dispatch.incidents.schemas import IncidentCreate, IncidentUpdate, ReportSend
from service.auth.permissions import SYSTEM
from service.db import utcnow
from service.orgs.models import Org

# title, type, township, lat, lon, minutes ago, numbers, status, reports sent (kind, level)
DEMO: list[tuple[Any, ...]] = [
    (
        "北留镇某煤矿井下瓦斯涌出事故",
        IncidentType.mine,
        "北留镇",
        35.581,
        112.531,
        150,
        {"deaths": 3, "serious_injuries": 2, "trapped": 4, "direct_loss_yuan": 4_200_000},
        IncidentStatus.responding,
        [(ReportKind.initial, "county"), (ReportKind.initial, "city")],
    ),
    (
        "蟒河镇强降雨致河道漫溢",
        IncidentType.flood,
        "蟒河镇",
        35.251,
        112.366,
        25,
        {"trapped": 6},
        IncidentStatus.reported,
        [],
    ),
    (
        "横河镇林区雷击火",
        IncidentType.forest_fire,
        "横河镇",
        35.310,
        112.205,
        600,
        {"direct_loss_yuan": 800_000},
        IncidentStatus.stabilized,
        [
            (ReportKind.initial, "county"),
            (ReportKind.initial, "city"),
            (ReportKind.follow_up, None),
        ],
    ),
    (
        "凤城镇阳城大道两车相撞",
        IncidentType.road_traffic,
        "凤城镇",
        35.489,
        112.420,
        26 * 60,
        {"injuries": 3, "direct_loss_yuan": 60_000},
        IncidentStatus.closed,
        [(ReportKind.initial, "county"), (ReportKind.initial, "city"), (ReportKind.final, None)],
    ),
]


async def load(session: AsyncSession, by_name: dict[str, Org]) -> int:
    """Record the demo incidents that are not there yet; how many were recorded now."""
    made = 0
    now = utcnow()
    for title, kind, town, lat, lon, minutes, numbers, status, sent in DEMO:
        if (await session.exec(select(Incident.id).where(Incident.title == title))).first():
            continue
        org = by_name[town]
        data = IncidentCreate(
            title=title,
            type=kind,
            org_id=org.id,
            lat=lat,
            lon=lon,
            address=f"{town}辖区",
            occurred_at=now - timedelta(minutes=minutes + 10),
            reported_at=now - timedelta(minutes=minutes),
            description=f"{title}，现场情况正在核实。",
            **numbers,
        )
        incident = await creation.create(session, SYSTEM, data)
        for index, (report_kind, level) in enumerate(sent):
            send = ReportSend(
                kind=report_kind,
                level=level,
                sent_to="晋城市应急管理局" if level != "county" else "阳城县应急管理局",
                via="phone",
                sent_at=incident.reported_at + timedelta(minutes=30 + 40 * index),
                measures="已启动应急响应，救援力量已到场处置。",
            )
            await reports.send(session, SYSTEM, incident, org, send)
        if status != IncidentStatus.reported:
            if status == IncidentStatus.closed:
                await service.update(
                    session, SYSTEM, incident, org, IncidentUpdate(status=IncidentStatus.responding)
                )
            await service.update(session, SYSTEM, incident, org, IncidentUpdate(status=status))
        made += 1
    return made
