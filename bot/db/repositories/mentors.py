"""The mentors' registry rows: a mentor's profile (status now) and its history of moves.
Repositories never commit: callers own the transaction."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import MentorProfile, MentorStatusChange, Person


async def profile(session: AsyncSession, person_id: int) -> MentorProfile | None:
    return await session.get(MentorProfile, person_id)


async def history(
    session: AsyncSession, person_id: int
) -> list[tuple[MentorStatusChange, str | None]]:
    """The mentor's status moves, newest first, with the name of who moved it (None: the bot,
    at joining)."""
    query = (
        select(MentorStatusChange, Person.display_name)
        .outerjoin(Person, Person.id == MentorStatusChange.changed_by_id)
        .where(MentorStatusChange.person_id == person_id)
        .order_by(MentorStatusChange.changed_at.desc(), MentorStatusChange.id.desc())
    )
    return [(change, name) for change, name in await session.execute(query)]
