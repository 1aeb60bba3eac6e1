"""Queries about the evaluations of a programme at its end: the family's own and the
specialists'. One of each per enrollment (unique enrollment_id); none of these commits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import ProgrammeEvaluation, SpecialistEvaluation


async def family_of(session: AsyncSession, enrollment_id: int) -> ProgrammeEvaluation | None:
    """The family's own evaluation of this enrollment, if given."""
    found: ProgrammeEvaluation | None = await session.scalar(
        select(ProgrammeEvaluation).where(ProgrammeEvaluation.enrollment_id == enrollment_id)
    )
    return found


async def specialist_of(session: AsyncSession, enrollment_id: int) -> SpecialistEvaluation | None:
    """The specialists' evaluation of this enrollment, if recorded."""
    found: SpecialistEvaluation | None = await session.scalar(
        select(SpecialistEvaluation).where(SpecialistEvaluation.enrollment_id == enrollment_id)
    )
    return found


async def add_family(session: AsyncSession, evaluation: ProgrammeEvaluation) -> None:
    """Adds and flushes: a second one for the enrollment raises IntegrityError here."""
    session.add(evaluation)
    await session.flush()


async def add_specialist(session: AsyncSession, evaluation: SpecialistEvaluation) -> None:
    """Adds and flushes: a second one for the enrollment raises IntegrityError here."""
    session.add(evaluation)
    await session.flush()
