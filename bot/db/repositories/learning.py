"""The mentors' course: lessons done, sessions held in person, materials at hand, and the
profile's move to trained a coordinator confirms. Never commits: callers own the transaction."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    LessonProgress,
    MentorMaterial,
    MentorProfile,
    MentorStatus,
    MentorStatusChange,
    Person,
    PersonRole,
    Role,
    TrainingSession,
)


async def lessons_done(session: AsyncSession, person_id: int) -> list[LessonProgress]:
    rows = await session.scalars(
        select(LessonProgress)
        .where(LessonProgress.person_id == person_id)
        .order_by(LessonProgress.id)
    )
    return list(rows)


async def lesson_done(
    session: AsyncSession, person_id: int, lesson_code: str
) -> LessonProgress | None:
    found: LessonProgress | None = await session.scalar(
        select(LessonProgress).where(
            LessonProgress.person_id == person_id, LessonProgress.lesson_code == lesson_code
        )
    )
    return found


async def add_lesson_done(
    session: AsyncSession,
    *,
    person_id: int,
    lesson_code: str,
    subject_code: str,
    minutes: int,
    note: str | None,
    now: datetime,
) -> LessonProgress:
    row = LessonProgress(
        person_id=person_id,
        lesson_code=lesson_code,
        subject_code=subject_code,
        minutes=minutes,
        note=note,
        done_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def session_minutes(session: AsyncSession, person_id: int) -> int:
    total = await session.scalar(
        select(func.coalesce(func.sum(TrainingSession.minutes), 0)).where(
            TrainingSession.person_id == person_id
        )
    )
    return int(total or 0)


async def add_training_session(
    session: AsyncSession,
    *,
    person_id: int,
    held_on: date,
    subject_code: str,
    minutes: int,
    note: str | None,
    recorded_by_id: int,
    now: datetime,
) -> TrainingSession:
    row = TrainingSession(
        person_id=person_id,
        held_on=held_on,
        subject_code=subject_code,
        minutes=minutes,
        note=note,
        recorded_by_id=recorded_by_id,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def mentors(session: AsyncSession) -> list[tuple[int, str]]:
    """(person id, name) of everyone with the mentor role, by name."""
    rows = await session.execute(
        select(Person.id, Person.display_name)
        .join(PersonRole, PersonRole.person_id == Person.id)
        .where(PersonRole.role == Role.MENTOR.value)
        .order_by(Person.display_name, Person.id)
    )
    return [(person_id, name) for person_id, name in rows]


async def is_mentor(session: AsyncSession, person_id: int) -> bool:
    found = await session.scalar(
        select(PersonRole.person_id).where(
            PersonRole.person_id == person_id, PersonRole.role == Role.MENTOR.value
        )
    )
    return found is not None


async def profile(session: AsyncSession, person_id: int) -> MentorProfile | None:
    return await session.get(MentorProfile, person_id)


async def set_trained(
    session: AsyncSession, found: MentorProfile, *, changed_by_id: int, now: datetime
) -> None:
    """The profile moves to trained, with the history row that says who confirmed it."""
    session.add(
        MentorStatusChange(
            person_id=found.person_id,
            from_status=found.status,
            to_status=MentorStatus.TRAINED.value,
            reason=None,
            changed_at=now,
            changed_by_id=changed_by_id,
        )
    )
    found.status = MentorStatus.TRAINED.value
    found.status_at = now
    await session.flush()


async def materials(session: AsyncSession) -> list[MentorMaterial]:
    rows = await session.scalars(
        select(MentorMaterial)
        .where(MentorMaterial.removed_at.is_(None))
        .order_by(MentorMaterial.added_at, MentorMaterial.id)
    )
    return list(rows)


async def material(session: AsyncSession, material_id: int) -> MentorMaterial | None:
    found: MentorMaterial | None = await session.scalar(
        select(MentorMaterial).where(
            MentorMaterial.id == material_id, MentorMaterial.removed_at.is_(None)
        )
    )
    return found


async def add_material(
    session: AsyncSession, *, title: str, media: str, file_id: str, added_by_id: int, now: datetime
) -> MentorMaterial:
    row = MentorMaterial(
        title=title, media=media, file_id=file_id, added_by_id=added_by_id, added_at=now
    )
    session.add(row)
    await session.flush()
    return row


async def remove_material(session: AsyncSession, found: MentorMaterial, now: datetime) -> None:
    found.removed_at = now
    await session.flush()
