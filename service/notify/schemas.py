"""API models of channels and deliveries. A channel's secret is write-only."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self

from pydantic import Field, ValidationInfo, field_validator

from service.notify import addresses
from service.notify.models import Channel, ChannelKind, Delivery, DeliveryState
from service.schemas import Id, InputModel, ReadModel

Address = Annotated[
    str,
    Field(
        min_length=1,
        max_length=addresses.MAX_ADDRESS,
        description="phone number for sms; the http(s) URL of the webhook or robot otherwise",
    ),
]
Secret = Annotated[
    str,
    Field(
        min_length=1,
        max_length=200,
        description="HMAC key (webhook: X-Yingji-Signature; dingtalk: 加签 SEC…); write-only",
    ),
]
Label = Annotated[str, Field(min_length=1, max_length=100)]
Title = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(min_length=1, max_length=4000)]


class ChannelCreate(InputModel):
    person_id: Id | None = Field(default=None, description="the owner: a person …")
    org_id: Id | None = Field(default=None, description="… or an org (exactly one)")
    kind: ChannelKind
    address: Address
    secret: Secret | None = None
    label: Label | None = None
    enabled: bool = True

    @field_validator("address")
    @classmethod
    def _address(cls, value: str, info: ValidationInfo) -> str:
        kind = info.data.get("kind")
        return addresses.check_address(kind, value) if kind is not None else value


class ChannelUpdate(InputModel):
    """The owner cannot change; ``secret: null`` removes the secret."""

    kind: ChannelKind | None = None
    address: Address | None = None
    secret: Secret | None = None
    label: Label | None = None
    enabled: bool | None = None


class ChannelRead(ReadModel):
    id: int
    person_id: int | None
    org_id: int | None
    kind: ChannelKind
    address: str = Field(description="secrets in the URL are masked as ***")
    has_secret: bool
    label: str | None
    enabled: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, channel: Channel) -> Self:
        return cls(
            id=channel.id or 0,
            person_id=channel.person_id,
            org_id=channel.org_id,
            kind=channel.kind,
            address=addresses.redact(channel.kind, channel.address),
            has_secret=bool(channel.secret),
            label=channel.label,
            enabled=channel.enabled,
            created_at=channel.created_at,
            updated_at=channel.updated_at,
        )


class Message(ReadModel):
    title: str
    text: str


class DeliveryRead(ReadModel):
    id: int
    channel_id: int | None
    kind: ChannelKind
    target: str = Field(description="the address with its secrets masked")
    message: Message
    ref: str
    org_id: int | None
    state: DeliveryState
    attempts: int
    max_attempts: int
    next_attempt_at: datetime | None
    last_status: int | None = Field(description="HTTP status of the last attempt")
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None

    @classmethod
    def of(cls, delivery: Delivery) -> Self:
        return cls.model_validate(delivery)
