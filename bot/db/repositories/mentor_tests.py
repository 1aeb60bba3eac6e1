"""The candidates' test attempts (mentor_test_attempts) and the mentor profile they hang on.
Queries only; the caller commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import MentorProfile, MentorTestAttempt, Person


async def profile_of(session: AsyncSession, person_id: int) -> MentorProfile | None:
    return await session.get(MentorProfile, person_id)


async def latest_since(
    session: AsyncSession, person_id: int, since: datetime
) -> MentorTestAttempt | None:
    """The person's newest attempt started at or after `since` (their move to candidate)."""
    return await session.scalar(
        select(MentorTestAttempt)
        .where(MentorTestAttempt.person_id == person_id, MentorTestAttempt.started_at >= since)
        .order_by(MentorTestAttempt.started_at.desc(), MentorTestAttempt.id.desc())
        .limit(1)
    )


async def latest_finished(session: AsyncSession, person_id: int) -> MentorTestAttempt | None:
    return await session.scalar(
        select(MentorTestAttempt)
        .where(
            MentorTestAttempt.person_id == person_id,
            MentorTestAttempt.finished_at.is_not(None),
        )
        .order_by(MentorTestAttempt.finished_at.desc(), MentorTestAttempt.id.desc())
        .limit(1)
    )


async def by_id(session: AsyncSession, attempt_id: int) -> MentorTestAttempt | None:
    return await session.get(MentorTestAttempt, attempt_id)


async def start(
    session: AsyncSession, person_id: int, answers: dict[str, str], now: datetime
) -> MentorTestAttempt:
    attempt = MentorTestAttempt(person_id=person_id, answers=answers, started_at=now)
    session.add(attempt)
    await session.flush()
    return attempt


async def lock(session: AsyncSession, person_id: int) -> None:
    """Serialise two presses of the same candidate (PostgreSQL; SQLite writes one at a time)."""
    await session.execute(
        select(MentorProfile.person_id)
        .where(MentorProfile.person_id == person_id)
        .with_for_update()
    )


async def name_of(session: AsyncSession, person_id: int) -> str | None:
    return await session.scalar(select(Person.display_name).where(Person.id == person_id))
