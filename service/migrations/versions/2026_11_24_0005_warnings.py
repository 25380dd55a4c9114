"""warnings: warnings, recipients, escalation tasks and feedback (call-and-respond)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.db

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "warning",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("hazard", sa.String(length=24), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("content", sa.String(length=8000), nullable=False),
        sa.Column("instruction", sa.String(length=4000), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("org_ids", sa.JSON(), nullable=False),
        sa.Column("polygon", sa.JSON(), nullable=True),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("effective_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("respond_within_s", sa.Integer(), nullable=False),
        sa.Column("recall_count", sa.Integer(), nullable=False),
        sa.Column("recall_interval_s", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("cap_identifier", sa.String(length=200), nullable=True),
        sa.Column("cap_sender", sa.String(length=200), nullable=True),
        sa.Column("issued_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["auth_user.id"],
            name=op.f("fk_warning_created_by_auth_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["org_id"], ["org.id"], name=op.f("fk_warning_org_id_org")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warning")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("warning", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_warning_org_id"), ["org_id"], unique=False)

    op.create_table(
        "warning_recipient",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("org_path", sa.String(length=600), nullable=False),
        sa.Column("township_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("called_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("due_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deadline_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acked_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acked_by", sa.Integer(), nullable=True),
        sa.Column("on_behalf", sa.Boolean(), nullable=False),
        sa.Column("escalated_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["acked_by"],
            ["auth_user.id"],
            name=op.f("fk_warning_recipient_acked_by_auth_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["org.id"], name=op.f("fk_warning_recipient_org_id_org")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_warning_recipient_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["warning_id"],
            ["warning.id"],
            name=op.f("fk_warning_recipient_warning_id_warning"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warning_recipient")),
        sa.UniqueConstraint(
            "warning_id", "person_id", name=op.f("uq_warning_recipient_warning_id")
        ),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("warning_recipient", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_warning_recipient_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_warning_recipient_warning_id"), ["warning_id"], unique=False
        )

    op.create_table(
        "warning_escalation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("org_path", sa.String(length=600), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("via", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("deadline_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("acked_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["person.id"],
            name=op.f("fk_warning_escalation_assignee_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["org.id"], name=op.f("fk_warning_escalation_org_id_org")
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["warning_recipient.id"],
            name=op.f("fk_warning_escalation_recipient_id_warning_recipient"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["warning_id"],
            ["warning.id"],
            name=op.f("fk_warning_escalation_warning_id_warning"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warning_escalation")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("warning_escalation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_warning_escalation_assignee_id"), ["assignee_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_warning_escalation_recipient_id"), ["recipient_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_warning_escalation_warning_id"), ["warning_id"], unique=False
        )

    op.create_table(
        "warning_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("evacuated", sa.Integer(), nullable=False),
        sa.Column("roads_closed", sa.Integer(), nullable=False),
        sa.Column("sites_checked", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=4000), nullable=True),
        sa.Column("photos", sa.JSON(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["auth_user.id"],
            name=op.f("fk_warning_feedback_created_by_auth_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_warning_feedback_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["warning_recipient.id"],
            name=op.f("fk_warning_feedback_recipient_id_warning_recipient"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["warning_id"],
            ["warning.id"],
            name=op.f("fk_warning_feedback_warning_id_warning"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warning_feedback")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("warning_feedback", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_warning_feedback_warning_id"), ["warning_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("warning_feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_warning_feedback_warning_id"))

    op.drop_table("warning_feedback")
    with op.batch_alter_table("warning_escalation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_warning_escalation_warning_id"))
        batch_op.drop_index(batch_op.f("ix_warning_escalation_recipient_id"))
        batch_op.drop_index(batch_op.f("ix_warning_escalation_assignee_id"))

    op.drop_table("warning_escalation")
    with op.batch_alter_table("warning_recipient", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_warning_recipient_warning_id"))
        batch_op.drop_index(batch_op.f("ix_warning_recipient_person_id"))

    op.drop_table("warning_recipient")
    with op.batch_alter_table("warning", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_warning_org_id"))

    op.drop_table("warning")
