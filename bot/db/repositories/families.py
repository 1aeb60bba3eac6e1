from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Family, FamilyLink


async def by_id(session: AsyncSession, family_id: int) -> Family | None:
    return await session.get(Family, family_id)


async def page(
    session: AsyncSession, *, offset: int, limit: int, search: str | None = None
) -> tuple[list[Family], int]:
    query = select(Family).where(Family.closed_at.is_(None))
    if search:
        query = query.where(Family.search_name.contains(search.casefold(), autoescape=True))
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await session.scalars(query.order_by(Family.name, Family.id).offset(offset).limit(limit))
    return list(rows), total


async def link(
    session: AsyncSession, family_id: int, person_id: int, kind: str, now: datetime
) -> None:
    exists = await session.scalar(
        select(FamilyLink.id).where(
            FamilyLink.family_id == family_id,
            FamilyLink.person_id == person_id,
            FamilyLink.kind == kind,
        )
    )
    if exists is None:
        session.add(FamilyLink(family_id=family_id, person_id=person_id, kind=kind, created_at=now))
        await session.flush()


async def is_linked(
    session: AsyncSession, family_id: int, person_id: int, kinds: Collection[str]
) -> bool:
    found = await session.scalar(
        select(FamilyLink.id).where(
            FamilyLink.family_id == family_id,
            FamilyLink.person_id == person_id,
            FamilyLink.kind.in_(kinds),
        )
    )
    return found is not None
