"""foundation: org tree, people, users and grants, API tokens, audit log, outbox

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.db

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = service.db.UTCDateTime(timezone=True)
BIGID = sa.BigInteger().with_variant(sa.Integer, "sqlite")

APPEND_ONLY_SQLITE = """
CREATE TRIGGER audit_log_no_{op} BEFORE {OP} ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END
"""
APPEND_ONLY_PG_FUNCTION = """
CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'audit_log is append-only'; END
$$ LANGUAGE plpgsql
"""
APPEND_ONLY_PG_TRIGGER = """
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()
"""


def upgrade() -> None:
    op.create_table(
        "org",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("org.id"), nullable=True),
        sa.Column("path", sa.String(600), nullable=False),
        sa.Column("division_code", sa.String(12), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("division_code"),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_org_parent_id"), "org", ["parent_id"])
    op.create_index(op.f("ix_org_path"), "org", ["path"])

    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("org.id"), nullable=False),
        sa.Column("title", sa.String(100), nullable=True),
        sa.Column("phones", sa.JSON(), nullable=False),
        sa.Column("superior_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_person_name"), "person", ["name"])
    op.create_index(op.f("ix_person_org_id"), "person", ["org_id"])
    op.create_index(op.f("ix_person_superior_id"), "person", ["superior_id"])

    op.create_table(
        "auth_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("org.id"), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id"),
        sa.UniqueConstraint("username"),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_auth_user_org_id"), "auth_user", ["org_id"])

    op.create_table(
        "auth_role_grant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("auth_user.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("org.id"), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "role", "org_id"),
    )
    op.create_index(op.f("ix_auth_role_grant_org_id"), "auth_role_grant", ["org_id"])
    op.create_index(op.f("ix_auth_role_grant_user_id"), "auth_role_grant", ["user_id"])

    op.create_table(
        "auth_api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("auth_user.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=True),
        sa.Column("revoked_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_auth_api_token_user_id"), "auth_api_token", ["user_id"])

    op.create_table(
        "auth_login_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_auth_login_failure_key"), "auth_login_failure", ["key"])
    op.create_index(op.f("ix_auth_login_failure_at"), "auth_login_failure", ["at"])

    op.create_table(
        "audit_log",
        sa.Column("id", BIGID, nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_username", sa.String(64), nullable=True),
        sa.Column("actor_token_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("object_type", sa.String(40), nullable=False),
        sa.Column("object_id", sa.String(64), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("org_path", sa.String(600), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("request_id", sa.String(64), nullable=True),
        sa.Column("ip", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("at", "actor_user_id", "object_type", "object_id", "org_id", "org_path"):
        op.create_index(op.f(f"ix_audit_log_{column}"), "audit_log", [column])

    op.create_table(
        "outbox_event",
        sa.Column("seq", BIGID, nullable=False),
        sa.Column("topic", sa.String(40), nullable=False),
        sa.Column("type", sa.String(60), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("org_path", sa.String(600), nullable=True),
        sa.Column("at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index(op.f("ix_outbox_event_topic"), "outbox_event", ["topic"])

    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY_PG_FUNCTION)
        op.execute(APPEND_ONLY_PG_TRIGGER)
    else:
        for name in ("update", "delete"):
            op.execute(APPEND_ONLY_SQLITE.format(op=name, OP=name.upper()))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
    for table in (
        "outbox_event",
        "audit_log",
        "auth_login_failure",
        "auth_api_token",
        "auth_role_grant",
        "auth_user",
        "person",
        "org",
    ):
        op.drop_table(table)
