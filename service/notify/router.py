"""``/api/v1/channels`` and ``/api/v1/deliveries``: where people and orgs are reached, and
what was sent to them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from service.deps import CurrentUser, PageDep, PathId, QueryId, SessionDep, ensure, require
from service.notify import service
from service.notify.models import Channel, ChannelKind, DeliveryState
from service.notify.schemas import ChannelCreate, ChannelRead, ChannelUpdate, DeliveryRead
from service.orgs import service as orgs
from service.orgs.models import Org
from service.schemas import MAX_ID, Page

channels = APIRouter(prefix="/channels", tags=["channels"])
deliveries = APIRouter(prefix="/deliveries", tags=["deliveries"])


async def current_channel(
    session: SessionDep, user: CurrentUser, channel_id: PathId
) -> tuple[Channel, Org]:
    return await service.get_visible(session, user.scope("channel.read"), channel_id)


CurrentChannel = Annotated[tuple[Channel, Org], Depends(current_channel)]
Within = Annotated[
    int | None, Query(ge=1, le=MAX_ID, description="only those of this org's subtree")
]


async def subtree_path(session: SessionDep, user: CurrentUser, within: int | None) -> str | None:
    """The path of the ``within`` org (404 unless the caller sees it), or None."""
    if within is None:
        return None
    return (await orgs.get_visible(session, user.scope("org.read"), within)).path


@channels.get("", response_model=Page[ChannelRead])
async def list_channels(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    person_id: QueryId = None,
    org_id: QueryId = None,
    kind: ChannelKind | None = None,
    enabled: bool | None = None,
    within: Within = None,
) -> Page[ChannelRead]:
    """``within``: the channels of the org's subtree and of the people in it."""
    rows, count = await service.search(
        session,
        user.scope("channel.read"),
        person_id=person_id,
        org_id=org_id,
        within=await subtree_path(session, user, within),
        kind=kind,
        enabled=enabled,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(data=[ChannelRead.of(r) for r in rows], count=count)


@channels.post(
    "", response_model=ChannelRead, status_code=201, dependencies=[require("channel.write")]
)
async def create_channel(
    session: SessionDep, user: CurrentUser, data: ChannelCreate
) -> ChannelRead:
    return ChannelRead.of(await service.create(session, user, data))


@channels.get("/{channel_id}", response_model=ChannelRead)
async def get_channel(current: CurrentChannel) -> ChannelRead:
    return ChannelRead.of(current[0])


@channels.patch("/{channel_id}", response_model=ChannelRead)
async def update_channel(
    session: SessionDep, user: CurrentUser, current: CurrentChannel, data: ChannelUpdate
) -> ChannelRead:
    channel, org = current
    ensure(user, service.write_permission(channel), org.path)
    return ChannelRead.of(await service.update(session, user, channel, org, data))


@channels.delete("/{channel_id}", status_code=204)
async def delete_channel(session: SessionDep, user: CurrentUser, current: CurrentChannel) -> None:
    channel, org = current
    ensure(user, service.write_permission(channel), org.path)
    await service.delete(session, user, channel, org)


@channels.post("/{channel_id}/test", response_model=DeliveryRead, status_code=201)
async def test_channel(
    session: SessionDep, user: CurrentUser, current: CurrentChannel
) -> DeliveryRead:
    """Queue a test message to the channel; follow it at ``/deliveries/{id}``."""
    channel, org = current
    ensure(user, "delivery.send", org.path)
    return DeliveryRead.of(await service.send_test(session, user, channel, org))


@deliveries.get("", response_model=Page[DeliveryRead], dependencies=[require("delivery.read")])
async def list_deliveries(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    state: DeliveryState | None = None,
    kind: ChannelKind | None = None,
    ref: Annotated[str | None, Query(max_length=120)] = None,
    channel_id: QueryId = None,
    within: Within = None,
) -> Page[DeliveryRead]:
    """Newest first; ``within``: those sent for an org of this org's subtree."""
    rows, count = await service.search_deliveries(
        session,
        user.scope("delivery.read"),
        within=await subtree_path(session, user, within),
        state=state,
        kind=kind,
        ref=ref,
        channel_id=channel_id,
        limit=page.limit,
        offset=page.offset,
    )
    return Page(data=[DeliveryRead.of(r) for r in rows], count=count)


@deliveries.get(
    "/{delivery_id}", response_model=DeliveryRead, dependencies=[require("delivery.read")]
)
async def get_delivery(session: SessionDep, user: CurrentUser, delivery_id: PathId) -> DeliveryRead:
    return DeliveryRead.of(
        await service.get_delivery(session, user.scope("delivery.read"), delivery_id)
    )
