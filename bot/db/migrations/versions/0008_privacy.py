"""data protection: when a person or a family was anonymised (withdrawal, retention)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.db.base import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("anonymised_at", UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("families") as batch:
        batch.add_column(sa.Column("anonymised_at", UTCDateTime(timezone=True), nullable=True))
    # The retention job's scan: closed families not yet anonymised, oldest first.
    op.create_index("ix_families_retention", "families", ["anonymised_at", "closed_at"])


def downgrade() -> None:
    op.drop_index("ix_families_retention", table_name="families")
    with op.batch_alter_table("families") as batch:
        batch.drop_column("anonymised_at")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("anonymised_at")
