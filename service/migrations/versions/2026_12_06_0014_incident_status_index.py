"""index incidents by status: the dispatch screen lists and counts the open ones

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 00:00:00.000000+00:00

Open incidents are few and closed ones pile up over the years; without the index every
look at the open ones reads them all.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_incident_status"), "incident", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_incident_status"), table_name="incident")
