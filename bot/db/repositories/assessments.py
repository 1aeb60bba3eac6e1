"""A family's case assessment: one row per family, phase (intake, final) and aspect. Queries
only; the caller commits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import CaseAssessment


async def of_family(session: AsyncSession, family_id: int) -> list[CaseAssessment]:
    """Every row of the family, by phase, then aspect."""
    rows = await session.scalars(
        select(CaseAssessment)
        .where(CaseAssessment.family_id == family_id)
        .order_by(CaseAssessment.phase, CaseAssessment.aspect)
    )
    return list(rows)


async def of_phase(session: AsyncSession, family_id: int, phase: str) -> list[CaseAssessment]:
    rows = await session.scalars(
        select(CaseAssessment)
        .where(CaseAssessment.family_id == family_id, CaseAssessment.phase == phase)
        .order_by(CaseAssessment.aspect)
    )
    return list(rows)


async def find(
    session: AsyncSession, family_id: int, phase: str, aspect: str
) -> CaseAssessment | None:
    found: CaseAssessment | None = await session.scalar(
        select(CaseAssessment).where(
            CaseAssessment.family_id == family_id,
            CaseAssessment.phase == phase,
            CaseAssessment.aspect == aspect,
        )
    )
    return found
