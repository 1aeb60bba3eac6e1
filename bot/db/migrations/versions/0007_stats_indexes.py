"""indexes for /stats: covering scans of meetings, answers, homework weeks; families by category

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 15:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The held (or not cancelled) meetings of a period and their families, from the index alone
    # (id too: PostgreSQL joins participants and SRS on it; SQLite has the rowid anyway).
    op.create_index(
        "ix_meetings_starts_status", "meetings", ["starts_at", "status", "family_id", "id"]
    )
    # A category's families without reading the whole table (every section's category scope).
    op.create_index("ix_families_category", "families", ["category"])
    # Invitations, answers and attendance of a period's meetings without reading the rows.
    op.create_index(
        "ix_meeting_participants_answers",
        "meeting_participants",
        ["meeting_id", "invited_at", "rsvp", "attended"],
    )
    # Hand-in by week of the weeks released in a period, and the ratings of those handed in.
    op.create_index(
        "ix_homework_weeks_released",
        "homework_weeks",
        ["released_at", "week_number", "done_at", "enrollment_id"],
    )
    op.create_index(
        "ix_homework_weeks_done_rating", "homework_weeks", ["done_at", "rating", "enrollment_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_homework_weeks_done_rating", table_name="homework_weeks")
    op.drop_index("ix_homework_weeks_released", table_name="homework_weeks")
    op.drop_index("ix_meeting_participants_answers", table_name="meeting_participants")
    op.drop_index("ix_families_category", table_name="families")
    op.drop_index("ix_meetings_starts_status", table_name="meetings")
