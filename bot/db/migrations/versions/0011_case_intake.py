"""the case's intake: the request, the family's make-up, the assessment and the documents

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.db.base import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _person(column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["people.id"], ondelete="SET NULL")


def _family() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["family_id"], ["families.id"], ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "case_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("words", sa.Text(), nullable=True),
        sa.Column("difficulties", sa.JSON(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("level_signs", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        _family(),
        _person("created_by_id"),
        _person("updated_by_id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("family_id"),
    )
    op.create_index("ix_case_requests_received", "case_requests", ["received_on"])
    op.create_table(
        "family_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("is_child", sa.Boolean(), nullable=False),
        sa.Column("relation", sa.String(length=24), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        _family(),
        _person("created_by_id"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_family_members_family", "family_members", ["family_id", "is_child"])
    op.create_table(
        "case_assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=16), nullable=False),
        sa.Column("aspect", sa.String(length=32), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("assessed_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        _family(),
        _person("assessed_by_id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("family_id", "phase", "aspect"),
    )
    op.create_table(
        "case_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("dated", sa.Date(), nullable=False),
        sa.Column("media", sa.String(length=16), nullable=False),
        sa.Column("file_id", sa.String(length=256), nullable=True),
        sa.Column("added_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        _family(),
        _person("added_by_id"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_documents_family", "case_documents", ["family_id", "dated"])


def downgrade() -> None:
    op.drop_index("ix_case_documents_family", table_name="case_documents")
    op.drop_table("case_documents")
    op.drop_table("case_assessments")
    op.drop_index("ix_family_members_family", table_name="family_members")
    op.drop_table("family_members")
    op.drop_index("ix_case_requests_received", table_name="case_requests")
    op.drop_table("case_requests")
