"""visits, safety concerns, family closing

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 10:02:13.493300
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=True),
        sa.Column("visit_date", sa.Date(), nullable=False),
        sa.Column("recorded_at", bot.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("methods", sa.JSON(), nullable=False),
        sa.Column("help_given", sa.JSON(), nullable=False),
        sa.Column("situation", sa.Integer(), nullable=False),
        sa.Column("concern", sa.Boolean(), nullable=False),
        sa.Column("concern_text", sa.Text(), nullable=True),
        sa.Column("notes_text", sa.Text(), nullable=True),
        sa.Column("notes_voice_file_id", sa.String(length=255), nullable=True),
        sa.Column("next_visit_date", sa.Date(), nullable=True),
        sa.Column("draft_key", sa.String(length=64), nullable=False),
        sa.Column("updated_at", bot.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("deleted_at", bot.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["family_id"],
            ["families.id"],
            name=op.f("fk_visits_family_id_families"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"],
            ["people.id"],
            name=op.f("fk_visits_mentor_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["people.id"],
            name=op.f("fk_visits_updated_by_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visits")),
        sa.UniqueConstraint("draft_key", name=op.f("uq_visits_draft_key")),
    )
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.create_index("ix_visits_family_date", ["family_id", "visit_date"], unique=False)
        batch_op.create_index("ix_visits_mentor_date", ["mentor_id", "visit_date"], unique=False)
        batch_op.create_index("ix_visits_next_date", ["next_visit_date"], unique=False)

    op.create_table(
        "safety_concerns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.Integer(), nullable=False),
        sa.Column("raised_at", bot.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("alerts_sent", sa.Integer(), nullable=False),
        sa.Column("next_alert_at", bot.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", bot.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["acknowledged_by_id"],
            ["people.id"],
            name=op.f("fk_safety_concerns_acknowledged_by_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["family_id"],
            ["families.id"],
            name=op.f("fk_safety_concerns_family_id_families"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["visits.id"],
            name=op.f("fk_safety_concerns_visit_id_visits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_concerns")),
        sa.UniqueConstraint("visit_id", name=op.f("uq_safety_concerns_visit_id")),
    )
    with op.batch_alter_table("safety_concerns", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_safety_concerns_next_alert_at"), ["next_alert_at"], unique=False
        )

    with op.batch_alter_table("families", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_reason", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("closed_note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("closed_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_families_closed_by_id_people"),
            "people",
            ["closed_by_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("families", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_families_closed_by_id_people"), type_="foreignkey")
        batch_op.drop_column("closed_by_id")
        batch_op.drop_column("closed_note")
        batch_op.drop_column("closed_reason")

    with op.batch_alter_table("safety_concerns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_safety_concerns_next_alert_at"))

    op.drop_table("safety_concerns")
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_index("ix_visits_next_date")
        batch_op.drop_index("ix_visits_mentor_date")
        batch_op.drop_index("ix_visits_family_date")

    op.drop_table("visits")
