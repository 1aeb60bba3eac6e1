"""Session Rating Scale answers after a network meeting (one per attendee, never changed).
Queries only; the caller commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Meeting, MeetingParticipant, MeetingStatus, SrsResponse


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


async def set_reflection(session: AsyncSession, participant_id: int, text: str) -> bool:
    """The answer to the open question, added once to a stored survey; False when there is no
    survey of this participant or it already has one."""
    result = await session.execute(
        update(SrsResponse)
        .where(SrsResponse.participant_id == participant_id, SrsResponse.reflection.is_(None))
        .values(reflection=text)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def of_meeting_with_participants(
    session: AsyncSession, meeting_id: int
) -> list[tuple[SrsResponse, MeetingParticipant]]:
    """The meeting's answers with who gave them, oldest first."""
    rows = await session.execute(
        select(SrsResponse, MeetingParticipant)
        .join(MeetingParticipant, MeetingParticipant.id == SrsResponse.participant_id)
        .where(SrsResponse.meeting_id == meeting_id)
        .order_by(SrsResponse.created_at, SrsResponse.id)
    )
    return [(response, participant) for response, participant in rows]


async def earlier_in_family(
    session: AsyncSession, family_id: int, before: datetime
) -> list[tuple[SrsResponse, MeetingParticipant, Meeting]]:
    """Answers given at the family's held meetings that started before `before`, newest meeting
    first. Which child and which person match is the caller's rule (names compare case-blind in
    Python: SQLite's lower() knows ASCII only)."""
    rows = await session.execute(
        select(SrsResponse, MeetingParticipant, Meeting)
        .join(MeetingParticipant, MeetingParticipant.id == SrsResponse.participant_id)
        .join(Meeting, Meeting.id == SrsResponse.meeting_id)
        .where(
            Meeting.family_id == family_id,
            Meeting.status == MeetingStatus.HELD.value,
            Meeting.starts_at < before,
        )
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    )
    return [(response, participant, meeting) for response, participant, meeting in rows]
