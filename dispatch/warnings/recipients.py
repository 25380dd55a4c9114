"""Who a warning calls: explicit people and rules, resolved at issue time into a recorded
list (so a later change of the roster, the teams or the tags does not rewrite history).

Rules: ``people``; ``responsible_persons`` (a tag in org subtrees); ``leaders_on_duty``
(from the roster); ``team_leaders`` (teams of some kinds, plans/resources);
``responsible_in_area`` (the tag in the townships and villages located inside the warning's
polygon). Polygons are ``[[lat, lon], …]`` as the API and CAP give them; shapely works in
(x=lon, y=lat)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shapely import Point, Polygon, prepared
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from plans.resources import teams
from plans.resources.models import TeamKind
from rosters import shifts
from service.auth.permissions import Scope, subtree_of
from service.db import json_array_has
from service.errors import FieldError, Invalid
from service.i18n import register
from service.orgs import service as orgs
from service.orgs.models import Org, OrgKind
from service.people.models import Person

register(
    {
        "area_polygon_missing": (
            "规则 {rule}（区域内责任人）需要预警区域多边形（polygon）",
            "Rule {rule} (responsible persons in the area) needs the warning's polygon",
        ),
        "area_orgs_missing": (
            "请给出队伍所在的单位（org_ids），或预警的影响单位",
            "Give the teams' orgs (org_ids), or the warning's affected orgs",
        ),
    }
)


@dataclass(frozen=True)
class Area:
    """The warning's affected orgs and polygon, which some rules use."""

    org_ids: list[int] = field(default_factory=list)
    polygon: list[list[float]] | None = None


def shape(polygon: list[list[float]]) -> Polygon:
    return Polygon([(lon, lat) for lat, lon in polygon])


@dataclass(frozen=True)
class Named:
    person: Person
    org: Org
    township_id: int | None
    reason: str


class Resolver:
    """Resolves rules within the caller's scope, caching orgs along the way."""

    def __init__(self, session: AsyncSession, scope: Scope) -> None:
        self.session = session
        self.scope = scope
        self._orgs: dict[int, Org] = {}

    async def org(self, org_id: int) -> Org | None:
        if org_id not in self._orgs:
            found = await orgs.get(self.session, org_id)
            if found is None:
                return None
            self._orgs[org_id] = found
        return self._orgs[org_id]

    async def township_of(self, org: Org) -> int | None:
        """The township (or, above them, the county) an org lies in, for the roll-up."""
        ids = [int(p) for p in org.path.strip("/").split("/") if p]
        for org_id in ids:
            found = await self.org(org_id)
            if found is not None and found.kind == OrgKind.township:
                return found.id
        return ids[0] if ids else None

    async def visible_org(self, org_id: int, field: str) -> Org:
        org = await self.org(org_id)
        if org is None or not self.scope.covers(org.path):
            raise Invalid.field(field, "org_unknown")
        return org

    async def _named(self, person: Person, reason: str) -> Named | None:
        org = await self.org(person.org_id)
        if org is None:
            return None
        return Named(person, org, await self.township_of(org), reason)

    async def explicit(self, person_ids: list[int], field: str) -> list[Named]:
        found = {
            p.id: p
            for p in (
                await self.session.exec(select(Person).where(col(Person.id).in_(person_ids)))
            ).all()
        }
        out, bad = [], []
        for i, person_id in enumerate(person_ids):
            person = found.get(person_id)
            named = await self._named(person, "explicit") if person else None
            if named is None or not self.scope.covers(named.org.path):
                bad.append(FieldError(f"{field}.{i}", "person_unknown"))
            else:
                out.append(named)
        if bad:
            raise Invalid(*bad[:50])
        return out

    async def _tagged(self, orgs_: list[Org], tag: str, reason: str, subtree: bool) -> list[Named]:
        """People with the tag in these orgs (and below them when ``subtree``)."""
        out: list[Named] = []
        for root in orgs_:
            where = col(Org.path).like(subtree_of(root.path)) if subtree else Org.id == root.id
            rows = await self.session.exec(
                select(Person)
                .join(Org, col(Org.id) == col(Person.org_id))
                .where(where, json_array_has(Person.tags, tag))
                .order_by(col(Person.id))
            )
            for person in rows.all():
                named = await self._named(person, reason)
                if named is not None:
                    out.append(named)
        return out

    async def in_area(self, polygon: list[list[float]], kinds: list[str]) -> list[Org]:
        """Orgs of these kinds in the scope whose location lies inside the polygon (or on its
        edge)."""
        area = shape(polygon)
        west, south, east, north = area.bounds
        found = await orgs.located_within(
            self.session, self.scope, [OrgKind(k) for k in kinds], south, west, north, east
        )
        inside = prepared.prep(area)
        return [o for o in found if inside.covers(Point(o.lon, o.lat))]

    async def rule(
        self, rule: dict[str, Any], index: int, at: datetime, area: Area | None = None
    ) -> list[Named]:
        field = f"rules.{index}"
        kind = rule["rule"]
        area = area or Area()
        if kind == "people":
            return await self.explicit(rule["person_ids"], rule.get("field", f"{field}.person_ids"))
        if kind == "responsible_in_area":
            if not area.polygon:
                raise Invalid.field("polygon", "area_polygon_missing", rule=index)
            places = await self.in_area(area.polygon, rule.get("kinds") or ["township", "village"])
            tag = rule.get("tag") or "基层责任人"
            return await self._tagged(places, tag, f"responsible_in_area:{tag}", subtree=False)
        if kind == "team_leaders" and not rule.get("org_ids"):
            if not area.org_ids:
                raise Invalid.field(f"{field}.org_ids", "area_orgs_missing")
            roots = [await self.visible_org(o, "org_ids") for o in area.org_ids]
        else:
            roots = [await self.visible_org(o, f"{field}.org_ids") for o in rule["org_ids"]]
        out: list[Named] = []
        if kind == "team_leaders":
            kinds = [TeamKind(k) for k in rule["team_types"]]
            for team, leader_id in await teams.leaders_of(
                self.session, kinds, [r.path for r in roots]
            ):
                leader = await self.session.get(Person, leader_id)
                named = await self._named(leader, f"team_leader:{team.kind}") if leader else None
                if named is not None:
                    out.append(named)
        elif kind == "responsible_persons":
            reason = f"responsible_persons:{rule['tag']}"
            out = await self._tagged(roots, rule["tag"], reason, subtree=True)
        elif kind == "leaders_on_duty":
            for root in roots:
                duty = await shifts.now(self.session, root, at)
                if duty.leader is not None:
                    leader = await self.session.get(Person, duty.leader.id)
                    named = await self._named(leader, "leader_on_duty") if leader else None
                    if named is not None:
                        out.append(named)
        return out

    async def resolve(
        self,
        person_ids: list[int],
        rules: list[dict[str, Any]],
        at: datetime,
        area: Area | None = None,
    ) -> list[Named]:
        """Everyone named, each once (the first reason kept), in a stable order."""
        named = await self.explicit(person_ids, "recipients") if person_ids else []
        for i, rule in enumerate(rules):
            named.extend(await self.rule(rule, i, at, area))
        seen: dict[int, Named] = {}
        for n in named:
            seen.setdefault(n.person.id or 0, n)
        return list(seen.values())
