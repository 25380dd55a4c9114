"""The ``notify.deliver`` clock handler: send one delivery and record what happened.

No database transaction is open while the request is on the wire (up to the timeout):
the delivery is read in a short read-only session, a slot of the target's rate limit is
taken in a short write session of its own, and only the outcome is written in the
handler's session, which commits together with the timer's "done" mark. The outcome is
recorded, never raised, so a failed attempt is not rolled back with its bookkeeping;
the write is conditional on the attempt count read before, so a concurrent attempt
(an instance that took the timer over) is never recorded twice.

Sending is at least once: if the process dies after a request went out but before the
outcome committed, the clock retries the timer and the message may arrive twice (webhook
receivers can use ``delivery_id`` / ``X-Yingji-Delivery`` to drop the repeat).
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from service.auth.permissions import SYSTEM
from service.changes import record_change
from service.clock import service as clock
from service.clock.models import Timer
from service.clock.runner import handler
from service.db import WRITE_OPTION, utcnow
from service.notify import senders
from service.notify.models import Channel, Delivery, DeliveryState, SendSlot
from service.notify.schemas import DeliveryRead
from service.notify.senders import RUNTIME, Job, Outcome
from service.notify.service import DELIVER, DELIVERY_TOPIC, delivery_ref
from service.schemas import dump

log = structlog.get_logger("yingji.notify")

SLOT_LOCK_SPACE = 0x594A  # "YJ": advisory-lock key space of the per-target rate limit


@asynccontextmanager
async def side_session(session: AsyncSession, *, write: bool) -> AsyncIterator[AsyncSession]:
    """A short unit of work of its own, on the engine of ``session``."""
    bind = session.bind
    assert isinstance(bind, AsyncEngine)
    async with AsyncSession(
        bind.execution_options(**{WRITE_OPTION: write}), expire_on_commit=False
    ) as side:
        try:
            yield side
            if write:
                await side.commit()
        except BaseException:
            await side.rollback()
            raise


async def load_job(session: AsyncSession, delivery_id: int) -> Job | None:
    """What the next attempt of a queued delivery needs; None when it is not queued."""
    delivery = await session.get(Delivery, delivery_id)
    if delivery is None or delivery.state != DeliveryState.queued:
        return None
    address, secret, problem = delivery.address, None, None
    if delivery.channel_id is not None:
        channel = await session.get(Channel, delivery.channel_id)
        if channel is not None:
            address, secret = channel.address, channel.secret
            problem = None if channel.enabled else "the channel was disabled"
    if address is None:
        address, problem = delivery.target, "the channel was deleted"
    return Job(
        delivery_id=delivery_id,
        kind=delivery.kind,
        address=address,
        secret=secret,
        title=str(delivery.message.get("title", "")),
        text=str(delivery.message.get("text", "")),
        ref=delivery.ref,
        attempts=delivery.attempts,
        problem=problem,
    )


async def take_slot(
    session: AsyncSession, key: str, *, limit: int, window_s: float
) -> datetime | None:
    """Take one of the ``limit`` sends per window of the target; if none is free, when
    the next one frees up. Serialised per target (SQLite: one writer; PostgreSQL: an
    advisory lock), so instances sending to the same robot share its limit."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        lock = sa.text("SELECT pg_advisory_xact_lock(:space, :key)").bindparams(
            space=SLOT_LOCK_SPACE, key=int(key[:8], 16) - 2**31
        )
    else:
        lock = sa.text("SELECT 1")  # the first statement takes SQLite's write lock
    await session.exec(lock)  # type: ignore[call-overload]
    now = utcnow()  # read the time once the lock is held, or a slot would be back-dated
    window = timedelta(seconds=window_s)
    await session.exec(
        sa.delete(SendSlot).where(col(SendSlot.target_key) == key, col(SendSlot.at) <= now - window)
    )
    used, first = (
        await session.exec(
            select(sa.func.count(), sa.func.min(SendSlot.at)).where(SendSlot.target_key == key)
        )
    ).one()
    if used >= limit and first is not None:
        return first + window
    session.add(SendSlot(target_key=key, at=now))
    return None


def backoff(attempts: int) -> timedelta:
    """About base, 2×base, 4×base … after the 1st, 2nd, 3rd failure; capped."""
    settings = RUNTIME.settings
    delay = settings.notify_backoff_s * 2 ** max(0, attempts - 1)
    jittered = delay * random.uniform(0.8, 1.2)  # noqa: S311  jitter, not crypto
    return timedelta(seconds=min(settings.notify_backoff_max_s, jittered))


async def _current(session: AsyncSession, job: Job) -> Delivery | None:
    """The delivery, locked, if no other attempt was recorded since ``job`` was read."""
    delivery = await session.get(
        Delivery, job.delivery_id, with_for_update=True, populate_existing=True
    )
    if delivery is None or delivery.state != DeliveryState.queued:
        return None
    return delivery if delivery.attempts == job.attempts else None


async def _record(
    session: AsyncSession, delivery: Delivery, action: str, before: dict[str, Any]
) -> None:
    await record_change(
        session,
        SYSTEM,
        topic=DELIVERY_TOPIC,
        object_type="delivery",
        action=action,
        object_id=delivery.id,
        org_id=delivery.org_id,
        org_path=delivery.org_path,
        before=before,
        after=dump(DeliveryRead.of(delivery)),
    )


async def defer(session: AsyncSession, job: Job, at: datetime) -> None:
    """The target's rate limit is reached: try again when a slot frees, no attempt spent."""
    delivery = await _current(session, job)
    if delivery is None:
        return
    before = dump(DeliveryRead.of(delivery))
    delivery.next_attempt_at = at
    session.add(delivery)
    await clock.schedule(session, DELIVER, delivery_ref(delivery.id), at)
    await session.flush()
    await _record(session, delivery, "deferred", before)


async def record_attempt(session: AsyncSession, job: Job, outcome: Outcome) -> None:
    """Sent, retried later with backoff, or failed for good."""
    delivery = await _current(session, job)
    if delivery is None:
        return
    before = dump(DeliveryRead.of(delivery))
    now = utcnow()
    if outcome.counted:
        delivery.attempts += 1
    delivery.target = job.target
    delivery.last_status = outcome.status
    delivery.last_error = outcome.error
    if outcome.ok:
        action, delivery.state, delivery.sent_at = "sent", DeliveryState.sent, now
        delivery.next_attempt_at = None
    elif outcome.final or delivery.attempts >= delivery.max_attempts:
        action, delivery.state, delivery.next_attempt_at = "failed", DeliveryState.failed, None
    else:
        action = "retrying"
        delivery.next_attempt_at = now + backoff(delivery.attempts)
        await clock.schedule(session, DELIVER, delivery_ref(delivery.id), delivery.next_attempt_at)
    session.add(delivery)
    await session.flush()
    await _record(session, delivery, action, before)
    log.info(
        "delivery " + action,
        delivery_id=delivery.id,
        kind=str(delivery.kind),
        target=delivery.target,
        attempts=delivery.attempts,
        status=outcome.status,
        error=outcome.error,
    )


@handler(DELIVER)
async def deliver(session: AsyncSession, timer: Timer) -> None:
    delivery_id = int(timer.ref.removeprefix("delivery:"))
    async with side_session(session, write=False) as read:
        job = await load_job(read, delivery_id)
    if job is None:
        return  # sent, failed or gone meanwhile: nothing to do
    settings = RUNTIME.settings
    if senders.unsendable(job, settings) is None:
        async with side_session(session, write=True) as write:
            free_at = await take_slot(
                write,
                job.target_key,
                limit=settings.notify_rate_limit,
                window_s=settings.notify_rate_window_s,
            )
        if free_at is not None:
            await defer(session, job, free_at)
            return
    outcome = await senders.send(job, settings, RUNTIME.client())
    await record_attempt(session, job, outcome)
