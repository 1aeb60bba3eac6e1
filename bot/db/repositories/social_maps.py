"""A child's social map: snapshots, the people on them, and the meeting list filled from them.
Queries only; the caller commits."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Meeting, MeetingParticipant, SocialMap, SocialMapPerson


async def by_id(session: AsyncSession, map_id: int) -> SocialMap | None:
    return await session.get(SocialMap, map_id)


async def person_by_id(session: AsyncSession, person_id: int) -> SocialMapPerson | None:
    return await session.get(SocialMapPerson, person_id)


async def people_of(session: AsyncSession, map_id: int) -> list[SocialMapPerson]:
    """The people on a snapshot, closest circle first."""
    rows = await session.scalars(
        select(SocialMapPerson)
        .where(SocialMapPerson.map_id == map_id)
        .order_by(SocialMapPerson.circle, SocialMapPerson.id)
    )
    return list(rows)


async def latest(session: AsyncSession, family_id: int, child_key: str) -> SocialMap | None:
    """The child's most recent snapshot."""
    return await session.scalar(
        select(SocialMap)
        .where(SocialMap.family_id == family_id, SocialMap.child_key == child_key)
        .order_by(SocialMap.taken_on.desc(), SocialMap.id.desc())
        .limit(1)
    )


async def meeting_child_names(session: AsyncSession, family_id: int) -> list[str]:
    """The child's name of each of the family's meetings, oldest meeting first."""
    rows = await session.execute(
        select(Meeting.child_name).where(Meeting.family_id == family_id).order_by(Meeting.id)
    )
    return [name for (name,) in rows]


async def map_child_names(session: AsyncSession, family_id: int) -> list[str]:
    """The child's name of each of the family's snapshots, oldest snapshot first."""
    rows = await session.execute(
        select(SocialMap.child_name).where(SocialMap.family_id == family_id).order_by(SocialMap.id)
    )
    return [name for (name,) in rows]


async def snapshot_rows(
    session: AsyncSession, family_id: int, child_key: str
) -> list[tuple[int, date, int]]:
    """(id, date, how many people) of each of the child's snapshots, latest first."""
    rows = await session.execute(
        select(SocialMap.id, SocialMap.taken_on, func.count(SocialMapPerson.id))
        .outerjoin(SocialMapPerson, SocialMapPerson.map_id == SocialMap.id)
        .where(SocialMap.family_id == family_id, SocialMap.child_key == child_key)
        .group_by(SocialMap.id, SocialMap.taken_on)
        .order_by(SocialMap.taken_on.desc(), SocialMap.id.desc())
    )
    return [(map_id, taken_on, int(n or 0)) for map_id, taken_on, n in rows]


async def people_count(session: AsyncSession, map_id: int) -> int:
    count = await session.scalar(
        select(func.count(SocialMapPerson.id)).where(SocialMapPerson.map_id == map_id)
    )
    return int(count or 0)


async def delete_person(session: AsyncSession, map_id: int, person_id: int) -> bool:
    """Take someone off a snapshot; False when they were not on it."""
    result = await session.execute(
        delete(SocialMapPerson).where(
            SocialMapPerson.id == person_id, SocialMapPerson.map_id == map_id
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def previous_id(session: AsyncSession, found: SocialMap) -> int | None:
    """The child's snapshot just before `found` (by date, then by id)."""
    return await session.scalar(
        select(SocialMap.id)
        .where(
            SocialMap.family_id == found.family_id,
            SocialMap.child_key == found.child_key,
            (SocialMap.taken_on < found.taken_on)
            | ((SocialMap.taken_on == found.taken_on) & (SocialMap.id < found.id)),
        )
        .order_by(SocialMap.taken_on.desc(), SocialMap.id.desc())
        .limit(1)
    )


async def child_keys(session: AsyncSession, family_id: int) -> list[str]:
    """The distinct children the family has snapshots of."""
    rows = await session.scalars(
        select(SocialMap.child_key).where(SocialMap.family_id == family_id).distinct()
    )
    return list(rows)


async def participant_names(session: AsyncSession, meeting_id: int) -> list[str]:
    rows = await session.scalars(
        select(MeetingParticipant.name).where(MeetingParticipant.meeting_id == meeting_id)
    )
    return list(rows)
