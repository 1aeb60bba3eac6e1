"""A family's consilium reviews, their decisions and the history of its support level. Queries
only; the caller commits."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import CaseRecord, Consilium, ConsiliumDecision, Family, LevelChange


async def by_id(session: AsyncSession, consilium_id: int) -> Consilium | None:
    return await session.get(Consilium, consilium_id)


async def of_family(session: AsyncSession, family_id: int) -> list[Consilium]:
    """Newest planned day first; cancelled ones too (the screen leaves them out or marks them)."""
    rows = await session.scalars(
        select(Consilium)
        .where(Consilium.family_id == family_id)
        .order_by(Consilium.planned_on.desc(), Consilium.id.desc())
    )
    return list(rows)


async def pending_of_family(session: AsyncSession, family_id: int) -> Consilium | None:
    """The consilium planned and neither held nor cancelled, if any."""
    found: Consilium | None = await session.scalar(
        select(Consilium)
        .where(
            Consilium.family_id == family_id,
            Consilium.held_on.is_(None),
            Consilium.cancelled_at.is_(None),
        )
        .order_by(Consilium.planned_on, Consilium.id)
        .limit(1)
    )
    return found


async def planned_between(
    session: AsyncSession, earliest: date, latest: date
) -> list[tuple[Consilium, Family]]:
    """Consiliums planned on these days, not held or cancelled, of open families (reminders)."""
    rows = await session.execute(
        select(Consilium, Family)
        .join(Family, Family.id == Consilium.family_id)
        .where(
            Consilium.planned_on.between(earliest, latest),
            Consilium.held_on.is_(None),
            Consilium.cancelled_at.is_(None),
            Family.closed_at.is_(None),
        )
        .order_by(Consilium.id)
    )
    return [(c, f) for c, f in rows.all()]


async def final_meetings_between(
    session: AsyncSession, earliest: date, latest: date
) -> list[tuple[CaseRecord, Family]]:
    """Final meetings planned on these days, of families still open (reminders)."""
    rows = await session.execute(
        select(CaseRecord, Family)
        .join(Family, Family.id == CaseRecord.family_id)
        .where(
            CaseRecord.final_meeting_planned_on.between(earliest, latest),
            Family.closed_at.is_(None),
        )
        .order_by(CaseRecord.id)
    )
    return [(r, f) for r, f in rows.all()]


async def decisions_of(session: AsyncSession, consilium_id: int) -> list[ConsiliumDecision]:
    rows = await session.scalars(
        select(ConsiliumDecision)
        .where(ConsiliumDecision.consilium_id == consilium_id)
        .order_by(ConsiliumDecision.id)
    )
    return list(rows)


async def decision_with_family(
    session: AsyncSession, decision_id: int
) -> tuple[ConsiliumDecision, int] | None:
    row = (
        await session.execute(
            select(ConsiliumDecision, Consilium.family_id)
            .join(Consilium, Consilium.id == ConsiliumDecision.consilium_id)
            .where(ConsiliumDecision.id == decision_id)
        )
    ).first()
    return (row[0], int(row[1])) if row else None


async def level_changes_of(session: AsyncSession, family_id: int) -> list[LevelChange]:
    rows = await session.scalars(
        select(LevelChange)
        .where(LevelChange.family_id == family_id)
        .order_by(LevelChange.changed_at, LevelChange.id)
    )
    return list(rows)
