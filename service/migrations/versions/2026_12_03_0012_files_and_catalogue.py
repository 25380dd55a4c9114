"""one file store (plan attachments move in; feedback and incident photos), plan items
reference the resource catalogue

Revision ID: 0012
Revises: 0008
Create Date: 2026-12-03 02:00:00.000000+00:00

- ``stored_file`` / ``stored_file_data``: the shared file store (``service.files``). Plan
  attachments move into it with their ids (owner ``plan_version``); ``plan_attachment`` goes.
- ``warning_feedback.photos`` (URLs) goes: feedback photos are stored files now.
- Plan versions' required items become catalogue references: an item given by name is
  matched to the catalogue entry of that name (the first), or added to the catalogue
  (category 预案), and gets ``item_id``, ``name``, ``spec``, ``unit`` and a whole quantity.
"""

import math
from collections.abc import Sequence
from datetime import UTC as UTC_ZONE
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import service.db

revision: str = "0012"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = service.db.UTCDateTime(timezone=True)


def _file_tables() -> None:
    op.create_table(
        "stored_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_type", sa.String(length=40), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["auth_user.id"],
            name=op.f("fk_stored_file_created_by_auth_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["org.id"], name=op.f("fk_stored_file_org_id_org"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_file")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_stored_file_owner", "stored_file", ["owner_type", "owner_id"])
    op.create_table(
        "stored_file_data",
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["stored_file.id"],
            name=op.f("fk_stored_file_data_file_id_stored_file"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("file_id", name=op.f("pk_stored_file_data")),
    )


def _attachment_table() -> None:
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
        sa.Column("created_at", UTC, nullable=False),
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


def _fix_sequence(table: str) -> None:
    """After rows were copied with their ids, PostgreSQL's sequence must go on after them."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            )
        )


def _items_to_catalogue(bind: Any) -> None:
    versions = sa.table("plan_version", sa.column("id"), sa.column("content", sa.JSON))
    items = sa.table(
        "resource_item",
        sa.column("id"),
        sa.column("category"),
        sa.column("name"),
        sa.column("spec"),
        sa.column("unit"),
        sa.column("created_at", UTC),
    )
    catalogue: dict[str, dict[str, Any]] = {}
    for row in bind.execute(sa.select(items).order_by(items.c.id)).mappings():
        catalogue.setdefault(row["name"], dict(row))
    for version in bind.execute(sa.select(versions.c.id, versions.c.content)).all():
        content = version.content or {}
        changed = False
        for level in content.get("levels", []):
            for need in (level.get("resources") or {}).get("items", []):
                if "item_id" in need:
                    continue
                name = str(need.get("name") or "未命名物资")[:100]
                if name not in catalogue:
                    unit = str(need.get("unit") or "件")[:20]
                    new_id = bind.execute(
                        sa.insert(items)
                        .values(
                            category="预案",
                            name=name,
                            spec="",
                            unit=unit,
                            created_at=datetime.now(UTC_ZONE),
                        )
                        .returning(items.c.id)
                    ).scalar_one()
                    catalogue[name] = {"id": new_id, "name": name, "spec": "", "unit": unit}
                item = catalogue[name]
                quantity = max(1, math.ceil(float(need.get("quantity") or 1)))
                need.clear()
                need.update(
                    item_id=item["id"],
                    quantity=quantity,
                    note=None,
                    name=item["name"],
                    spec=item["spec"],
                    unit=item["unit"],
                )
                changed = True
        if changed:
            bind.execute(
                sa.update(versions).where(versions.c.id == version.id).values(content=content)
            )


def _items_to_names(bind: Any) -> None:
    versions = sa.table("plan_version", sa.column("id"), sa.column("content", sa.JSON))
    for version in bind.execute(sa.select(versions.c.id, versions.c.content)).all():
        content = version.content or {}
        for level in content.get("levels", []):
            resources = level.get("resources") or {}
            resources["items"] = [
                {
                    "name": n.get("name") or "?",
                    "quantity": n["quantity"],
                    "unit": n.get("unit") or "?",
                }
                for n in resources.get("items", [])
            ]
        bind.execute(sa.update(versions).where(versions.c.id == version.id).values(content=content))


def upgrade() -> None:
    bind = op.get_bind()
    _file_tables()
    op.execute(
        "INSERT INTO stored_file (id, owner_type, owner_id, org_id, filename, media_type, "
        "size_bytes, sha256, created_by, created_at) "
        "SELECT a.id, 'plan_version', a.version_id, p.org_id, a.filename, a.media_type, "
        "a.size_bytes, a.sha256, a.created_by, a.created_at FROM plan_attachment a "
        "JOIN plan_version v ON v.id = a.version_id JOIN plan p ON p.id = v.plan_id"
    )
    op.execute("INSERT INTO stored_file_data (file_id, data) SELECT id, data FROM plan_attachment")
    _fix_sequence("stored_file")
    with op.batch_alter_table("plan_attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_attachment_version_id"))
    op.drop_table("plan_attachment")
    with op.batch_alter_table("warning_feedback", schema=None) as batch_op:
        batch_op.drop_column("photos")
    _items_to_catalogue(bind)


def downgrade() -> None:
    bind = op.get_bind()
    _items_to_names(bind)
    with op.batch_alter_table("warning_feedback", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("photos", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
    _attachment_table()
    op.execute(
        "INSERT INTO plan_attachment (id, version_id, filename, media_type, size_bytes, sha256, "
        "data, created_by, created_at) "
        "SELECT f.id, f.owner_id, f.filename, f.media_type, f.size_bytes, f.sha256, d.data, "
        "f.created_by, f.created_at FROM stored_file f JOIN stored_file_data d ON d.file_id = f.id "
        "WHERE f.owner_type = 'plan_version'"
    )
    _fix_sequence("plan_attachment")
    op.drop_table("stored_file_data")
    op.drop_index("ix_stored_file_owner", table_name="stored_file")
    op.drop_table("stored_file")
