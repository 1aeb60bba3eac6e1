"""A family's intake: its request (one row) and its make-up (the members). Queries only; the
caller commits."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import CaseRequest, FamilyMember


async def request_of(session: AsyncSession, family_id: int) -> CaseRequest | None:
    found: CaseRequest | None = await session.scalar(
        select(CaseRequest).where(CaseRequest.family_id == family_id)
    )
    return found


async def members_of(session: AsyncSession, family_id: int) -> list[FamilyMember]:
    """Adults first, then children; each by year of birth (unknown last), then as added."""
    rows = await session.scalars(
        select(FamilyMember)
        .where(FamilyMember.family_id == family_id)
        .order_by(
            FamilyMember.is_child,
            FamilyMember.birth_year.is_(None),
            FamilyMember.birth_year,
            FamilyMember.id,
        )
    )
    return list(rows)


async def member_by_id(session: AsyncSession, member_id: int) -> FamilyMember | None:
    return await session.get(FamilyMember, member_id)


async def member_count(session: AsyncSession, family_id: int) -> int:
    found = await session.scalar(
        select(func.count(FamilyMember.id)).where(FamilyMember.family_id == family_id)
    )
    return int(found or 0)


async def remove_member(session: AsyncSession, member_id: int) -> None:
    await session.execute(delete(FamilyMember).where(FamilyMember.id == member_id))
