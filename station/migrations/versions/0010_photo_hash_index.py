"""a covering index for the near-duplicate photo index

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 07:30:00.000000

The first save after a login loads (id, candidate, perceptual hash) of every photo; without
this index SQLite steps over every row's JPEG to reach the hash (36 s at 50,000 photos).
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.create_index("ix_photos_phash_cover", ["id", "candidate_id", "phash"])


def downgrade() -> None:
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.drop_index("ix_photos_phash_cover")
