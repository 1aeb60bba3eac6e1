"""case management: the individual support plan's tasks and the case's stage

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=24), nullable=False),
        sa.Column("stage_at", bot.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("stage_by_id", sa.Integer(), nullable=True),
        sa.Column("final_meeting_date", sa.Date(), nullable=True),
        sa.Column("final_summary", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["family_id"], ["families.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["stage_by_id"], ["people.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("family_id"),
    )
    op.create_table(
        "plan_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("criteria", sa.Text(), nullable=True),
        sa.Column("family_part", sa.Text(), nullable=True),
        sa.Column("specialists_part", sa.Text(), nullable=True),
        sa.Column("responsible_id", sa.Integer(), nullable=True),
        sa.Column("responsible_text", sa.String(length=80), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_note", sa.Text(), nullable=True),
        sa.Column("status_at", bot.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("source_type", sa.String(length=24), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("created_at", bot.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["family_id"], ["families.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["responsible_id"], ["people.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by_id"], ["people.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("family_id", "source_type", "source_id"),
    )
    op.create_index("ix_plan_tasks_family", "plan_tasks", ["family_id", "due_date"])
    op.create_index("ix_plan_tasks_open_due", "plan_tasks", ["status", "due_date"])


def downgrade() -> None:
    op.drop_index("ix_plan_tasks_open_due", table_name="plan_tasks")
    op.drop_index("ix_plan_tasks_family", table_name="plan_tasks")
    op.drop_table("plan_tasks")
    op.drop_table("case_records")
