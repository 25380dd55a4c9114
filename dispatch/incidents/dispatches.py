"""Dispatching teams and materials to an incident (from the nearest-resource search).

A team must be available or on standby; it becomes ``dispatched`` (its status history
names the incident) and ``available`` again when it returns or the dispatch is cancelled.
Materials are a ``dispatch`` movement in the depot's stock ledger, in the same
transaction: a shortfall is refused (409), never silently reduced. Status moves forward
only: requested → en_route → on_scene → returned (teams), or cancelled before arrival.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from geopy.distance import geodesic
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch.incidents import log
from dispatch.incidents.models import Dispatch, DispatchKind, DispatchStatus, Incident
from dispatch.incidents.schemas_response import DispatchCreate, DispatchRead, DispatchUpdate
from plans.resources import depots, stock, teams
from plans.resources.models import Item, TeamStatus
from plans.resources.schemas import Dispatch as StockDispatch
from plans.resources.schemas import StatusChange
from service.auth.permissions import Principal
from service.db import utcnow
from service.errors import Conflict, Invalid, NotFound
from service.orgs.models import Org
from service.realtime import outbox
from service.schemas import dump

STATUS_ZH = {
    DispatchStatus.requested: "已调派",
    DispatchStatus.en_route: "在途",
    DispatchStatus.on_scene: "已到场",
    DispatchStatus.returned: "已返回",
    DispatchStatus.cancelled: "已取消",
}
ORDER = [
    DispatchStatus.requested,
    DispatchStatus.en_route,
    DispatchStatus.on_scene,
    DispatchStatus.returned,
]
FREE = (TeamStatus.available, TeamStatus.standby)


def incident_ref(incident: Incident) -> str:
    return f"incident:{incident.id}"


def _km(incident: Incident, lat: float | None, lon: float | None) -> float | None:
    if incident.lat is None or incident.lon is None or lat is None or lon is None:
        return None
    return round(geodesic((incident.lat, incident.lon), (lat, lon)).km, 3)


async def of(session: AsyncSession, incident: Incident) -> list[Dispatch]:
    rows = await session.exec(
        select(Dispatch).where(Dispatch.incident_id == incident.id).order_by(col(Dispatch.id))
    )
    return list(rows.all())


OUT = (DispatchStatus.requested, DispatchStatus.en_route, DispatchStatus.on_scene)


async def teams_out(
    session: AsyncSession, team_ids: list[int], *, exercise: bool | None = False
) -> list[tuple[Dispatch, Incident]]:
    """Dispatches of these teams that have not returned (nor been cancelled), with their
    incidents: real ones only by default (``exercise=None``: every one)."""
    if not team_ids:
        return []
    query = (
        select(Dispatch, Incident)
        .join(Incident, col(Incident.id) == col(Dispatch.incident_id))
        .where(col(Dispatch.team_id).in_(team_ids), col(Dispatch.status).in_(OUT))
        .order_by(col(Dispatch.id))
    )
    if exercise is not None:
        query = query.where(col(Incident.exercise).is_(exercise))
    return [(d, i) for d, i in (await session.exec(query)).all()]


async def counts(session: AsyncSession, incident: Incident) -> dict[str, Any]:
    """What has been dispatched and not cancelled: teams by kind, items by name and by
    catalogue id (``item_ids``, what a level's required ``item_id`` compares with)."""
    rows = [d for d in await of(session, incident) if d.status != DispatchStatus.cancelled]
    team_kinds = Counter(d.team_kind for d in rows if d.kind == DispatchKind.team)
    items: Counter[str] = Counter()
    item_ids: Counter[str] = Counter()
    for d in rows:
        if d.kind == DispatchKind.material and d.item_id is not None:
            item = await session.get(Item, d.item_id)
            if item is not None:
                items[item.name] += d.quantity or 0
                item_ids[str(d.item_id)] += d.quantity or 0
    return {"teams": dict(team_kinds), "items": dict(items), "item_ids": dict(item_ids)}


async def _event(
    session: AsyncSession, type_: str, incident: Incident, org: Org, row: Dispatch
) -> None:
    await outbox.append(
        session,
        topic=log.TOPIC,
        type=type_,
        data={
            "incident_id": incident.id,
            "exercise": incident.exercise,
            **dump(DispatchRead.model_validate(row)),
        },
        org_id=org.id,
        org_path=org.path,
    )


async def create(
    session: AsyncSession, actor: Principal, incident: Incident, org: Org, data: DispatchCreate
) -> Dispatch:
    if data.team_id is not None:
        row = await _team(session, actor, incident, data)
    else:
        row = await _material(session, actor, incident, data)
    row.note = data.note
    row.created_by = actor.user_id
    session.add(row)
    await session.flush()
    where = f"（{row.distance_km:.1f} 公里）" if row.distance_km is not None else ""
    await log.append(
        session,
        actor,
        incident,
        org,
        "dispatched",
        f"调派{row.name}{where}",
        {"dispatch_id": row.id, "kind": row.kind},
    )
    await _event(session, "incident.dispatched", incident, org, row)
    return row


async def _team(
    session: AsyncSession, actor: Principal, incident: Incident, data: DispatchCreate
) -> Dispatch:
    try:
        team, team_org = await teams.get_visible(
            session, actor.scope("resource.read"), data.team_id or 0
        )
    except NotFound:
        raise Invalid.field("team_id", "team_unknown") from None
    if team.status not in FREE:
        raise Conflict("team_busy", team=team.name, status=team.status)
    change = StatusChange(
        status=TeamStatus.dispatched,
        reason=incident.title[:500],
        incident_ref=incident_ref(incident),
    )
    await teams.set_status(session, actor, team, team_org, change)
    return Dispatch(
        incident_id=incident.id or 0,
        kind=DispatchKind.team,
        team_id=team.id,
        team_kind=team.kind,
        name=team.name,
        distance_km=_km(incident, team.lat, team.lon),
    )


async def _material(
    session: AsyncSession, actor: Principal, incident: Incident, data: DispatchCreate
) -> Dispatch:
    depot, _ = await depots.referenced(
        session, actor.scope("resource.read"), data.depot_id or 0, "depot_id"
    )
    item = await depots.get_item(session, data.item_id or 0, "item_id")
    operation = await stock.issue(
        session,
        actor,
        StockDispatch(
            depot_id=depot.id or 0,
            item_id=item.id or 0,
            quantity=data.quantity or 0,
            lot_id=data.lot_id,
            reason=incident.title[:500],
            incident_ref=incident_ref(incident),
        ),
    )
    return Dispatch(
        incident_id=incident.id or 0,
        kind=DispatchKind.material,
        depot_id=depot.id,
        item_id=item.id,
        quantity=data.quantity,
        name=f"{item.name} {data.quantity} {item.unit}（{depot.name}）",
        distance_km=_km(incident, depot.lat, depot.lon),
        op_id=operation.op_id,
    )


async def get(session: AsyncSession, incident: Incident, dispatch_id: int) -> Dispatch:
    row = await session.get(Dispatch, dispatch_id)
    if row is None or row.incident_id != incident.id:
        raise NotFound("dispatch")
    return row


def _check_move(row: Dispatch, to: DispatchStatus) -> None:
    now_at = row.status
    if now_at in (DispatchStatus.returned, DispatchStatus.cancelled):
        raise Conflict("dispatch_ended", status=now_at)
    if to == DispatchStatus.cancelled:
        if now_at == DispatchStatus.on_scene:
            raise Conflict("dispatch_move", status=now_at, to=to)
        return
    if to == DispatchStatus.returned and row.kind == DispatchKind.material:
        raise Invalid.field("status", "material_not_returnable")
    if ORDER.index(to) <= ORDER.index(DispatchStatus(now_at)):
        raise Conflict("dispatch_move", status=now_at, to=to)


async def move(
    session: AsyncSession,
    actor: Principal,
    incident: Incident,
    org: Org,
    row: Dispatch,
    data: DispatchUpdate,
) -> Dispatch:
    if data.status == row.status:
        return row  # a repeat (a phone on a bad network) changes nothing
    _check_move(row, data.status)
    now = utcnow()
    setattr(row, f"{data.status.value}_at", now)
    row.status = data.status
    if data.note:
        row.note = data.note
    session.add(row)
    await session.flush()
    if row.kind == DispatchKind.team and data.status in (
        DispatchStatus.returned,
        DispatchStatus.cancelled,
    ):
        team, team_org = await teams.get_visible(
            session, actor.scope("resource.read"), row.team_id or 0
        )
        if team.status == TeamStatus.dispatched:
            back = StatusChange(
                status=TeamStatus.available,
                reason=f"{incident.title[:480]}：{STATUS_ZH[data.status]}",
            )
            await teams.set_status(session, actor, team, team_org, back)
    await log.append(
        session,
        actor,
        incident,
        org,
        "dispatch",
        f"{row.name}：{STATUS_ZH[data.status]}",
        {"dispatch_id": row.id, "status": data.status},
    )
    await _event(session, "incident.dispatch", incident, org, row)
    return row
