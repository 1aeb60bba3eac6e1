"""visit_codes: one row per code of a live visit's methods and help, filled from the visits

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 16:40:00
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

BATCH = 5_000  # visits read, and their codes inserted, at a time

# The tables as they are at this revision (not the models, which may change later).
visits = sa.table(
    "visits",
    sa.column("id", sa.Integer()),
    sa.column("family_id", sa.Integer()),
    sa.column("visit_date", sa.Date()),
    sa.column("methods", sa.JSON()),
    sa.column("help_given", sa.JSON()),
    sa.column("deleted_at", sa.DateTime()),
)
visit_codes = sa.table(
    "visit_codes",
    sa.column("visit_id", sa.Integer()),
    sa.column("kind", sa.String()),
    sa.column("code", sa.String()),
    sa.column("family_id", sa.Integer()),
    sa.column("visit_date", sa.Date()),
)


def upgrade() -> None:
    op.create_table(
        "visit_codes",
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("family_id", sa.Integer(), nullable=False),
        sa.Column("visit_date", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["family_id"], ["families.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["visit_id"], ["visits.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("visit_id", "kind", "code"),
    )
    _backfill()
    # After the rows: building an index once is cheaper than keeping it through the inserts.
    with op.batch_alter_table("visit_codes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_visit_codes_code", ["kind", "code", "visit_date", "family_id"], unique=False
        )
        batch_op.create_index(
            "ix_visit_codes_family", ["family_id", "kind", "visit_date", "code"], unique=False
        )


def _codes(value: Any) -> list[str]:
    """A JSON list's codes, each once (a driver that hands back the text is parsed here)."""
    if isinstance(value, str):
        value = json.loads(value)
    if not isinstance(value, list):
        return []
    return list(dict.fromkeys(str(code) for code in value if code))


def _backfill() -> None:
    """Every live visit's codes, BATCH visits at a time in the order of their ids."""
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(
            sa.select(
                visits.c.id,
                visits.c.family_id,
                visits.c.visit_date,
                visits.c.methods,
                visits.c.help_given,
            )
            .where(visits.c.id > last, visits.c.deleted_at.is_(None))
            .order_by(visits.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        values = [
            {
                "visit_id": visit_id,
                "kind": kind,
                "code": code,
                "family_id": family_id,
                "visit_date": day,
            }
            for visit_id, family_id, day, methods, help_given in rows
            for kind, codes in (("method", methods), ("help", help_given))
            for code in _codes(codes)
        ]
        if values:
            bind.execute(visit_codes.insert(), values)
        last = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("visit_codes", schema=None) as batch_op:
        batch_op.drop_index("ix_visit_codes_family")
        batch_op.drop_index("ix_visit_codes_code")
    op.drop_table("visit_codes")
