"""What shows a network meeting's effect: the facilitators' assessment of its process and the
record two weeks after it. Queries only; the caller commits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Meeting, MeetingDecision, MeetingFollowUp, MeetingProcessAssessment


async def process_of(session: AsyncSession, meeting_id: int) -> MeetingProcessAssessment | None:
    return await session.scalar(
        select(MeetingProcessAssessment).where(MeetingProcessAssessment.meeting_id == meeting_id)
    )


async def follow_up_of(session: AsyncSession, meeting_id: int) -> MeetingFollowUp | None:
    return await session.scalar(
        select(MeetingFollowUp).where(MeetingFollowUp.meeting_id == meeting_id)
    )


async def open_decisions(session: AsyncSession, meeting_id: int) -> list[MeetingDecision]:
    """A meeting's decisions not done yet, soonest due first."""
    rows = await session.scalars(
        select(MeetingDecision)
        .where(MeetingDecision.meeting_id == meeting_id, MeetingDecision.done_at.is_(None))
        .order_by(MeetingDecision.due_date, MeetingDecision.id)
    )
    return list(rows)


async def follow_ups_of_family(
    session: AsyncSession, family_id: int
) -> list[tuple[Meeting, MeetingFollowUp]]:
    """The family's meetings that have a two-week record, latest meeting first."""
    result = await session.execute(
        select(Meeting, MeetingFollowUp)
        .join(MeetingFollowUp, MeetingFollowUp.meeting_id == Meeting.id)
        .where(Meeting.family_id == family_id)
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    )
    return [(row[0], row[1]) for row in result.all()]
