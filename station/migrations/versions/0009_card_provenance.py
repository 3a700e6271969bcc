"""which fields of a record were read from the ID card

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 07:00:00.000000

Fields read from the candidate's ID card stay read-only on every reopen, in every state,
until a supervisor approves a change; the record keeps which they are.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("card_fields", sa.String(length=200), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.drop_column("card_fields")
