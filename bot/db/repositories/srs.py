"""Session Rating Scale answers after a network meeting (one per attendee, never changed).
Queries only; the caller commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import SrsResponse


async def has_answered(session: AsyncSession, participant_id: int) -> bool:
    found = await session.scalar(
        select(SrsResponse.id).where(SrsResponse.participant_id == participant_id)
    )
    return found is not None


async def add_once(
    session: AsyncSession,
    *,
    meeting_id: int,
    participant_id: int,
    scores: dict[str, int],
    total: int,
    comment: str | None,
    now: datetime,
) -> bool:
    """Store the participant's answer; False when they already answered (the unique
    participant_id refuses a second one, and only the savepoint is rolled back)."""
    try:
        async with session.begin_nested():
            session.add(
                SrsResponse(
                    meeting_id=meeting_id,
                    participant_id=participant_id,
                    scores=scores,
                    total=total,
                    comment=comment,
                    created_at=now,
                )
            )
            await session.flush()
    except IntegrityError:
        return False
    return True


async def of_meeting(session: AsyncSession, meeting_id: int) -> list[SrsResponse]:
    rows = await session.scalars(select(SrsResponse).where(SrsResponse.meeting_id == meeting_id))
    return list(rows)
