"""Roles, what each may do, and the org scope a caller acts in.

A user holds role grants, each over an org subtree (or every org). For a permission,
the caller's scope is the union of the subtrees of the grants whose role allows it.
Objects outside the read scope answer 404; inside it but outside the write scope, 403.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement


class Role(StrEnum):
    admin = "admin"
    leader = "leader"
    duty_officer = "duty_officer"
    team_leader = "team_leader"
    drill_coordinator = "drill_coordinator"
    viewer = "viewer"


EVERY_ROLE = frozenset(Role)
STAFF = frozenset({Role.admin, Role.leader, Role.duty_officer})

# permission -> roles that hold it; later domains add their own entries here.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "org.read": EVERY_ROLE,
    "org.write": frozenset({Role.admin}),
    "person.read": EVERY_ROLE,
    "person.write": STAFF,
    "user.read": frozenset({Role.admin}),
    "user.write": frozenset({Role.admin}),
    "audit.read": frozenset({Role.admin}),
    "event.read": EVERY_ROLE,
    "channel.read": EVERY_ROLE,
    "channel.write": STAFF,  # channels of people
    "org_channel.write": frozenset({Role.admin}),  # channels of orgs (group robots)
    "delivery.read": STAFF,
    "delivery.send": STAFF,  # test messages
    "duty.read": EVERY_ROLE,
    "duty.write": STAFF,  # the roster and how it is made
    "duty.approve": frozenset({Role.admin, Role.leader}),  # swaps
    "warning.read": EVERY_ROLE,
    "warning.write": STAFF,  # issue, update, lift; record a phone answer for someone
    "incident.read": EVERY_ROLE,
    "incident.write": STAFF,  # record, grade, report, log; alarm platforms' API tokens
}

# event topic -> permission needed to receive its events (default: event.read)
TOPIC_PERMISSIONS: dict[str, str] = {"users": "user.read", "deliveries": "delivery.read"}


def subtree_of(path: str) -> str:
    """LIKE pattern for an org path and every org below it (paths are digits and '/')."""
    return f"{path}%"


@dataclass(frozen=True)
class Scope:
    """A set of org subtrees, or every org."""

    everything: bool = False
    paths: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.everything and not self.paths

    def covers(self, org_path: str | None) -> bool:
        if self.everything:
            return True
        return org_path is not None and any(org_path.startswith(p) for p in self.paths)

    def clause(self, path_column: Any) -> ColumnElement[bool]:
        """SQL condition: the row's org path lies in this scope."""
        if self.everything:
            return sa.true()
        if not self.paths:
            return sa.false()
        return sa.or_(*(path_column.like(subtree_of(p)) for p in self.paths))


@dataclass(frozen=True)
class Grant:
    role: Role
    org_id: int | None
    org_path: str | None  # None: every org


@dataclass(frozen=True)
class Principal:
    """Who is calling: the user, how they authenticated, and their grants."""

    user_id: int | None  # None: the service itself (command line, demo loader, jobs)
    username: str
    grants: tuple[Grant, ...]
    person_id: int | None = None
    org_id: int | None = None
    token_id: int | None = None
    request_id: str | None = None
    ip: str | None = None
    expires_at: datetime | None = None  # when the credential presented stops being valid
    _cache: dict[str, Scope] = field(default_factory=dict, compare=False, repr=False)

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(g.role for g in self.grants)

    def scope(self, permission: str) -> Scope:
        """Where the caller holds ``permission``; an empty scope when nowhere."""
        if permission not in self._cache:
            allowed = PERMISSIONS[permission]
            grants = [g for g in self.grants if g.role in allowed]
            if any(g.org_path is None for g in grants):
                scope = Scope(everything=True)
            else:
                paths = sorted({g.org_path for g in grants if g.org_path})
                # drop paths already covered by a shorter one
                kept = tuple(p for p in paths if not any(p != q and p.startswith(q) for q in paths))
                scope = Scope(paths=kept)
            self._cache[permission] = scope
        return self._cache[permission]

    def can(self, permission: str, org_path: str | None = None) -> bool:
        return (
            self.scope(permission).covers(org_path)
            if org_path
            else not self.scope(permission).empty
        )


SYSTEM = Principal(user_id=None, username="system", grants=(Grant(Role.admin, None, None),))
