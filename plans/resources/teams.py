"""Rescue teams: the team, its members and their certificates, its status with history."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from plans.resources.common import (
    EXPIRY_DAYS,
    READ,
    may_write,
    org_for_write,
    person_in_scope,
    record,
    today,
    visible,
)
from plans.resources.models import (
    Certification,
    Team,
    TeamKind,
    TeamMember,
    TeamStatus,
    TeamStatusChange,
)
from plans.resources.schemas import (
    CertificationDue,
    CertificationIn,
    CertificationRead,
    Location,
    MemberCreate,
    MemberRead,
    MemberUpdate,
    StatusChange,
    TeamCreate,
    TeamDetail,
    TeamRead,
    TeamUpdate,
)
from service.auth.permissions import Principal, Scope, subtree_of
from service.db import fetch_page, utcnow
from service.errors import Conflict, Invalid, NotFound
from service.orgs.models import Org
from service.people.models import Person
from service.schemas import dump

WRITE = "team.write"


def _dump(team: Team) -> dict[str, Any]:
    return dump(TeamRead.model_validate(team))


async def get_visible(session: AsyncSession, scope: Scope, team_id: int) -> tuple[Team, Org]:
    return await visible(session, scope, Team, team_id, "team")


async def search(
    session: AsyncSession,
    scope: Scope,
    *,
    kind: TeamKind | None = None,
    status: TeamStatus | None = None,
    org_id: int | None = None,
    q: str | None = None,
    limit: int,
    offset: int,
) -> tuple[list[Team], int]:
    where = [scope.clause(col(Org.path))]
    if kind is not None:
        where.append(col(Team.kind) == kind)
    if status is not None:
        where.append(col(Team.status) == status)
    if org_id is not None:
        where.append(col(Team.org_id) == org_id)
    if q:
        where.append(col(Team.name).contains(q, autoescape=True))
    base = select(Team).join(Org, col(Org.id) == col(Team.org_id)).where(*where)
    return await fetch_page(session, base, order_by=col(Team.id), limit=limit, offset=offset)


async def by_ids(session: AsyncSession, team_ids: list[int]) -> list[Team]:
    """These teams (any that exist), by id."""
    if not team_ids:
        return []
    rows = await session.exec(
        select(Team).where(col(Team.id).in_(sorted(set(team_ids)))).order_by(col(Team.id))
    )
    return list(rows.all())


async def of_person(session: AsyncSession, person_id: int) -> list[int]:
    """The teams a person leads or belongs to."""
    led = await session.exec(select(Team.id).where(Team.leader_id == person_id))
    member = await session.exec(select(TeamMember.team_id).where(TeamMember.person_id == person_id))
    return sorted({i for i in led.all() if i is not None} | set(member.all()))


async def leaders_of(
    session: AsyncSession, kinds: list[TeamKind], org_paths: list[str]
) -> list[tuple[Team, int]]:
    """Teams of these kinds in these org subtrees that have a leader, with the leader's
    person id (for warnings: "leaders of teams of these types")."""
    if not kinds or not org_paths:
        return []
    within = sa.or_(*(col(Org.path).like(subtree_of(p)) for p in org_paths))
    rows = await session.exec(
        select(Team)
        .join(Org, col(Org.id) == col(Team.org_id))
        .where(within, col(Team.kind).in_(kinds), col(Team.leader_id).is_not(None))
        .order_by(col(Team.id))
    )
    return [(team, team.leader_id or 0) for team in rows.all()]


async def _check_leader(session: AsyncSession, actor: Principal, leader_id: int | None) -> None:
    if leader_id is not None:
        await person_in_scope(session, actor.scope(READ), leader_id, "leader_id")


async def create(session: AsyncSession, actor: Principal, data: TeamCreate) -> Team:
    org = await org_for_write(session, actor, data.org_id, WRITE)
    await _check_leader(session, actor, data.leader_id)
    team = Team(
        **data.model_dump(exclude={"equipment"}),
        equipment=[e.model_dump() for e in data.equipment],
        lat=data.base_lat,
        lon=data.base_lon,
    )
    session.add(team)
    await session.flush()
    session.add(
        TeamStatusChange(team_id=team.id or 0, status=team.status, by_user_id=actor.user_id)
    )
    await record(session, actor, org, "team", "created", team.id, None, _dump(team))
    return team


async def update(
    session: AsyncSession, actor: Principal, team: Team, org: Org, data: TeamUpdate
) -> Team:
    may_write(actor, org, WRITE)
    before = _dump(team)
    changes = data.model_dump(exclude_unset=True)
    for required in ("name", "kind", "org_id", "headcount", "equipment", "base_lat", "base_lon"):
        if required in changes and changes[required] is None:
            raise Invalid.field(required, "missing")
    if "org_id" in changes and changes["org_id"] != team.org_id:
        org = await org_for_write(session, actor, changes["org_id"], WRITE)
    if changes.get("leader_id") is not None:
        await _check_leader(session, actor, changes["leader_id"])
    moved_base = ("base_lat" in changes or "base_lon" in changes) and (
        team.lat == team.base_lat and team.lon == team.base_lon
    )
    for key, value in changes.items():
        setattr(team, key, value)
    if moved_base:  # a team sitting at its base moves with it
        team.lat, team.lon = team.base_lat, team.base_lon
    team.updated_at = utcnow()
    session.add(team)
    await session.flush()
    await record(session, actor, org, "team", "updated", team.id, before, _dump(team))
    return team


async def delete(session: AsyncSession, actor: Principal, team: Team, org: Org) -> None:
    may_write(actor, org, WRITE)
    before = _dump(team)
    await session.exec(sa.delete(Certification).where(col(Certification.team_id) == team.id))
    await session.exec(sa.delete(TeamMember).where(col(TeamMember.team_id) == team.id))
    await session.exec(sa.delete(TeamStatusChange).where(col(TeamStatusChange.team_id) == team.id))
    await session.delete(team)
    await session.flush()
    await record(session, actor, org, "team", "deleted", before["id"], before, None)


async def set_status(
    session: AsyncSession, actor: Principal, team: Team, org: Org, data: StatusChange
) -> Team:
    may_write(actor, org, WRITE)
    if data.status == team.status:
        raise Conflict("team_status_same")
    if data.incident_ref and data.status != TeamStatus.dispatched:
        raise Invalid.field("incident_ref", "filter_kind", kind=data.status.value)
    before = _dump(team)
    change = TeamStatusChange(
        team_id=team.id or 0,
        status=data.status,
        previous=team.status,
        reason=data.reason,
        incident_ref=data.incident_ref,
        by_user_id=actor.user_id,
    )
    team.status = data.status
    team.status_at = change.at
    team.updated_at = change.at
    session.add_all([team, change])
    await session.flush()
    after = _dump(team)
    event = {**after, "previous": before["status"], "reason": data.reason}
    if data.incident_ref:
        event["incident_ref"] = data.incident_ref
    await record(session, actor, org, "team", "status_changed", team.id, before, after, event)
    return team


async def move(
    session: AsyncSession, actor: Principal, team: Team, org: Org, data: Location
) -> Team:
    """Where the team is now (a GPS fix, a radio report)."""
    may_write(actor, org, WRITE)
    before = {"lat": team.lat, "lon": team.lon}
    team.lat, team.lon = data.lat, data.lon
    team.updated_at = utcnow()
    session.add(team)
    await session.flush()
    after = {"lat": team.lat, "lon": team.lon}
    event = {"id": team.id, "org_id": team.org_id, **after}
    await record(session, actor, org, "team", "moved", team.id, before, after, event)
    return team


async def history(
    session: AsyncSession, team: Team, *, limit: int, offset: int
) -> tuple[list[TeamStatusChange], int]:
    base = select(TeamStatusChange).where(TeamStatusChange.team_id == team.id)
    return await fetch_page(
        session, base, order_by=col(TeamStatusChange.id).desc(), limit=limit, offset=offset
    )


async def members_of(session: AsyncSession, team_ids: list[int]) -> dict[int, list[MemberRead]]:
    if not team_ids:
        return {}
    rows = (
        await session.exec(
            select(TeamMember, Person.name)
            .join(Person, col(Person.id) == col(TeamMember.person_id))
            .where(col(TeamMember.team_id).in_(team_ids))
            .order_by(col(TeamMember.id))
        )
    ).all()
    certs = (
        await session.exec(
            select(Certification)
            .where(col(Certification.team_id).in_(team_ids))
            .order_by(col(Certification.expiry_date), col(Certification.id))
        )
    ).all()
    by_member: dict[int, list[CertificationRead]] = {}
    for cert in certs:
        by_member.setdefault(cert.member_id, []).append(CertificationRead.model_validate(cert))
    found: dict[int, list[MemberRead]] = {}
    for member, name in rows:
        read = MemberRead.model_validate(member).model_copy(
            update={"name": name, "certifications": by_member.get(member.id or 0, [])}
        )
        found.setdefault(member.team_id, []).append(read)
    return found


async def detail(session: AsyncSession, team: Team) -> TeamDetail:
    members = (await members_of(session, [team.id or 0])).get(team.id or 0, [])
    return TeamDetail(**TeamRead.model_validate(team).model_dump(), members=members)


async def _set_certifications(
    session: AsyncSession, member: TeamMember, certs: list[CertificationIn]
) -> None:
    await session.exec(sa.delete(Certification).where(col(Certification.member_id) == member.id))
    session.add_all(
        [
            Certification(member_id=member.id or 0, team_id=member.team_id, **c.model_dump())
            for c in certs
        ]
    )
    await session.flush()


async def _member_read(session: AsyncSession, member: TeamMember) -> MemberRead:
    members = (await members_of(session, [member.team_id])).get(member.team_id, [])
    return next(m for m in members if m.id == member.id)


async def add_member(
    session: AsyncSession, actor: Principal, team: Team, org: Org, data: MemberCreate
) -> MemberRead:
    may_write(actor, org, WRITE)
    await person_in_scope(session, actor.scope(READ), data.person_id, "person_id")
    exists = await session.scalar(
        select(TeamMember.id).where(
            TeamMember.team_id == team.id, TeamMember.person_id == data.person_id
        )
    )
    if exists is not None:
        raise Conflict("member_exists")
    member = TeamMember(
        team_id=team.id or 0, person_id=data.person_id, role=data.role, skills=data.skills
    )
    session.add(member)
    await session.flush()
    await _set_certifications(session, member, data.certifications)
    read = await _member_read(session, member)
    await record(session, actor, org, "team_member", "created", member.id, None, dump(read))
    return read


async def get_member(session: AsyncSession, team: Team, member_id: int) -> TeamMember:
    member = await session.get(TeamMember, member_id)
    if member is None or member.team_id != team.id:
        raise NotFound("member")
    return member


async def update_member(
    session: AsyncSession,
    actor: Principal,
    team: Team,
    org: Org,
    member: TeamMember,
    data: MemberUpdate,
) -> MemberRead:
    may_write(actor, org, WRITE)
    before = dump(await _member_read(session, member))
    changes = data.model_dump(exclude_unset=True)
    if "skills" in changes:
        if data.skills is None:
            raise Invalid.field("skills", "missing")
        member.skills = data.skills
    if "role" in changes:
        member.role = data.role
    session.add(member)
    await session.flush()
    if "certifications" in changes:
        if data.certifications is None:
            raise Invalid.field("certifications", "missing")
        await _set_certifications(session, member, data.certifications)
    after = dump(await _member_read(session, member))
    await record(session, actor, org, "team_member", "updated", member.id, before, after)
    return MemberRead.model_validate(after)


async def remove_member(
    session: AsyncSession, actor: Principal, team: Team, org: Org, member: TeamMember
) -> None:
    may_write(actor, org, WRITE)
    before = dump(await _member_read(session, member))
    await session.exec(sa.delete(Certification).where(col(Certification.member_id) == member.id))
    await session.delete(member)
    await session.flush()
    await record(session, actor, org, "team_member", "deleted", before["id"], before, None)


async def certifications_due(
    session: AsyncSession,
    scope: Scope,
    *,
    within_days: int = EXPIRY_DAYS,
    team_id: int | None = None,
    org_id: int | None = None,
    limit: int,
    offset: int,
) -> tuple[list[CertificationDue], int]:
    """Certificates of visible teams' members expiring within ``within_days`` or already
    expired, the first to expire first."""
    day = today()
    where = [
        scope.clause(col(Org.path)),
        col(Certification.expiry_date) <= day + timedelta(days=within_days),
    ]
    if team_id is not None:
        where.append(col(Certification.team_id) == team_id)
    if org_id is not None:
        where.append(col(Team.org_id) == org_id)
    base = (
        select(Certification)
        .join(Team, col(Team.id) == col(Certification.team_id))
        .join(Org, col(Org.id) == col(Team.org_id))
        .where(*where)
    )
    rows, count = await fetch_page(
        session,
        base,
        order_by=(col(Certification.expiry_date), col(Certification.id)),
        limit=limit,
        offset=offset,
    )
    names: dict[int, tuple[int, str, str]] = {}  # member id -> person id, name, team name
    member_ids = sorted({c.member_id for c in rows})
    if member_ids:
        found = await session.exec(
            select(TeamMember.id, Person.id, Person.name, Team.name)
            .join(Person, col(Person.id) == col(TeamMember.person_id))
            .join(Team, col(Team.id) == col(TeamMember.team_id))
            .where(col(TeamMember.id).in_(member_ids))
        )
        names = {m or 0: (p or 0, n, t) for m, p, n, t in found.all()}
    out = []
    for cert in rows:
        person_id, person, team = names[cert.member_id]
        left = (cert.expiry_date - day).days
        out.append(
            CertificationDue(
                id=cert.id or 0,
                team_id=cert.team_id,
                team=team,
                member_id=cert.member_id,
                person_id=person_id,
                person=person,
                name=cert.name,
                number=cert.number,
                expiry_date=cert.expiry_date,
                days_left=left,
                expired=left < 0,
            )
        )
    return out, count
