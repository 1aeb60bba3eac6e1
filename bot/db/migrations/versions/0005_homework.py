"""homework: digest cursor, reminder count, feedback, completion, result override author

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 11:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("homework_weeks") as batch:
        batch.add_column(
            sa.Column("digested_at", bot.db.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column("reminders_queued", sa.Integer(), server_default="0", nullable=False)
        )
        batch.create_index("ix_homework_weeks_digest", ["digested_at", "done_at"])
    with op.batch_alter_table("enrollments") as batch:
        batch.add_column(sa.Column("override_by_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("completed_at", bot.db.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch.create_foreign_key(
            "fk_enrollments_override_by_id_people",
            "people",
            ["override_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_table(
        "homework_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("homework_week_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("draft_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", bot.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["homework_week_id"], ["homework_weeks.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["mentor_id"], ["people.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("draft_key"),
    )
    op.create_index(
        "ix_homework_feedback_homework_week_id", "homework_feedback", ["homework_week_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_homework_feedback_homework_week_id", table_name="homework_feedback")
    op.drop_table("homework_feedback")
    with op.batch_alter_table("enrollments") as batch:
        batch.drop_constraint("fk_enrollments_override_by_id_people", type_="foreignkey")
        batch.drop_column("completed_at")
        batch.drop_column("override_by_id")
    with op.batch_alter_table("homework_weeks") as batch:
        batch.drop_index("ix_homework_weeks_digest")
        batch.drop_column("reminders_queued")
        batch.drop_column("digested_at")
