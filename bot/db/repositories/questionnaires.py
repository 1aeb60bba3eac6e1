"""Queries about questionnaire responses."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import QuestionnairePhase, QuestionnaireResponse


async def answered(session: AsyncSession, enrollment_id: int, phase: QuestionnairePhase) -> bool:
    """Has the family given its response for this enrollment and phase?"""
    found = await session.scalar(
        select(QuestionnaireResponse.id).where(
            QuestionnaireResponse.enrollment_id == enrollment_id,
            QuestionnaireResponse.phase == phase.value,
        )
    )
    return found is not None
