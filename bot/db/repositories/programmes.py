"""Queries about enrollments: a family's current or latest one, and stopping the running one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Enrollment, EnrollmentStatus

RUNNING = (EnrollmentStatus.ACTIVE.value, EnrollmentStatus.PAUSED.value)


async def by_id(session: AsyncSession, enrollment_id: int) -> Enrollment | None:
    return await session.get(Enrollment, enrollment_id)


async def current(session: AsyncSession, family_id: int) -> Enrollment | None:
    """The family's newest active or paused enrollment."""
    return await session.scalar(
        select(Enrollment)
        .where(Enrollment.family_id == family_id, Enrollment.status.in_(RUNNING))
        .order_by(Enrollment.id.desc())
        .limit(1)
    )


async def newest(session: AsyncSession, family_id: int) -> Enrollment | None:
    """The family's newest enrollment, whatever its status."""
    return await session.scalar(
        select(Enrollment)
        .where(Enrollment.family_id == family_id)
        .order_by(Enrollment.id.desc())
        .limit(1)
    )


async def of_family(session: AsyncSession, family_id: int) -> list[Enrollment]:
    """All of a family's enrollments, newest first."""
    rows = await session.scalars(
        select(Enrollment).where(Enrollment.family_id == family_id).order_by(Enrollment.id.desc())
    )
    return list(rows)


async def stop_running(session: AsyncSession, family_id: int, now: datetime) -> None:
    """Stop the family's active or paused enrollments (the case was closed)."""
    await session.execute(
        update(Enrollment)
        .where(
            Enrollment.family_id == family_id,
            Enrollment.status.in_([EnrollmentStatus.ACTIVE.value, EnrollmentStatus.PAUSED.value]),
        )
        .values(status=EnrollmentStatus.STOPPED.value, stopped_at=now, next_release_at=None)
        .execution_options(synchronize_session=False)
    )
