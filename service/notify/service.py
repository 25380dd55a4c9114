"""Channels of people and orgs, and enqueueing deliveries to them.

Other domains call ``enqueue`` inside their own transaction: the delivery row and its
``notify.deliver`` timer exist exactly when the change that caused them commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from pydantic_core import PydanticCustomError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from service.auth.permissions import Principal, Scope, subtree_of
from service.changes import record_change
from service.clock import service as clock
from service.db import fetch_page, utcnow
from service.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from service.i18n import t
from service.notify import addresses
from service.notify.models import Channel, ChannelKind, Delivery, DeliveryState
from service.notify.schemas import ChannelCreate, ChannelRead, ChannelUpdate, DeliveryRead
from service.notify.senders import RUNTIME
from service.orgs import service as orgs
from service.orgs.models import Org
from service.people import service as people
from service.people.models import Person
from service.schemas import dump

TOPIC = "channels"
DELIVERY_TOPIC = "deliveries"
DELIVER = "notify.deliver"  # the clock timer kind that sends a delivery


def delivery_ref(delivery_id: int | None) -> str:
    return f"delivery:{delivery_id}"


def write_permission(channel: Channel | ChannelCreate) -> str:
    """Person channels are kept by the duty staff; org channels (group robots) by admins."""
    return "channel.write" if channel.person_id is not None else "org_channel.write"


def _forbidden(permission: str) -> Forbidden:
    roles = "admin, leader, duty_officer" if permission == "channel.write" else "admin"
    return Forbidden("role_required", roles=roles)


def _owner_org() -> Any:
    return sa.func.coalesce(col(Channel.org_id), col(Person.org_id))


def _with_owner_org(statement: Any) -> Any:
    return statement.outerjoin(Person, col(Person.id) == col(Channel.person_id)).join(
        Org, col(Org.id) == _owner_org()
    )


async def get_visible(session: AsyncSession, scope: Scope, channel_id: int) -> tuple[Channel, Org]:
    row = (
        await session.exec(_with_owner_org(select(Channel, Org)).where(Channel.id == channel_id))
    ).first()
    if row is None or not scope.covers(row[1].path):
        raise NotFound("channel")
    return row[0], row[1]


async def search(
    session: AsyncSession,
    scope: Scope,
    *,
    person_id: int | None = None,
    org_id: int | None = None,
    kind: ChannelKind | None = None,
    enabled: bool | None = None,
    within: str | None = None,
    limit: int,
    offset: int,
) -> tuple[list[Channel], int]:
    """``within``: an org path; the channels whose owner (the org, or the person's org) is in
    its subtree."""
    where = [scope.clause(col(Org.path))]
    if within is not None:
        where.append(col(Org.path).like(subtree_of(within)))
    if person_id is not None:
        where.append(col(Channel.person_id) == person_id)
    if org_id is not None:
        where.append(col(Channel.org_id) == org_id)
    if kind is not None:
        where.append(col(Channel.kind) == kind)
    if enabled is not None:
        where.append(col(Channel.enabled) == enabled)
    base = _with_owner_org(select(Channel)).where(*where)
    return await fetch_page(session, base, order_by=col(Channel.id), limit=limit, offset=offset)


def _check(kind: ChannelKind, address: str, secret: str | None) -> str:
    """The stored address; a secret only where it is used for signing."""
    try:
        address = addresses.check_address(kind, address)
    except PydanticCustomError as exc:
        raise Invalid.field("address", exc.type, **(exc.context or {})) from None
    if secret and kind not in addresses.SIGNED_KINDS:
        raise Invalid.field("secret", "channel_secret_unused", kind=kind.value)
    return address


async def _owner(session: AsyncSession, actor: Principal, data: ChannelCreate) -> Org:
    if (data.person_id is None) == (data.org_id is None):
        raise Invalid(
            FieldError("person_id", "channel_owner"), FieldError("org_id", "channel_owner")
        )
    if data.person_id is not None:
        person = await people.referenced(
            session, actor.scope("person.read"), data.person_id, "person_id"
        )
        org = await orgs.get(session, person.org_id)
        assert org is not None  # a person's org cannot be deleted under them
    else:
        org = await orgs.referenced(session, actor.scope("org.read"), data.org_id or 0, "org_id")
    permission = write_permission(data)
    if not actor.scope(permission).covers(org.path):
        raise _forbidden(permission)
    return org


async def _record(
    session: AsyncSession,
    actor: Principal,
    action: str,
    channel: Channel,
    org: Org,
    *,
    before: dict[str, Any] | None = None,
) -> None:
    await record_change(
        session,
        actor,
        topic=TOPIC,
        object_type="channel",
        action=action,
        object_id=channel.id if before is None else before["id"],
        org_id=org.id,
        org_path=org.path,
        before=before,
        after=None if action == "deleted" else dump(ChannelRead.of(channel)),
    )


async def create(session: AsyncSession, actor: Principal, data: ChannelCreate) -> Channel:
    org = await _owner(session, actor, data)
    channel = Channel(**data.model_dump())
    channel.address = _check(data.kind, data.address, data.secret)
    session.add(channel)
    await session.flush()
    await _record(session, actor, "created", channel, org)
    return channel


async def update(
    session: AsyncSession, actor: Principal, channel: Channel, org: Org, data: ChannelUpdate
) -> Channel:
    permission = write_permission(channel)
    if not actor.scope(permission).covers(org.path):
        raise _forbidden(permission)
    before = dump(ChannelRead.of(channel))
    changes = data.model_dump(exclude_unset=True)
    for required in ("kind", "address", "enabled"):
        if required in changes and changes[required] is None:
            raise Invalid.field(required, "missing")
    for key, value in changes.items():
        setattr(channel, key, value)
    channel.address = _check(channel.kind, channel.address, channel.secret)
    channel.updated_at = utcnow()
    session.add(channel)
    await session.flush()
    await _record(session, actor, "updated", channel, org, before=before)
    return channel


async def delete(session: AsyncSession, actor: Principal, channel: Channel, org: Org) -> None:
    """Deliveries keep their history (their ``channel_id`` becomes null); queued ones fail."""
    permission = write_permission(channel)
    if not actor.scope(permission).covers(org.path):
        raise _forbidden(permission)
    before = dump(ChannelRead.of(channel))
    await session.delete(channel)
    await session.flush()
    await _record(session, actor, "deleted", channel, org, before=before)


@dataclass(frozen=True)
class RawAddress:
    """An address that is no channel (a phone number typed into a warning, say)."""

    kind: ChannelKind
    address: str


async def enqueue(
    session: AsyncSession,
    actor: Principal | None,
    to: Channel | RawAddress,
    *,
    title: str,
    text: str,
    ref: str,
    org: Org | None = None,
    max_attempts: int | None = None,
) -> Delivery:
    """Queue ``title``/``text`` for ``to`` and schedule its sending now.

    The delivery belongs to ``org`` (default: the channel owner's org), which decides who
    may see it; a raw address needs ``org``.
    """
    now = utcnow()
    if isinstance(to, Channel):
        if not to.enabled:
            raise Conflict("channel_disabled")
        if org is None:
            org_id = to.org_id or await session.scalar(
                select(Person.org_id).where(Person.id == to.person_id)
            )
            org = await orgs.get(session, org_id or 0)
        channel_id, kind, address, raw = to.id, to.kind, to.address, None
    else:
        channel_id, kind, raw = None, to.kind, _check(to.kind, to.address, None)
        address = raw
    if org is None:
        raise ValueError("a delivery needs the org it is sent for")
    delivery = Delivery(
        channel_id=channel_id,
        kind=kind,
        target=addresses.redact(kind, address),
        address=raw,
        message={"title": title, "text": text},
        ref=ref,
        org_id=org.id,
        org_path=org.path,
        max_attempts=max_attempts or RUNTIME.settings.notify_max_attempts,
        next_attempt_at=now,
    )
    session.add(delivery)
    await session.flush()
    await clock.schedule(session, DELIVER, delivery_ref(delivery.id), now)
    await record_change(
        session,
        actor,
        topic=DELIVERY_TOPIC,
        object_type="delivery",
        action="created",
        object_id=delivery.id,
        org_id=org.id,
        org_path=org.path,
        after=dump(DeliveryRead.of(delivery)),
    )
    return delivery


async def send_test(
    session: AsyncSession, actor: Principal, channel: Channel, org: Org
) -> Delivery:
    """A test message to the channel, in the caller's language."""
    name = channel.label or f"#{channel.id}"
    return await enqueue(
        session,
        actor,
        channel,
        title=t("channel_test_title"),
        text=t("channel_test_text", channel=name, user=actor.username),
        ref=f"channel:{channel.id}:test",
        org=org,
    )


async def get_delivery(session: AsyncSession, scope: Scope, delivery_id: int) -> Delivery:
    delivery = await session.get(Delivery, delivery_id)
    if delivery is None or not scope.covers(delivery.org_path):
        raise NotFound("delivery")
    return delivery


async def search_deliveries(
    session: AsyncSession,
    scope: Scope,
    *,
    state: DeliveryState | None = None,
    kind: ChannelKind | None = None,
    ref: str | None = None,
    channel_id: int | None = None,
    within: str | None = None,
    limit: int,
    offset: int,
) -> tuple[list[Delivery], int]:
    """Newest first; ``within``: an org path, the deliveries sent for its subtree."""
    where = [scope.clause(col(Delivery.org_path))]
    if within is not None:
        where.append(col(Delivery.org_path).like(subtree_of(within)))
    if state is not None:
        where.append(col(Delivery.state) == state)
    if kind is not None:
        where.append(col(Delivery.kind) == kind)
    if ref:
        where.append(col(Delivery.ref) == ref)
    if channel_id is not None:
        where.append(col(Delivery.channel_id) == channel_id)
    return await fetch_page(
        session,
        select(Delivery).where(*where),
        order_by=col(Delivery.id).desc(),
        limit=limit,
        offset=offset,
    )


async def notify_people(
    session: AsyncSession,
    actor: Principal | None,
    person_ids: list[int],
    *,
    title: str,
    text: str,
    ref: str,
    org: Org,
) -> list[Delivery]:
    """Queue the message to every enabled channel of each person (none: nothing sent)."""
    if not person_ids:
        return []
    channels = await session.exec(
        select(Channel)
        .where(col(Channel.person_id).in_(sorted(set(person_ids))), col(Channel.enabled).is_(True))
        .order_by(col(Channel.id))
    )
    return [
        await enqueue(session, actor, c, title=title, text=text, ref=ref, org=org)
        for c in channels.all()
    ]


async def people_with_channels(session: AsyncSession, person_ids: list[int]) -> set[int]:
    """Which of these people have an enabled channel (one query per 500)."""
    found: set[int] = set()
    ids = sorted(set(person_ids))
    for i in range(0, len(ids), 500):
        rows = await session.exec(
            select(Channel.person_id).where(
                col(Channel.person_id).in_(ids[i : i + 500]), col(Channel.enabled).is_(True)
            )
        )
        found.update(p for p in rows.all() if p is not None)
    return found


async def notify_org(
    session: AsyncSession, actor: Principal | None, org: Org, *, title: str, text: str, ref: str
) -> list[Delivery]:
    """Queue the message to every enabled channel of the org itself (its group robots …)."""
    channels = await session.exec(
        select(Channel)
        .where(Channel.org_id == org.id, col(Channel.enabled).is_(True))
        .order_by(col(Channel.id))
    )
    return [
        await enqueue(session, actor, c, title=title, text=text, ref=ref, org=org)
        for c in channels.all()
    ]
