"""Network meetings: which meetings a /meetings list page shows, read in the starts_at index's
order (ix_meetings_starts_status covers starts_at and status)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Meeting, MeetingStatus


def _upcoming(now: datetime) -> ColumnElement[bool]:
    return (Meeting.starts_at >= now) & (Meeting.status == MeetingStatus.PLANNED.value)


def _awaiting(now: datetime) -> ColumnElement[bool]:
    """Started but not marked held: waiting for the coordinator to tick who came."""
    return (Meeting.status == MeetingStatus.PLANNED.value) & (Meeting.starts_at < now)


async def awaiting_count(session: AsyncSession, now: datetime) -> int:
    return int(await session.scalar(select(func.count(Meeting.id)).where(_awaiting(now))) or 0)


async def upcoming_ids(
    session: AsyncSession, now: datetime, offset: int, limit: int
) -> tuple[list[int], int]:
    """A page of planned meetings still to come, soonest first, and how many there are."""
    where = _upcoming(now)
    total = await session.scalar(select(func.count(Meeting.id)).where(where)) or 0
    ids = await session.scalars(
        select(Meeting.id)
        .where(where)
        .order_by(Meeting.starts_at.asc(), Meeting.id.asc())
        .offset(offset)
        .limit(limit)
    )
    return list(ids), int(total)


async def past_ids(
    session: AsyncSession, now: datetime, offset: int, limit: int
) -> tuple[list[int], int]:
    """A page of the other meetings: first those waiting for «who came», then held and
    cancelled ones, each latest first; and how many there are. Two index-ordered reads rather
    than one sort of every past meeting by a computed key."""
    total, waiting = (
        await session.execute(
            select(func.count(Meeting.id), func.count(case((_awaiting(now), 1)))).where(
                ~_upcoming(now)
            )
        )
    ).one()
    waiting = int(waiting or 0)
    order = (Meeting.starts_at.desc(), Meeting.id.desc())
    ids: list[int] = []
    if offset < waiting:
        ids += await session.scalars(
            select(Meeting.id).where(_awaiting(now)).order_by(*order).offset(offset).limit(limit)
        )
    if len(ids) < limit:
        ids += await session.scalars(
            select(Meeting.id)
            .where(Meeting.status != MeetingStatus.PLANNED.value)
            .order_by(*order)
            .offset(max(offset - waiting, 0))
            .limit(limit - len(ids))
        )
    return ids, int(total or 0)
