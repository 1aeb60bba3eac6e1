"""the child's social map: dated snapshots and the people on them

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.db.base import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "social_maps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.Integer(), nullable=False),
        sa.Column("child_name", sa.String(length=64), nullable=False),
        sa.Column("child_key", sa.String(length=64), nullable=False),
        sa.Column("taken_on", sa.Date(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("copied_from_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["family_id"], ["families.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["people.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["copied_from_id"], ["social_maps.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_social_maps_child", "social_maps", ["family_id", "child_key", "taken_on", "id"]
    )
    op.create_index("ix_social_maps_taken_on", "social_maps", ["taken_on", "family_id"])
    op.create_table(
        "social_map_people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("map_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("relation", sa.String(length=24), nullable=False),
        sa.Column("circle", sa.Integer(), nullable=False),
        sa.Column("nature", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["map_id"], ["social_maps.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("map_id", "key"),
    )


def downgrade() -> None:
    op.drop_table("social_map_people")
    op.drop_index("ix_social_maps_taken_on", table_name="social_maps")
    op.drop_index("ix_social_maps_child", table_name="social_maps")
    op.drop_table("social_maps")
