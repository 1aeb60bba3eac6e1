"""Decisions of network meetings, and the rows their reminders are planned from. Queries only;
the caller commits."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Meeting, MeetingDecision, MeetingStatus


async def by_id(session: AsyncSession, decision_id: int) -> MeetingDecision | None:
    return await session.get(MeetingDecision, decision_id)


async def count_of_meeting(session: AsyncSession, meeting_id: int) -> int:
    found = await session.scalar(
        select(func.count(MeetingDecision.id)).where(MeetingDecision.meeting_id == meeting_id)
    )
    return int(found or 0)


async def open_first(session: AsyncSession, meeting_id: int) -> list[MeetingDecision]:
    """A meeting's decisions: open ones first, soonest due first."""
    rows = await session.scalars(
        select(MeetingDecision)
        .where(MeetingDecision.meeting_id == meeting_id)
        .order_by(
            MeetingDecision.done_at.is_not(None), MeetingDecision.due_date, MeetingDecision.id
        )
    )
    return list(rows)


async def of_meeting(session: AsyncSession, meeting_id: int) -> list[MeetingDecision]:
    """A meeting's decisions in no particular order."""
    rows = await session.scalars(
        select(MeetingDecision).where(MeetingDecision.meeting_id == meeting_id)
    )
    return list(rows)


async def open_due_between(
    session: AsyncSession, earliest: date, latest: date
) -> list[tuple[MeetingDecision, Meeting]]:
    """Open decisions of meetings not cancelled, due from `earliest` to `latest`, with their
    meeting, oldest decision first."""
    result = await session.execute(
        select(MeetingDecision, Meeting)
        .join(Meeting, Meeting.id == MeetingDecision.meeting_id)
        .where(
            MeetingDecision.done_at.is_(None),
            Meeting.status != MeetingStatus.CANCELLED.value,
            MeetingDecision.due_date <= latest,
            MeetingDecision.due_date >= earliest,
        )
        .order_by(MeetingDecision.id)
    )
    return [(r[0], r[1]) for r in result.all()]


async def held_between(
    session: AsyncSession, earliest: datetime, latest: datetime
) -> list[Meeting]:
    """Held meetings that started from `earliest` to `latest`, oldest meeting first."""
    rows = await session.scalars(
        select(Meeting)
        .where(
            Meeting.status == MeetingStatus.HELD.value,
            Meeting.starts_at <= latest,
            Meeting.starts_at >= earliest,
        )
        .order_by(Meeting.id)
    )
    return list(rows)
