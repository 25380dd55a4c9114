"""rosters: duty posts, shift patterns, rotations, leave, overrides, swaps, shifts,
handovers, key periods and calendar feeds

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "duty_key_period",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("report_time", sa.String(length=5), nullable=False),
        sa.Column("created_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["org.id"], name=op.f("fk_duty_key_period_org_id_org"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_key_period")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("duty_key_period", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_duty_key_period_org_id"), ["org_id"], unique=False)

    op.create_table(
        "duty_post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("min_count", sa.Integer(), nullable=False),
        sa.Column("max_count", sa.Integer(), nullable=True),
        sa.Column("created_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["org.id"], name=op.f("fk_duty_post_org_id_org"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_post")),
        sa.UniqueConstraint("org_id", "key", name=op.f("uq_duty_post_org_id")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("duty_post", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_duty_post_org_id"), ["org_id"], unique=False)

    op.create_table(
        "duty_schedule",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("changeovers", sa.JSON(), nullable=False),
        sa.Column("updated_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["org.id"], name=op.f("fk_duty_schedule_org_id_org"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("org_id", name=op.f("pk_duty_schedule")),
    )
    op.create_table(
        "duty_leave",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("start_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("end_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("created_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["org.id"], name=op.f("fk_duty_leave_org_id_org"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_duty_leave_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_leave")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("duty_leave", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_duty_leave_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_duty_leave_person_id"), ["person_id"], unique=False)

    op.create_table(
        "duty_rotation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("people", sa.JSON(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("period_days", sa.Integer(), nullable=False),
        sa.Column("days", sa.String(length=10), nullable=False),
        sa.Column("weekdays", sa.JSON(), nullable=False),
        sa.Column("slots", sa.JSON(), nullable=False),
        sa.Column("created_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["org.id"], name=op.f("fk_duty_rotation_org_id_org"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["duty_post.id"],
            name=op.f("fk_duty_rotation_post_id_duty_post"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_rotation")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("duty_rotation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_duty_rotation_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_duty_rotation_post_id"), ["post_id"], unique=False)

    op.create_table(
        "duty_calendar_feed",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["auth_user.id"],
            name=op.f("fk_duty_calendar_feed_user_id_auth_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_duty_calendar_feed")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_duty_calendar_feed_token_hash")),
    )
    op.create_table(
        "duty_shift",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("start_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("end_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("rotation_id", sa.Integer(), nullable=True),
        sa.Column("override_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("checked_in_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["org.id"], name=op.f("fk_duty_shift_org_id_org"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_duty_shift_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["duty_post.id"],
            name=op.f("fk_duty_shift_post_id_duty_post"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rotation_id"],
            ["duty_rotation.id"],
            name=op.f("fk_duty_shift_rotation_id_duty_rotation"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_shift")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("duty_shift", schema=None) as batch_op:
        batch_op.create_index("ix_duty_shift_org_start", ["org_id", "start_at"], unique=False)
        batch_op.create_index("ix_duty_shift_person_start", ["person_id", "start_at"], unique=False)

    op.create_table(
        "duty_handover",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("next_shift_id", sa.Integer(), nullable=True),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("notes", sa.String(length=4000), nullable=False),
        sa.Column("open_matters", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["acknowledged_by"],
            ["auth_user.id"],
            name=op.f("fk_duty_handover_acknowledged_by_auth_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["auth_user.id"],
            name=op.f("fk_duty_handover_created_by_auth_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["next_shift_id"],
            ["duty_shift.id"],
            name=op.f("fk_duty_handover_next_shift_id_duty_shift"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["org.id"], name=op.f("fk_duty_handover_org_id_org"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["shift_id"],
            ["duty_shift.id"],
            name=op.f("fk_duty_handover_shift_id_duty_shift"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_handover")),
        sa.UniqueConstraint("shift_id", name=op.f("uq_duty_handover_shift_id")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("duty_handover", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_duty_handover_next_shift_id"), ["next_shift_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_duty_handover_org_id"), ["org_id"], unique=False)

    op.create_table(
        "duty_swap",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=True),
        sa.Column("counterpart_shift_id", sa.Integer(), nullable=True),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("counterpart_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("start_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("end_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("counterpart_start_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("counterpart_end_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("accepted_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("created_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["counterpart_id"],
            ["person.id"],
            name=op.f("fk_duty_swap_counterpart_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["counterpart_shift_id"],
            ["duty_shift.id"],
            name=op.f("fk_duty_swap_counterpart_shift_id_duty_shift"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["auth_user.id"],
            name=op.f("fk_duty_swap_decided_by_auth_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["org.id"], name=op.f("fk_duty_swap_org_id_org"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["duty_post.id"],
            name=op.f("fk_duty_swap_post_id_duty_post"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requester_id"],
            ["person.id"],
            name=op.f("fk_duty_swap_requester_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shift_id"],
            ["duty_shift.id"],
            name=op.f("fk_duty_swap_shift_id_duty_shift"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_swap")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("duty_swap", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_duty_swap_counterpart_id"), ["counterpart_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_duty_swap_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_duty_swap_requester_id"), ["requester_id"], unique=False
        )

    op.create_table(
        "duty_override",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("replaces_person_id", sa.Integer(), nullable=True),
        sa.Column("start_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("end_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("swap_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["auth_user.id"],
            name=op.f("fk_duty_override_created_by_auth_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["org.id"], name=op.f("fk_duty_override_org_id_org"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_duty_override_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["duty_post.id"],
            name=op.f("fk_duty_override_post_id_duty_post"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["replaces_person_id"],
            ["person.id"],
            name=op.f("fk_duty_override_replaces_person_id_person"),
        ),
        sa.ForeignKeyConstraint(
            ["swap_id"],
            ["duty_swap.id"],
            name=op.f("fk_duty_override_swap_id_duty_swap"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_override")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("duty_override", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_duty_override_end_at"), ["end_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_duty_override_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_duty_override_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_duty_override_post_id"), ["post_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("duty_override", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duty_override_post_id"))
        batch_op.drop_index(batch_op.f("ix_duty_override_person_id"))
        batch_op.drop_index(batch_op.f("ix_duty_override_org_id"))
        batch_op.drop_index(batch_op.f("ix_duty_override_end_at"))

    op.drop_table("duty_override")
    with op.batch_alter_table("duty_swap", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duty_swap_requester_id"))
        batch_op.drop_index(batch_op.f("ix_duty_swap_org_id"))
        batch_op.drop_index(batch_op.f("ix_duty_swap_counterpart_id"))

    op.drop_table("duty_swap")
    with op.batch_alter_table("duty_handover", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duty_handover_org_id"))
        batch_op.drop_index(batch_op.f("ix_duty_handover_next_shift_id"))

    op.drop_table("duty_handover")
    with op.batch_alter_table("duty_shift", schema=None) as batch_op:
        batch_op.drop_index("ix_duty_shift_person_start")
        batch_op.drop_index("ix_duty_shift_org_start")

    op.drop_table("duty_shift")
    op.drop_table("duty_calendar_feed")
    with op.batch_alter_table("duty_rotation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duty_rotation_post_id"))
        batch_op.drop_index(batch_op.f("ix_duty_rotation_org_id"))

    op.drop_table("duty_rotation")
    with op.batch_alter_table("duty_leave", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duty_leave_person_id"))
        batch_op.drop_index(batch_op.f("ix_duty_leave_org_id"))

    op.drop_table("duty_leave")
    op.drop_table("duty_schedule")
    with op.batch_alter_table("duty_post", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duty_post_org_id"))

    op.drop_table("duty_post")
    with op.batch_alter_table("duty_key_period", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duty_key_period_org_id"))

    op.drop_table("duty_key_period")
