"""batch bytes kept until acknowledged, and whether the file was written

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 20:00:00.000000

A batch is recorded with its exact bytes before its file gets its final name, so that a
lost or never-written file can be written again byte for byte (``station batch resend``)
and a sequence number is never signed twice with different contents.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("data", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("written_at", sa.DateTime(), nullable=True))
    # Batches exported before this revision were written and read back then.
    op.execute("UPDATE batches SET written_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.drop_column("written_at")
        batch_op.drop_column("data")
