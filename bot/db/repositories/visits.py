"""Visits and the safety concerns raised from them. Queries only; the caller commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Family, FamilyLink, FamilyLinkKind, Person, SafetyConcern, Visit
from bot.db.upsert import insert_unless_exists


async def by_id(session: AsyncSession, visit_id: int) -> Visit | None:
    return await session.get(Visit, visit_id)


async def by_draft_key(session: AsyncSession, draft_key: str) -> Visit | None:
    return await session.scalar(select(Visit).where(Visit.draft_key == draft_key))


async def insert_once(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert a visit unless one with the same draft key exists; True when a row was added."""
    return await insert_unless_exists(session, Visit, values, [Visit.draft_key])


async def add_concern_once(
    session: AsyncSession, *, visit_id: int, family_id: int, now: datetime
) -> bool:
    """One safety concern per visit; a second insert for the same visit is a no-op."""
    return await insert_unless_exists(
        session,
        SafetyConcern,
        {
            "visit_id": visit_id,
            "family_id": family_id,
            "raised_at": now,
            "alerts_sent": 0,
            "next_alert_at": now,
        },
        [SafetyConcern.visit_id],
    )


async def mentor_families(session: AsyncSession, person_id: int) -> list[Family]:
    """Open families the person is attached to as a mentor, by name."""
    rows = await session.scalars(
        select(Family)
        .join(FamilyLink, FamilyLink.family_id == Family.id)
        .where(
            FamilyLink.person_id == person_id,
            FamilyLink.kind == FamilyLinkKind.MENTOR.value,
            Family.closed_at.is_(None),
        )
        .order_by(Family.name, Family.id)
    )
    return list(rows)


Row = tuple[Visit, str, str | None]  # visit, family name, mentor's display name


def _rows() -> Select[Visit, str, str]:
    return (
        select(Visit, Family.name, Person.display_name)
        .join(Family, Family.id == Visit.family_id)
        .outerjoin(Person, Person.id == Visit.mentor_id)
        .where(Visit.deleted_at.is_(None))
    )


async def _page(
    session: AsyncSession, query: Select[Visit, str, str], offset: int, limit: int
) -> tuple[list[Row], int]:
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    result = await session.execute(
        query.order_by(Visit.visit_date.desc(), Visit.id.desc()).offset(offset).limit(limit)
    )
    return [(r[0], r[1], r[2]) for r in result.all()], total


async def page_of_mentor(
    session: AsyncSession,
    mentor_id: int,
    *,
    offset: int,
    limit: int,
    family_id: int | None = None,
) -> tuple[list[Row], int]:
    query = _rows().where(Visit.mentor_id == mentor_id)
    if family_id is not None:
        query = query.where(Visit.family_id == family_id)
    return await _page(session, query, offset, limit)


async def page_of_family(
    session: AsyncSession, family_id: int, *, offset: int, limit: int
) -> tuple[list[Row], int]:
    return await _page(session, _rows().where(Visit.family_id == family_id), offset, limit)


async def row(session: AsyncSession, visit_id: int) -> Row | None:
    result = await session.execute(
        select(Visit, Family.name, Person.display_name)
        .join(Family, Family.id == Visit.family_id)
        .outerjoin(Person, Person.id == Visit.mentor_id)
        .where(Visit.id == visit_id)
    )
    found = result.first()
    return (found[0], found[1], found[2]) if found else None
