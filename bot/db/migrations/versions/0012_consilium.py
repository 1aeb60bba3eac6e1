"""consilium reviews and their decisions, why a level changed, the plan's approval and the
parting planned ahead

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 16:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.db.base import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consiliums",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.Integer(), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=True),
        sa.Column("participant_ids", sa.JSON(), nullable=False),
        sa.Column("participants_text", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("next_review_on", sa.Date(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("held_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("held_by_id", sa.Integer(), nullable=True),
        sa.Column("cancelled_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["people.id"],
            name=op.f("fk_consiliums_created_by_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["family_id"],
            ["families.id"],
            name=op.f("fk_consiliums_family_id_families"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["held_by_id"],
            ["people.id"],
            name=op.f("fk_consiliums_held_by_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consiliums")),
    )
    with op.batch_alter_table("consiliums", schema=None) as batch_op:
        batch_op.create_index("ix_consiliums_family", ["family_id", "planned_on"], unique=False)
        batch_op.create_index("ix_consiliums_planned", ["planned_on", "held_on"], unique=False)

    op.create_table(
        "consilium_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consilium_id", sa.Integer(), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("who", sa.String(length=80), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["consilium_id"],
            ["consiliums.id"],
            name=op.f("fk_consilium_decisions_consilium_id_consiliums"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["people.id"],
            name=op.f("fk_consilium_decisions_created_by_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consilium_decisions")),
    )
    with op.batch_alter_table("consilium_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consilium_decisions_consilium_id"), ["consilium_id"], unique=False
        )

    op.create_table(
        "level_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.Integer(), nullable=False),
        sa.Column("from_level", sa.String(length=16), nullable=False),
        sa.Column("to_level", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("consilium_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["people.id"],
            name=op.f("fk_level_changes_changed_by_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["consilium_id"],
            ["consiliums.id"],
            name=op.f("fk_level_changes_consilium_id_consiliums"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["family_id"],
            ["families.id"],
            name=op.f("fk_level_changes_family_id_families"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_level_changes")),
    )
    with op.batch_alter_table("level_changes", schema=None) as batch_op:
        batch_op.create_index("ix_level_changes_family", ["family_id", "changed_at"], unique=False)

    with op.batch_alter_table("case_records", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("plan_approved_at", UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("plan_approved_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("plan_approved_consilium_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("final_meeting_planned_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("words_before", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("words_after", sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_case_records_plan_approved_consilium_id_consiliums"),
            "consiliums",
            ["plan_approved_consilium_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_case_records_plan_approved_by_id_people"),
            "people",
            ["plan_approved_by_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("case_records", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_case_records_plan_approved_by_id_people"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_case_records_plan_approved_consilium_id_consiliums"), type_="foreignkey"
        )
        batch_op.drop_column("words_after")
        batch_op.drop_column("words_before")
        batch_op.drop_column("final_meeting_planned_on")
        batch_op.drop_column("plan_approved_consilium_id")
        batch_op.drop_column("plan_approved_by_id")
        batch_op.drop_column("plan_approved_at")

    with op.batch_alter_table("level_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_level_changes_family")

    op.drop_table("level_changes")
    with op.batch_alter_table("consilium_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consilium_decisions_consilium_id"))

    op.drop_table("consilium_decisions")
    with op.batch_alter_table("consiliums", schema=None) as batch_op:
        batch_op.drop_index("ix_consiliums_planned")
        batch_op.drop_index("ix_consiliums_family")

    op.drop_table("consiliums")
