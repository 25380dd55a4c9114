"""Who a warning calls: explicit people and rules, resolved at issue time into a recorded
list (so a later change of the roster or the tags does not rewrite history)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from rosters import shifts
from service.auth.permissions import Scope, subtree_of
from service.db import json_array_has
from service.errors import FieldError, Invalid
from service.orgs import service as orgs
from service.orgs.models import Org, OrgKind
from service.people.models import Person


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

    async def rule(self, rule: dict[str, Any], index: int, at: datetime) -> list[Named]:
        field = f"rules.{index}"
        kind = rule["rule"]
        if kind == "people":
            return await self.explicit(rule["person_ids"], rule.get("field", f"{field}.person_ids"))
        roots = [await self.visible_org(o, f"{field}.org_ids") for o in rule["org_ids"]]
        out: list[Named] = []
        if kind == "responsible_persons":
            for root in roots:
                rows = await self.session.exec(
                    select(Person)
                    .join(Org, col(Org.id) == col(Person.org_id))
                    .where(
                        col(Org.path).like(subtree_of(root.path)),
                        json_array_has(Person.tags, rule["tag"]),
                    )
                    .order_by(col(Person.id))
                )
                for person in rows.all():
                    named = await self._named(person, f"responsible_persons:{rule['tag']}")
                    if named is not None:
                        out.append(named)
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
        self, person_ids: list[int], rules: list[dict[str, Any]], at: datetime
    ) -> list[Named]:
        """Everyone named, each once (the first reason kept), in a stable order."""
        named = await self.explicit(person_ids, "recipients") if person_ids else []
        for i, rule in enumerate(rules):
            named.extend(await self.rule(rule, i, at))
        seen: dict[int, Named] = {}
        for n in named:
            seen.setdefault(n.person.id or 0, n)
        return list(seen.values())
