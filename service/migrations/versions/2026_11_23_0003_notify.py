"""notify: channels of people and orgs, deliveries, the per-target send log

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.db

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = service.db.UTCDateTime(timezone=True)
BIGID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "notify_channel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "person_id",
            sa.Integer(),
            sa.ForeignKey("person.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column(
            "org_id", sa.Integer(), sa.ForeignKey("org.id", ondelete="CASCADE"), nullable=True
        ),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("address", sa.String(1000), nullable=False),
        sa.Column("secret", sa.String(200), nullable=True),
        sa.Column("label", sa.String(100), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.CheckConstraint("(person_id IS NULL) <> (org_id IS NULL)", name="one_owner"),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_notify_channel_person_id"), "notify_channel", ["person_id"])
    op.create_index(op.f("ix_notify_channel_org_id"), "notify_channel", ["org_id"])

    op.create_table(
        "notify_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "channel_id",
            sa.Integer(),
            sa.ForeignKey("notify_channel.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("target", sa.String(1000), nullable=False),
        sa.Column("address", sa.String(1000), nullable=True),
        sa.Column("message", sa.JSON(), nullable=False),
        sa.Column("ref", sa.String(120), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("org_path", sa.String(600), nullable=True),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTC, nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("sent_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    for column in ("channel_id", "ref", "org_id", "org_path", "state"):
        op.create_index(op.f(f"ix_notify_delivery_{column}"), "notify_delivery", [column])

    op.create_table(
        "notify_send_slot",
        sa.Column("id", BIGID, nullable=False),
        sa.Column("target_key", sa.String(64), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_notify_send_slot_target", "notify_send_slot", ["target_key", "at"])


def downgrade() -> None:
    for table in ("notify_send_slot", "notify_delivery", "notify_channel"):
        op.drop_table(table)
