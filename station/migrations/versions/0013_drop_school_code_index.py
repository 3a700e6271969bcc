"""drop the candidates' index of school_code alone

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 18:30:00.000000

``ix_candidates_school_state`` (school_code, school_name, state) finds every school code the
single-column index found, and every save wrote both (issue 19: a save is measured against a
bare INSERT and COMMIT, and each index is one more page written at the commit).
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.drop_index("ix_candidates_school_code")


def downgrade() -> None:
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.create_index("ix_candidates_school_code", ["school_code"])
