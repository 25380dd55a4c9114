"""plans: the contingency plan library (plans, versions, attachments)

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.db

revision: str = "0007"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("hazards", sa.JSON(), nullable=False),
        sa.Column("parent_plan_id", sa.Integer(), nullable=True),
        sa.Column("owner_person_id", sa.Integer(), nullable=True),
        sa.Column("latest_version", sa.Integer(), nullable=False),
        sa.Column("published_version", sa.Integer(), nullable=True),
        sa.Column("published_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("review_due_date", sa.Date(), nullable=True),
        sa.Column("last_evaluated_date", sa.Date(), nullable=True),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["auth_user.id"],
            name=op.f("fk_plan_created_by_auth_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["org_id"], ["org.id"], name=op.f("fk_plan_org_id_org")),
        sa.ForeignKeyConstraint(
            ["owner_person_id"],
            ["person.id"],
            name=op.f("fk_plan_owner_person_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["parent_plan_id"],
            ["plan.id"],
            name=op.f("fk_plan_parent_plan_id_plan"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_plan_parent_plan_id"), ["parent_plan_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_plan_review_due_date"), ["review_due_date"], unique=False
        )

    op.create_table(
        "plan_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("change_note", sa.String(length=2000), nullable=True),
        sa.Column("revision_triggers", sa.JSON(), nullable=False),
        sa.Column("based_on", sa.Integer(), nullable=True),
        sa.Column("submitted_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("submitted_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decision_note", sa.String(length=2000), nullable=True),
        sa.Column("filing_due_date", sa.Date(), nullable=True),
        sa.Column("filing_overdue", sa.Boolean(), nullable=False),
        sa.Column("filing_number", sa.String(length=100), nullable=True),
        sa.Column("filing_date", sa.Date(), nullable=True),
        sa.Column("filing_org_id", sa.Integer(), nullable=True),
        sa.Column("filed_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("filed_by", sa.Integer(), nullable=True),
        sa.Column("published_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("published_by", sa.Integer(), nullable=True),
        sa.Column("ended_at", service.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("withdraw_reason", sa.String(length=2000), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["auth_user.id"],
            name=op.f("fk_plan_version_created_by_auth_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["auth_user.id"],
            name=op.f("fk_plan_version_decided_by_auth_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["filed_by"],
            ["auth_user.id"],
            name=op.f("fk_plan_version_filed_by_auth_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["filing_org_id"],
            ["org.id"],
            name=op.f("fk_plan_version_filing_org_id_org"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan.id"], name=op.f("fk_plan_version_plan_id_plan"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["published_by"],
            ["auth_user.id"],
            name=op.f("fk_plan_version_published_by_auth_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"],
            ["auth_user.id"],
            name=op.f("fk_plan_version_submitted_by_auth_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_version")),
        sa.UniqueConstraint("plan_id", "number", name=op.f("uq_plan_version_plan_id")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("plan_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_version_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "plan_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", service.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["auth_user.id"],
            name=op.f("fk_plan_attachment_created_by_auth_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["plan_version.id"],
            name=op.f("fk_plan_attachment_version_id_plan_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_attachment")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("plan_attachment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_attachment_version_id"), ["version_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("plan_attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_attachment_version_id"))

    op.drop_table("plan_attachment")
    with op.batch_alter_table("plan_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_version_plan_id"))

    op.drop_table("plan_version")
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_review_due_date"))
        batch_op.drop_index(batch_op.f("ix_plan_parent_plan_id"))
        batch_op.drop_index(batch_op.f("ix_plan_org_id"))

    op.drop_table("plan")
