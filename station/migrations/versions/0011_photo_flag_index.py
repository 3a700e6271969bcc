"""an index for the photos waiting for a supervisor

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 11:30:00.000000

The supervisor's dashboard counts the near-duplicate photos not yet cleared; without this
index SQLite steps over every row's JPEG to read the flag.
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.create_index("ix_photos_flag", ["flag", "flag_cleared_by"])


def downgrade() -> None:
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.drop_index("ix_photos_flag")
