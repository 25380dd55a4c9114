"""roster: one shift row per (org, post, person, start); jobs proposed once, race-free

Revision ID: 0008
Revises: 0010
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.db

revision: str = "0008"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = service.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_index(
        "ux_duty_shift_slot",
        "duty_shift",
        ["org_id", "post_id", "person_id", "start_at"],
        unique=True,
    )
    op.create_table(
        "clock_once",
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("ref", sa.String(120), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("kind", "ref"),
    )


def downgrade() -> None:
    op.drop_table("clock_once")
    op.drop_index("ux_duty_shift_slot", table_name="duty_shift")
