"""An org's duty posts and shift pattern, and the access rules every roster write shares."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from rosters import materialise
from rosters.models import LEADER, OFFICER, DutyPost, DutySchedule, DutyShift
from rosters.schemas import PostCreate, PostRead, PostUpdate, ScheduleRead, ScheduleWrite
from service.auth.permissions import PERMISSIONS, Principal
from service.changes import OrgRecorder
from service.db import utcnow
from service.errors import Conflict, Forbidden, Invalid, NotFound
from service.orgs import service as orgs
from service.orgs.models import Org
from service.people.models import Person
from service.schemas import dump

TOPIC = materialise.TOPIC
DEFAULT_POSTS = ((LEADER, "带班领导", 1, 1), (OFFICER, "值班员", 1, None))


def forbid(permission: str) -> Forbidden:
    return Forbidden("role_required", roles=", ".join(sorted(PERMISSIONS[permission])))


def may_write(actor: Principal, org: Org, permission: str = "duty.write") -> None:
    """403 unless the caller holds ``permission`` over the org."""
    if not actor.scope(permission).covers(org.path):
        raise forbid(permission)


async def org_for(
    session: AsyncSession,
    actor: Principal,
    org_id: int,
    *,
    permission: str = "duty.write",
    field: str = "org_id",
) -> Org:
    """The org named in the input: visible (else 422 on ``field``) and writable (else 403)."""
    org = await orgs.referenced(session, actor.scope("duty.read"), org_id, field)
    if not actor.scope(permission).covers(org.path):
        raise forbid(permission)
    return org


async def member(session: AsyncSession, org: Org, person_id: int, field: str) -> Person:
    """A person of the org's subtree (rosters never put outsiders on duty)."""
    row = (
        await session.exec(
            select(Person, Org)
            .join(Org, col(Org.id) == col(Person.org_id))
            .where(Person.id == person_id)
        )
    ).first()
    if row is None:
        raise Invalid.field(field, "person_unknown")
    if not row[1].path.startswith(org.path):
        raise Invalid.field(field, "person_outside_org", org=org.name)
    return row[0]


async def get_post(
    session: AsyncSession, org: Org, post_id: int, field: str = "post_id"
) -> DutyPost:
    post = await session.get(DutyPost, post_id)
    if post is None or post.org_id != org.id:
        raise Invalid.field(field, "post_unknown")
    return post


async def posts_of(session: AsyncSession, org_id: int) -> list[DutyPost]:
    rows = await session.exec(
        select(DutyPost).where(DutyPost.org_id == org_id).order_by(col(DutyPost.id))
    )
    return list(rows.all())


async def schedule_of(session: AsyncSession, org: Org) -> ScheduleRead:
    schedule = await session.get(DutySchedule, org.id)
    return ScheduleRead(
        org_id=org.id or 0,
        changeovers=sorted(schedule.changeovers) if schedule else [],
        timezone=org.timezone,
        posts=[PostRead.model_validate(p) for p in await posts_of(session, org.id or 0)],
        updated_at=schedule.updated_at if schedule else None,
    )


async def set_schedule(
    session: AsyncSession, actor: Principal, org: Org, data: ScheduleWrite
) -> ScheduleRead:
    """Set the shift pattern (creating the leader and officer posts on first use)."""
    await materialise.lock(session, org.id)  # before writing the row the lock is on
    before = await schedule_of(session, org)
    schedule = await session.get(DutySchedule, org.id) or DutySchedule(org_id=org.id or 0)
    schedule.changeovers = sorted(data.changeovers)
    schedule.updated_at = utcnow()
    session.add(schedule)
    if not before.posts:
        for key, name, low, high in DEFAULT_POSTS:
            session.add(
                DutyPost(org_id=org.id or 0, key=key, name=name, min_count=low, max_count=high)
            )
    await session.flush()
    after = await schedule_of(session, org)
    await record(session, actor, org, "schedule", "updated", org.id, dump(before), dump(after))
    await materialise.regenerate(session, actor, org, reason="schedule")
    return after


def _check_counts(key: str, low: int, high: int | None) -> None:
    if key == LEADER and (low != 1 or high != 1):
        raise Invalid.field("max_count", "leader_exactly_one")
    if high is not None and high < low:
        raise Invalid.field("max_count", "max_below_min")


async def create_post(session: AsyncSession, actor: Principal, data: PostCreate) -> DutyPost:
    org = await org_for(session, actor, data.org_id)
    high = 1 if data.key == LEADER and data.max_count is None else data.max_count
    _check_counts(data.key, data.min_count, high)
    if any(p.key == data.key for p in await posts_of(session, org.id or 0)):
        raise Conflict("post_exists", key=data.key)
    post = DutyPost(**data.model_dump(exclude={"max_count"}), max_count=high)
    session.add(post)
    await session.flush()
    await record(
        session,
        actor,
        org,
        "duty_post",
        "created",
        post.id,
        None,
        dump(PostRead.model_validate(post)),
    )
    return post


async def get_visible_post(
    session: AsyncSession, actor: Principal, post_id: int
) -> tuple[DutyPost, Org]:
    post = await session.get(DutyPost, post_id)
    org = await orgs.get(session, post.org_id) if post else None
    if post is None or org is None or not actor.scope("duty.read").covers(org.path):
        raise NotFound("duty_post")
    return post, org


async def update_post(
    session: AsyncSession, actor: Principal, post: DutyPost, org: Org, data: PostUpdate
) -> DutyPost:
    may_write(actor, org)
    before = dump(PostRead.model_validate(post))
    changes = data.model_dump(exclude_unset=True)
    if changes.get("name", post.name) is None:
        raise Invalid.field("name", "missing")
    low = changes.get("min_count", post.min_count)
    high = changes.get("max_count", post.max_count) if "max_count" in changes else post.max_count
    _check_counts(post.key, post.min_count if low is None else low, high)
    for key, value in changes.items():
        if value is not None or key == "max_count":
            setattr(post, key, value)
    post.updated_at = utcnow()
    session.add(post)
    await session.flush()
    await record(
        session,
        actor,
        org,
        "duty_post",
        "updated",
        post.id,
        before,
        dump(PostRead.model_validate(post)),
    )
    await materialise.regenerate(session, actor, org, reason="post")
    return post


async def delete_post(session: AsyncSession, actor: Principal, post: DutyPost, org: Org) -> None:
    may_write(actor, org)
    if post.key == LEADER:
        raise Conflict("leader_post_required")
    if await session.scalar(select(DutyShift.id).where(DutyShift.post_id == post.id).limit(1)):
        raise Conflict("post_has_shifts")  # the past never changes
    before = dump(PostRead.model_validate(post))
    await session.delete(post)
    await session.flush()
    await record(session, actor, org, "duty_post", "deleted", before["id"], before, None)


record = OrgRecorder(TOPIC)  # audit row and event of a change, on this domain's topic


def ended(at: datetime, now: datetime | None = None) -> bool:
    return at <= (now or utcnow())
