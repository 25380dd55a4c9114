"""Notify fixtures: a real target server, fast retry settings, a clock that sends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlmodel import select

from service.clock.runner import Clock
from service.db import Database
from service.notify import jobs
from service.notify.models import Delivery, DeliveryState
from service.notify.senders import RUNTIME
from service.notify.service import DELIVER
from service.settings import Settings
from tests.service.clock.helpers import wait_for
from tests.service.notify.target import Target

GATEWAY_TOKEN = "gateway-token-0123456789"


@pytest.fixture
async def target() -> AsyncIterator[Target]:
    server = Target()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def settings(settings: Settings, target: Target) -> Settings:
    """Retries after about 0.05, 0.1, 0.2 s; the SMS gateway is the target server."""
    return configured(
        settings,
        notify_backoff_s=0.05,
        notify_backoff_max_s=0.5,
        notify_max_attempts=3,
        sms_gateway_url=target.url("/sms"),
        sms_gateway_token=SecretStr(GATEWAY_TOKEN),
    )


def configured(settings: Settings, **changes: Any) -> Settings:
    """``settings`` changed, and made the settings the sending side uses."""
    changed = settings.model_copy(update=changes)
    RUNTIME.configure(changed)
    return changed


@pytest.fixture(autouse=True)
async def _runtime(settings: Settings) -> AsyncIterator[None]:
    RUNTIME.configure(settings)
    yield
    await RUNTIME.close()


@asynccontextmanager
async def sending(db: Database) -> AsyncIterator[Clock]:
    """A clock loop that sends deliveries, as a running service does."""
    runner = Clock(db, tick_s=0.1, handlers={DELIVER: jobs.deliver})
    runner.start()
    try:
        yield runner
    finally:
        await runner.stop()


async def deliveries(db: Database) -> dict[int, Delivery]:
    async with db.session(write=False) as s:
        return {d.id or 0: d for d in await s.exec(select(Delivery))}


async def settle(db: Database, within: float = 20.0) -> dict[int, Delivery]:
    """Send until no delivery is queued any more; every delivery, by id."""

    async def done() -> bool:
        return all(d.state != DeliveryState.queued for d in (await deliveries(db)).values())

    async with sending(db):
        await wait_for(done, within=within)
    return await deliveries(db)


async def make_channel(
    client: httpx.AsyncClient, headers: dict[str, str], **body: Any
) -> dict[str, Any]:
    response = await client.post("/api/v1/channels", headers=headers, json=body)
    assert response.status_code == 201, response.text
    channel: dict[str, Any] = response.json()
    return channel


async def send_test(
    client: httpx.AsyncClient, headers: dict[str, str], channel_id: int
) -> dict[str, Any]:
    response = await client.post(f"/api/v1/channels/{channel_id}/test", headers=headers)
    assert response.status_code == 201, response.text
    delivery: dict[str, Any] = response.json()
    return delivery
