"""Table models of outbound channels, deliveries and the per-target send log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.columns import json_field, utc_field


class ChannelKind(StrEnum):
    sms = "sms"
    webhook = "webhook"
    wecom = "wecom"  # 企业微信群机器人
    dingtalk = "dingtalk"  # 钉钉机器人


class DeliveryState(StrEnum):
    queued = "queued"
    sent = "sent"
    failed = "failed"


class Channel(SQLModel, table=True):
    """Where a person or an org (exactly one of them) can be reached.

    ``address`` is a phone number (E.164) for SMS, else the robot or webhook URL, which
    for WeCom and DingTalk carries the robot's key: it is shown only redacted. ``secret``
    (the HMAC key) is never shown at all.
    """

    __tablename__ = "notify_channel"
    __table_args__ = (
        sa.CheckConstraint("(person_id IS NULL) <> (org_id IS NULL)", name="one_owner"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int | None = Field(
        default=None, foreign_key="person.id", ondelete="CASCADE", index=True
    )
    org_id: int | None = Field(default=None, foreign_key="org.id", ondelete="CASCADE", index=True)
    kind: ChannelKind = Field(sa_type=sa.String(12))
    address: str = Field(max_length=1000)
    secret: str | None = Field(default=None, max_length=200)
    label: str | None = Field(default=None, max_length=100)
    enabled: bool = True
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)


class Delivery(SQLModel, table=True):
    """One message to one channel (or raw address), and what became of it.

    ``target`` is the address with its secrets masked. ``address`` is kept only for a raw
    address (no channel) and is never shown; a channel's address is read when sending,
    so a corrected address applies to deliveries still queued. ``org_id``/``org_path``
    (a snapshot, like the outbox's) decide who may see the delivery.
    """

    __tablename__ = "notify_delivery"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    channel_id: int | None = Field(
        default=None, foreign_key="notify_channel.id", ondelete="SET NULL", index=True
    )
    kind: ChannelKind = Field(sa_type=sa.String(12))
    target: str = Field(max_length=1000)
    address: str | None = Field(default=None, max_length=1000)
    message: dict[str, Any] = json_field(dict)
    ref: str = Field(max_length=120, index=True)
    org_id: int | None = Field(default=None, index=True)
    org_path: str | None = Field(default=None, max_length=600, index=True)
    state: DeliveryState = Field(default=DeliveryState.queued, sa_type=sa.String(12), index=True)
    attempts: int = 0
    max_attempts: int = 5
    next_attempt_at: datetime | None = utc_field(nullable=True)
    last_status: int | None = None
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = utc_field(default_now=True)
    sent_at: datetime | None = utc_field(nullable=True)


class SendSlot(SQLModel, table=True):
    """One request sent to a target: the sliding window of the per-target rate limit.

    Rows older than the window are pruned when the target is next sent to.
    """

    __tablename__ = "notify_send_slot"
    __table_args__ = (sa.Index("ix_notify_send_slot_target", "target_key", "at"),)

    id: int | None = Field(
        default=None, primary_key=True, sa_type=sa.BigInteger().with_variant(sa.Integer, "sqlite")
    )
    target_key: str = Field(max_length=64)
    at: datetime = utc_field(default_now=True)
