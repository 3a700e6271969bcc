"""fewer indexes for a save to write

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 18:30:00.000000

Every save writes every index of the candidates and the photos, and each one is another page
written at its commit (issue 19: a save is measured against a bare INSERT and COMMIT). Kept:
each look-up the station makes, from an index as before.

* ``ix_candidates_school_code`` goes: ``ix_candidates_school_state`` (school_code first)
  finds every school code it found.
* ``ix_candidates_state`` and ``ix_candidates_updated_at`` stay apart: one index of both
  would serve the dashboard, but a state's records would then be sorted by id (the next
  batch's signed records: 270 ms at 60,000) instead of read in order.
* ``ix_photos_sha256`` goes: the station never looks a photo up by its SHA-256 (the county
  does, in its own database).
* ``ix_photos_flag`` holds only the flagged photos (a partial index), so that a photo
  without a flag, nearly every one a save writes, is in no index of flags.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.drop_index("ix_candidates_school_code")
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.drop_index("ix_photos_sha256")
        batch_op.drop_index("ix_photos_flag")
        batch_op.create_index(
            "ix_photos_flag", ["flag", "flag_cleared_by"], sqlite_where=sa.text("flag != ''")
        )


def downgrade() -> None:
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.drop_index("ix_photos_flag")
        batch_op.create_index("ix_photos_flag", ["flag", "flag_cleared_by"])
        batch_op.create_index("ix_photos_sha256", ["sha256"])
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.create_index("ix_candidates_school_code", ["school_code"])
