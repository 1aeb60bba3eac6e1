"""evidence that change lasts: the family's and the specialists' evaluation of a programme,
follow-up questionnaires, a meeting's reason, process assessment and two-week follow-up, the
SRS open question and decisions marked not done

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 18:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.db.base import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meeting_follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("child_now", sa.Text(), nullable=True),
        sa.Column("family_now", sa.Text(), nullable=True),
        sa.Column("new_map_needed", sa.Boolean(), nullable=False),
        sa.Column("new_meeting_needed", sa.Boolean(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["people.id"],
            name=op.f("fk_meeting_follow_ups_author_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_follow_ups_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_follow_ups")),
        sa.UniqueConstraint("meeting_id", name=op.f("uq_meeting_follow_ups_meeting_id")),
    )
    op.create_table(
        "meeting_process_assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("phases", sa.JSON(), nullable=False),
        sa.Column("reflection_note", sa.Text(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["people.id"],
            name=op.f("fk_meeting_process_assessments_author_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_process_assessments_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_process_assessments")),
        sa.UniqueConstraint("meeting_id", name=op.f("uq_meeting_process_assessments_meeting_id")),
    )
    op.create_table(
        "programme_evaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("open_answer", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name=op.f("fk_programme_evaluations_enrollment_id_enrollments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_programme_evaluations_person_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_evaluations")),
        sa.UniqueConstraint("enrollment_id", name=op.f("uq_programme_evaluations_enrollment_id")),
    )
    op.create_table(
        "questionnaire_follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("due_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("released_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=True),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name=op.f("fk_questionnaire_follow_ups_enrollment_id_enrollments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_questionnaire_follow_ups_person_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questionnaire_follow_ups")),
        sa.UniqueConstraint(
            "enrollment_id", "months", name=op.f("uq_questionnaire_follow_ups_enrollment_id_months")
        ),
    )
    with op.batch_alter_table("questionnaire_follow_ups", schema=None) as batch_op:
        batch_op.create_index(
            "ix_questionnaire_follow_ups_due",
            ["answered_at", "cancelled_at", "due_at"],
            unique=False,
        )

    op.create_table(
        "specialist_evaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("engagement", sa.Integer(), nullable=False),
        sa.Column("homework", sa.Integer(), nullable=False),
        sa.Column("fit", sa.Integer(), nullable=False),
        sa.Column("further", sa.String(length=24), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["people.id"],
            name=op.f("fk_specialist_evaluations_author_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name=op.f("fk_specialist_evaluations_enrollment_id_enrollments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_specialist_evaluations")),
        sa.UniqueConstraint("enrollment_id", name=op.f("uq_specialist_evaluations_enrollment_id")),
    )
    with op.batch_alter_table("meeting_decisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("not_done_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("not_done_at", UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.String(length=32), nullable=True))

    with op.batch_alter_table("srs_responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reflection", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("srs_responses", schema=None) as batch_op:
        batch_op.drop_column("reflection")

    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_column("reason")

    with op.batch_alter_table("meeting_decisions", schema=None) as batch_op:
        batch_op.drop_column("not_done_at")
        batch_op.drop_column("not_done_reason")

    op.drop_table("specialist_evaluations")
    with op.batch_alter_table("questionnaire_follow_ups", schema=None) as batch_op:
        batch_op.drop_index("ix_questionnaire_follow_ups_due")

    op.drop_table("questionnaire_follow_ups")
    op.drop_table("programme_evaluations")
    op.drop_table("meeting_process_assessments")
    op.drop_table("meeting_follow_ups")
