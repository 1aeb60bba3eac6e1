"""Aggregates for the coordinators' weekly digest: counts in SQL, short lists with LIMIT.

No query reads all visits; each is a per-family or per-mentor index probe that stops early:
- "a visit after the cutoff": a range seek on ix_visits_family_date (family_id, visit_date) or
  ix_visits_mentor_date (mentor_id, visit_date), plus one table read to see deleted_at;
- "the last visit": a backward walk of the same index, stopping at the first live visit;
- family_links through their unique (family_id, person_id, kind) index and person_id index;
  safety concerns are few (the list starts from them, then joins by primary key).
The table read for deleted_at is most of the cost at 1,000,000 visits (SQLite); partial
indexes ``(family_id, visit_date) WHERE deleted_at IS NULL`` and ``(mentor_id, visit_date)
WHERE deleted_at IS NULL`` would make every probe index-only; the schema has none yet.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Family, FamilyLink, FamilyLinkKind, Person, SafetyConcern, Visit

Named = tuple[str, date | None]


def _last_visit(column: Any) -> Any:
    """The date of the last live visit matching `column` (correlated): a backward walk of the
    (…, visit_date) index that stops at the first visit not deleted."""
    return (
        select(Visit.visit_date)
        .where(column, Visit.deleted_at.is_(None))
        .order_by(Visit.visit_date.desc())
        .limit(1)
        .scalar_subquery()
    )


async def mentors(
    session: AsyncSession, *, no_visit_after: date, assigned_before: datetime, limit: int
) -> tuple[int, int, list[Named]]:
    """(people mentoring an active family, those of them with no visit after the date who have
    been mentoring since before `assigned_before`, the first `limit` of those, longest without
    a visit first: name and last visit).

    One query, a row per mentor (each check stops at the first matching row), counted by
    window functions; only `limit` rows come back."""
    mentors_link = and_(
        FamilyLink.person_id == Person.id, FamilyLink.kind == FamilyLinkKind.MENTOR.value
    )
    has_active_family = exists().where(
        mentors_link, Family.id == FamilyLink.family_id, Family.closed_at.is_(None)
    )
    mentoring_long_enough = exists().where(mentors_link, FamilyLink.created_at <= assigned_before)
    visited = exists().where(
        Visit.mentor_id == Person.id,
        Visit.visit_date > no_visit_after,
        Visit.deleted_at.is_(None),
    )
    per_mentor = (
        select(
            Person.display_name.label("name"),
            Person.id.label("id"),
            # Nested, so the assignment dates are read only for mentors with no recent visit.
            case((visited, 0), else_=case((mentoring_long_enough, 1), else_=0)).label("idle"),
            _last_visit(Visit.mentor_id == Person.id).label("last_visit"),
        )
        .where(has_active_family)
        .subquery()
    )
    rows = (
        await session.execute(
            select(
                per_mentor.c.name,
                per_mentor.c.last_visit,
                per_mentor.c.idle,
                func.count().over().label("total"),
                func.sum(per_mentor.c.idle).over().label("idle_count"),
            )
            .order_by(
                per_mentor.c.idle.desc(),
                per_mentor.c.last_visit.asc().nulls_first(),
                per_mentor.c.name,
                per_mentor.c.id,
            )
            .limit(limit)
        )
    ).all()
    if not rows:
        return 0, 0, []
    total, idle_count = int(rows[0].total), int(rows[0].idle_count or 0)
    return total, idle_count, [(row.name, row.last_visit) for row in rows if row.idle]


async def families(
    session: AsyncSession, *, no_visit_after: date, created_before: datetime, limit: int
) -> tuple[int, int, list[Named]]:
    """(active families, those created before `created_before` with no visit after the date,
    the first `limit` of those, longest without a visit first: name and last visit).

    The idle families are counted by a window function over the same query that lists them, so
    the per-family probe (an index seek on ix_visits_family_date) runs once per family."""
    active = Family.closed_at.is_(None)
    total = int(await session.scalar(select(func.count(Family.id)).where(active)) or 0)
    visited = exists().where(
        Visit.family_id == Family.id,
        Visit.visit_date > no_visit_after,
        Visit.deleted_at.is_(None),
    )
    last_visit = _last_visit(Visit.family_id == Family.id).label("last_visit")
    rows = (
        await session.execute(
            select(Family.name, last_visit, func.count().over().label("idle_count"))
            .where(active, Family.created_at <= created_before, ~visited)
            .order_by(last_visit.asc().nulls_first(), Family.name, Family.id)
            .limit(limit)
        )
    ).all()
    idle_count = int(rows[0].idle_count) if rows else 0
    return total, idle_count, [(row.name, row.last_visit) for row in rows]


async def open_concerns(
    session: AsyncSession, *, raised_since: datetime, limit: int
) -> tuple[int, int, list[Named]]:
    """(open concerns, concerns raised since the moment, the oldest open ones: family name and
    visit date). The list starts from the few open concerns, then joins by primary keys."""
    is_open = SafetyConcern.acknowledged_at.is_(None)
    counts = (
        await session.execute(
            select(
                func.count(SafetyConcern.id).filter(is_open),
                func.count(SafetyConcern.id).filter(SafetyConcern.raised_at >= raised_since),
            )
        )
    ).one()
    oldest = (
        select(
            SafetyConcern.id,
            SafetyConcern.family_id,
            SafetyConcern.visit_id,
            SafetyConcern.raised_at,
        )
        .where(is_open)
        .order_by(SafetyConcern.raised_at, SafetyConcern.id)
        .limit(limit)
        .subquery()
    )
    rows = await session.execute(
        select(Family.name, Visit.visit_date)
        .select_from(oldest)
        .join(Family, Family.id == oldest.c.family_id)
        .join(Visit, Visit.id == oldest.c.visit_id)
        .order_by(oldest.c.raised_at, oldest.c.id)
    )
    return int(counts[0] or 0), int(counts[1] or 0), [(name, day) for name, day in rows]
