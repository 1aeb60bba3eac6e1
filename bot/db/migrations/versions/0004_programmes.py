"""programmes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 10:58:36.604073
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "enrollments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.Integer(), nullable=False),
        sa.Column("programme_code", sa.String(length=64), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("release_weekday", sa.Integer(), nullable=False),
        sa.Column("release_time", sa.Time(), nullable=False),
        sa.Column("due_days", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("paused_at", bot.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("stopped_at", bot.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", bot.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("next_release_at", bot.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("entry_total", sa.Integer(), nullable=True),
        sa.Column("exit_total", sa.Integer(), nullable=True),
        sa.Column("positive_override", sa.Boolean(), nullable=True),
        sa.Column("override_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["people.id"],
            name=op.f("fk_enrollments_created_by_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["family_id"],
            ["families.id"],
            name=op.f("fk_enrollments_family_id_families"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollments")),
    )
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.create_index("ix_enrollments_due", ["status", "next_release_at"], unique=False)
        batch_op.create_index("ix_enrollments_family", ["family_id"], unique=False)
        batch_op.create_index(
            "uq_enrollments_family_current",
            ["family_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('active', 'paused')"),
            postgresql_where=sa.text("status IN ('active', 'paused')"),
        )

    op.create_table(
        "homework_weeks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("week_number", sa.Integer(), nullable=False),
        sa.Column("released_at", bot.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", bot.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("late_until", bot.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", bot.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("rating_comment", sa.Text(), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["done_by_id"],
            ["people.id"],
            name=op.f("fk_homework_weeks_done_by_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name=op.f("fk_homework_weeks_enrollment_id_enrollments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_homework_weeks")),
        sa.UniqueConstraint(
            "enrollment_id", "week_number", name=op.f("uq_homework_weeks_enrollment_id_week_number")
        ),
    )
    with op.batch_alter_table("homework_weeks", schema=None) as batch_op:
        batch_op.create_index("ix_homework_weeks_open_due", ["done_at", "due_at"], unique=False)

    op.create_table(
        "questionnaire_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("phase", sa.String(length=8), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("created_at", bot.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name=op.f("fk_questionnaire_responses_enrollment_id_enrollments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_questionnaire_responses_person_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questionnaire_responses")),
        sa.UniqueConstraint(
            "enrollment_id", "phase", name=op.f("uq_questionnaire_responses_enrollment_id_phase")
        ),
    )
    op.create_table(
        "homework_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("homework_week_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("file_id", sa.String(length=255), nullable=True),
        sa.Column("telegram_message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", bot.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["homework_week_id"],
            ["homework_weeks.id"],
            name=op.f("fk_homework_answers_homework_week_id_homework_weeks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_homework_answers_person_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_homework_answers")),
    )
    with op.batch_alter_table("homework_answers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_homework_answers_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_homework_answers_homework_week_id"), ["homework_week_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("homework_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_homework_answers_homework_week_id"))
        batch_op.drop_index(batch_op.f("ix_homework_answers_created_at"))

    op.drop_table("homework_answers")
    op.drop_table("questionnaire_responses")
    with op.batch_alter_table("homework_weeks", schema=None) as batch_op:
        batch_op.drop_index("ix_homework_weeks_open_due")

    op.drop_table("homework_weeks")
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_enrollments_family_current",
            sqlite_where=sa.text("status IN ('active', 'paused')"),
            postgresql_where=sa.text("status IN ('active', 'paused')"),
        )
        batch_op.drop_index("ix_enrollments_family")
        batch_op.drop_index("ix_enrollments_due")

    op.drop_table("enrollments")
