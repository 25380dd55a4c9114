"""clock: durable timers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.db

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = service.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "clock_timer",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("ref", sa.String(120), nullable=False),
        sa.Column("due_at", UTC, nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("last_error", sa.String(1000), nullable=True),
        sa.Column("claimed_by", sa.String(120), nullable=True),
        sa.Column("claimed_at", UTC, nullable=True),
        sa.Column("finished_at", UTC, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_clock_timer_due", "clock_timer", ["state", "due_at"])
    op.create_index(op.f("ix_clock_timer_ref"), "clock_timer", ["ref"])


def downgrade() -> None:
    op.drop_table("clock_timer")
