"""``GET /resources/nearest``: teams or depots sorted by geodesic distance.

Teams move (1% a second at a big incident), so they are searched in a per-process
``geoindex.SpatialIndex`` that catches up with the outbox before every query (one small
query when nothing changed); a database whose outbox went backwards or starts with
another event (restored, truncated) is loaded afresh. Depots are few and still: filtered
in SQL (stock sums), then measured one by one.
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from plans.resources.common import TOPIC
from plans.resources.geoindex import Point, SpatialIndex, distance_km
from plans.resources.models import Depot, StockMovement, Team, TeamKind, TeamStatus
from service.auth.permissions import Scope
from service.errors import Invalid
from service.orgs.models import Org
from service.orgs.service import TOPIC as ORGS_TOPIC
from service.realtime.models import OutboxEvent

_OUTBOX = OutboxEvent.__tablename__
HEAD_SQL = f"SELECT max(seq), (SELECT at FROM {_OUTBOX} ORDER BY seq LIMIT 1) FROM {_OUTBOX}"  # noqa: S608


@dataclass(frozen=True)
class TeamAttrs:
    kind: str
    status: str
    org_path: str
    org_id: int
    name: str
    headcount: int
    leader_id: int | None


class TeamIndex:
    """One database's team positions in this process."""

    def __init__(self) -> None:
        self.index = SpatialIndex()
        self.last_seq = -1
        self.identity: Any = None
        self._locks: weakref.WeakKeyDictionary[Any, asyncio.Lock] = weakref.WeakKeyDictionary()

    def lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if loop not in self._locks:
            self._locks[loop] = asyncio.Lock()
        return self._locks[loop]

    @staticmethod
    def _point(row: Any) -> Point:
        team_id, lat, lon, kind, status, path, org_id, name, headcount, leader_id = row
        attrs = TeamAttrs(str(kind), str(status), path, org_id, name, headcount, leader_id)
        return Point(team_id, lat, lon, attrs)

    @staticmethod
    def _rows(ids: list[int] | None = None) -> Any:
        columns: list[Any] = [Team.id, Team.lat, Team.lon, Team.kind, Team.status, Org.path]
        columns += [Team.org_id, Team.name, Team.headcount, Team.leader_id]
        query: Any = sa.select(*columns)
        query = query.join(Org, col(Org.id) == col(Team.org_id))
        return query.where(col(Team.id).in_(ids)) if ids is not None else query

    async def _head(self, session: AsyncSession) -> tuple[int, Any]:
        """The last seq, and the first event's time (what tells a restored or truncated
        outbox apart). Asked before every query, so sent as fixed SQL, not built each time."""
        connection = await session.connection()
        row: Any = (await connection.exec_driver_sql(HEAD_SQL)).one()
        return int(row[0] or 0), row[1]

    async def rebuild(self, session: AsyncSession) -> None:
        head, identity = await self._head(session)
        rows = (await session.exec(self._rows())).all()
        self.index.rebuild(self._point(r) for r in rows)
        self.last_seq, self.identity = head, identity

    async def sync(self, session: AsyncSession) -> None:
        async with self.lock():
            head, identity = await self._head(session)
            if identity != self.identity or head < self.last_seq:
                await self.rebuild(session)
                return
            if head == self.last_seq:
                return
            events = (
                await session.exec(
                    select(OutboxEvent.type, OutboxEvent.data).where(
                        col(OutboxEvent.seq) > self.last_seq,
                        col(OutboxEvent.seq) <= head,
                        col(OutboxEvent.topic).in_([TOPIC, ORGS_TOPIC]),
                    )
                )
            ).all()
            if any(kind in ("org.updated", "org.deleted") for kind, _ in events):
                await self.rebuild(session)  # an org moved: the scope paths changed
                return
            ids = sorted(
                {
                    int(data["id"])
                    for kind, data in events
                    if kind.startswith("team.") and isinstance(data.get("id"), int)
                }
            )
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                found = {r[0]: r for r in (await session.exec(self._rows(chunk))).all()}
                for team_id in chunk:
                    if team_id in found:
                        self.index.put(self._point(found[team_id]))
                    else:
                        self.index.remove(team_id)
            self.last_seq = head


INDEXES: dict[str, TeamIndex] = {}


def index_for(session: AsyncSession) -> TeamIndex:
    assert session.bind is not None
    key = session.bind.engine.url.render_as_string(hide_password=True)
    if key not in INDEXES:
        INDEXES[key] = TeamIndex()
    return INDEXES[key]


def _team_filter(
    scope: Scope, kinds: list[TeamKind] | None, statuses: list[TeamStatus] | None
) -> Any:
    kind_set = {k.value for k in kinds} if kinds else None
    status_set = {s.value for s in statuses} if statuses else None

    def accept(point: Point) -> bool:
        attrs: TeamAttrs = point.attrs
        return (
            (kind_set is None or attrs.kind in kind_set)
            and (status_set is None or attrs.status in status_set)
            and scope.covers(attrs.org_path)
        )

    return accept


async def nearest_teams(
    session: AsyncSession,
    scope: Scope,
    lat: float,
    lon: float,
    *,
    limit: int,
    kinds: list[TeamKind] | None = None,
    statuses: list[TeamStatus] | None = None,
) -> list[dict[str, Any]]:
    """Answered from the index after it caught up with every committed change."""
    team_index = index_for(session)
    await team_index.sync(session)
    accept = _team_filter(scope, kinds, statuses)
    found = team_index.index.nearest(lat, lon, limit, accept)
    return [
        {
            "kind": "team",
            "id": p.id,
            "name": p.attrs.name,
            "org_id": p.attrs.org_id,
            "lat": p.lat,
            "lon": p.lon,
            "distance_km": round(d, 6),
            "team_kind": p.attrs.kind,
            "status": p.attrs.status,
            "headcount": p.attrs.headcount,
            "leader_id": p.attrs.leader_id,
        }
        for d, p in found
    ]


async def nearest_depots(
    session: AsyncSession,
    scope: Scope,
    lat: float,
    lon: float,
    *,
    limit: int,
    item_id: int | None = None,
    min_qty: int | None = None,
) -> list[dict[str, Any]]:
    if min_qty is not None and item_id is None:
        raise Invalid.field("min_qty", "min_qty_needs_item")
    query: Any = select(Depot).join(Org, col(Org.id) == col(Depot.org_id))
    query = query.where(scope.clause(col(Org.path)))
    held: dict[int, int] = {}
    if item_id is not None:
        total = sa.func.sum(StockMovement.quantity)
        sums = (
            await session.exec(
                select(StockMovement.depot_id, total)
                .where(StockMovement.item_id == item_id)
                .group_by(col(StockMovement.depot_id))
                .having(total >= (min_qty or 1))
            )
        ).all()
        held = {d: int(q) for d, q in sums}
        query = query.where(col(Depot.id).in_(list(held)))
    depots = (await session.exec(query)).all()
    scored = sorted(
        ((distance_km(lat, lon, d.lat, d.lon), d.id or 0, d) for d in depots),
        key=lambda s: (s[0], s[1]),
    )[:limit]
    return [
        {
            "kind": "depot",
            "id": depot_id,
            "name": d.name,
            "org_id": d.org_id,
            "lat": d.lat,
            "lon": d.lon,
            "distance_km": round(dist, 6),
            "manager_id": d.manager_id,
            **({"item_id": item_id, "quantity": held[depot_id]} if item_id is not None else {}),
        }
        for dist, depot_id, d in scored
    ]
