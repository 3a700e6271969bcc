"""printed registration forms

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 05:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "printed_forms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("print_no", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("printed_at", sa.DateTime(), nullable=False),
        sa.Column("printed_by", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["candidate_id"], ["candidates.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("candidate_id", "version", "print_no"),
    )
    with op.batch_alter_table("printed_forms", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_printed_forms_candidate_id"), ["candidate_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_printed_forms_digest"), ["digest"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("printed_forms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_printed_forms_digest"))
        batch_op.drop_index(batch_op.f("ix_printed_forms_candidate_id"))
    op.drop_table("printed_forms")
