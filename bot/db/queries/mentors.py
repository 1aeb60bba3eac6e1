"""The mentors' registry read model (/mentors): one page of mentors with their figures in a fixed
number of queries (never one per mentor), and the parts of a mentor's card that are counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    Family,
    FamilyLink,
    FamilyLinkKind,
    LessonProgress,
    MentorProfile,
    MentorStatus,
    MentorTestAttempt,
    Person,
    PersonRole,
    PlanTask,
    PlanTaskStatus,
    Role,
    TrainingSession,
    Visit,
)

OPEN_TASK = (PlanTaskStatus.PLANNED.value, PlanTaskStatus.IN_PROGRESS.value)


@dataclass(frozen=True)
class MentorRow:
    person_id: int
    name: str
    status: str
    status_at: datetime | None
    families: int
    last_visit: date | None
    visits_month: int
    overdue_tasks: int
    lessons_done: int


@dataclass(frozen=True)
class Training:
    lessons_done: int
    lesson_minutes: int
    sessions: int
    session_minutes: int


@dataclass(frozen=True)
class TestSummary:
    score: int | None
    out_of: int | None
    passed: bool | None
    finished_at: datetime


def _status() -> ColumnElement[str]:
    # Mentors with no profile (joined before it was made at joining) count as active.
    return func.coalesce(MentorProfile.status, MentorStatus.ACTIVE.value)


def _mentors(status: str | None) -> Select[Any]:
    query: Any = (
        select(Person.id, Person.display_name, _status(), MentorProfile.status_at)
        .join(PersonRole, and_(PersonRole.person_id == Person.id, PersonRole.role == Role.MENTOR))
        .outerjoin(MentorProfile, MentorProfile.person_id == Person.id)
        .where(Person.anonymised_at.is_(None))
    )
    if status is not None:
        query = query.where(_status() == status)
    return query


async def count_by_status(session: AsyncSession) -> dict[str, int]:
    sub = _mentors(None).subquery()
    status_col = list(sub.c)[2]
    rows = await session.execute(select(status_col, func.count()).group_by(status_col))
    return {status: count for status, count in rows}


async def page(
    session: AsyncSession,
    *,
    status: str | None,
    month_start: date,
    today: date,
    offset: int,
    limit: int,
) -> tuple[list[MentorRow], int]:
    """One page of mentors (by name) with their figures; six queries whatever the page size."""
    total = await session.scalar(select(func.count()).select_from(_mentors(status).subquery()))
    people = (
        await session.execute(
            _mentors(status).order_by(Person.display_name, Person.id).offset(offset).limit(limit)
        )
    ).all()
    return await _with_figures(session, people, month_start, today), int(total or 0)


async def mentor(
    session: AsyncSession, person_id: int, *, month_start: date, today: date
) -> MentorRow | None:
    """One mentor's row with the same figures as the list, or None when not a mentor."""
    people = (await session.execute(_mentors(None).where(Person.id == person_id))).all()
    rows = await _with_figures(session, people, month_start, today)
    return rows[0] if rows else None


async def _with_figures(
    session: AsyncSession, people: Sequence[Any], month_start: date, today: date
) -> list[MentorRow]:
    """The mentors' figures in four grouped queries over their ids."""
    ids = [row[0] for row in people]
    if not ids:
        return []
    links = (
        select(FamilyLink.person_id, FamilyLink.family_id)
        .join(Family, Family.id == FamilyLink.family_id)
        .where(
            FamilyLink.kind == FamilyLinkKind.MENTOR,
            FamilyLink.person_id.in_(ids),
            Family.closed_at.is_(None),
        )
    ).subquery()
    families: dict[int, int] = dict(
        (
            await session.execute(
                select(links.c.person_id, func.count()).group_by(links.c.person_id)
            )
        ).all()
    )
    overdue: dict[int, int] = dict(
        (
            await session.execute(
                select(links.c.person_id, func.count(PlanTask.id))
                .join(PlanTask, PlanTask.family_id == links.c.family_id)
                .where(PlanTask.status.in_(OPEN_TASK), PlanTask.due_date < today)
                .group_by(links.c.person_id)
            )
        ).all()
    )
    visits = {
        mentor_id: (last, month)
        for mentor_id, last, month in await session.execute(
            select(
                Visit.mentor_id,
                func.max(Visit.visit_date),
                func.count(Visit.id).filter(Visit.visit_date >= month_start),
            )
            .where(Visit.mentor_id.in_(ids), Visit.deleted_at.is_(None))
            .group_by(Visit.mentor_id)
        )
    }
    lessons: dict[int, int] = dict(
        (
            await session.execute(
                select(LessonProgress.person_id, func.count())
                .where(LessonProgress.person_id.in_(ids))
                .group_by(LessonProgress.person_id)
            )
        ).all()
    )
    rows = [
        MentorRow(
            person_id=row[0],
            name=row[1],
            status=row[2],
            status_at=row[3],
            families=int(families.get(row[0], 0)),
            last_visit=visits.get(row[0], (None, 0))[0],
            visits_month=int(visits.get(row[0], (None, 0))[1]),
            overdue_tasks=int(overdue.get(row[0], 0)),
            lessons_done=int(lessons.get(row[0], 0)),
        )
        for row in people
    ]
    return rows


@dataclass(frozen=True)
class RegistryTraining:
    completed: int  # mentors with every lesson of the course done
    lesson_minutes: int
    session_minutes: int


async def training_totals(session: AsyncSession, lesson_codes: Sequence[str]) -> RegistryTraining:
    """The training of everyone in the registry: who finished the course (every one of
    `lesson_codes` done) and the minutes of lessons and of sessions held in person."""
    mentors = select(_mentors(None).subquery().c[0])
    completed = 0
    if lesson_codes:
        finished = (
            select(LessonProgress.person_id)
            .where(
                LessonProgress.person_id.in_(mentors),
                LessonProgress.lesson_code.in_(list(lesson_codes)),
            )
            .group_by(LessonProgress.person_id)
            .having(func.count(func.distinct(LessonProgress.lesson_code)) == len(set(lesson_codes)))
        ).subquery()
        completed = int(await session.scalar(select(func.count()).select_from(finished)) or 0)
    lesson_minutes = await session.scalar(
        select(func.coalesce(func.sum(LessonProgress.minutes), 0)).where(
            LessonProgress.person_id.in_(mentors)
        )
    )
    session_minutes = await session.scalar(
        select(func.coalesce(func.sum(TrainingSession.minutes), 0)).where(
            TrainingSession.person_id.in_(mentors)
        )
    )
    return RegistryTraining(completed, int(lesson_minutes or 0), int(session_minutes or 0))


def export_rows(mentor_id: int | None = None) -> Select[Any]:
    """The registry as the export's sheet has it, one row per mentor in one statement: id,
    name, status, since, open families, lessons done, minutes of lessons and of sessions."""
    families = (
        select(func.count(FamilyLink.id))
        .join(Family, Family.id == FamilyLink.family_id)
        .where(
            FamilyLink.person_id == Person.id,
            FamilyLink.kind == FamilyLinkKind.MENTOR,
            Family.closed_at.is_(None),
        )
        .scalar_subquery()
    )
    lessons = (
        select(func.count(LessonProgress.id))
        .where(LessonProgress.person_id == Person.id)
        .scalar_subquery()
    )
    lesson_minutes = (
        select(func.coalesce(func.sum(LessonProgress.minutes), 0))
        .where(LessonProgress.person_id == Person.id)
        .scalar_subquery()
    )
    session_minutes = (
        select(func.coalesce(func.sum(TrainingSession.minutes), 0))
        .where(TrainingSession.person_id == Person.id)
        .scalar_subquery()
    )
    query = (
        _mentors(None)
        .add_columns(families, lessons, lesson_minutes, session_minutes)
        .order_by(Person.id)
    )
    if mentor_id is not None:
        query = query.where(Person.id == mentor_id)
    return query


async def status_of(session: AsyncSession, person_id: int) -> str | None:
    """The mentor's status now, or None when the person is not a mentor."""
    found = await session.scalar(
        _mentors(None).with_only_columns(_status()).where(Person.id == person_id)
    )
    return str(found) if found is not None else None


async def name_and_status(session: AsyncSession, person_id: int) -> tuple[str, str] | None:
    """The mentor's name and status now, or None when the person is not a mentor."""
    found = (
        await session.execute(
            _mentors(None)
            .with_only_columns(Person.display_name, _status())
            .where(Person.id == person_id)
        )
    ).first()
    return (str(found[0]), str(found[1])) if found is not None else None


async def families_of(session: AsyncSession, person_id: int) -> list[tuple[int, str]]:
    """The open families the person mentors, by name."""
    rows = await session.execute(
        select(Family.id, Family.name)
        .join(FamilyLink, FamilyLink.family_id == Family.id)
        .where(
            FamilyLink.person_id == person_id,
            FamilyLink.kind == FamilyLinkKind.MENTOR,
            Family.closed_at.is_(None),
        )
        .order_by(Family.name)
    )
    return [(family_id, name) for family_id, name in rows]


async def training(session: AsyncSession, person_id: int) -> Training:
    lessons = (
        await session.execute(
            select(
                func.count(LessonProgress.id), func.coalesce(func.sum(LessonProgress.minutes), 0)
            ).where(LessonProgress.person_id == person_id)
        )
    ).one()
    sessions = (
        await session.execute(
            select(
                func.count(TrainingSession.id), func.coalesce(func.sum(TrainingSession.minutes), 0)
            ).where(TrainingSession.person_id == person_id)
        )
    ).one()
    return Training(int(lessons[0]), int(lessons[1]), int(sessions[0]), int(sessions[1]))


async def latest_test(session: AsyncSession, person_id: int) -> TestSummary | None:
    row = (
        await session.execute(
            select(
                MentorTestAttempt.score,
                MentorTestAttempt.out_of,
                MentorTestAttempt.passed,
                MentorTestAttempt.finished_at,
            )
            .where(
                MentorTestAttempt.person_id == person_id,
                MentorTestAttempt.finished_at.is_not(None),
            )
            .order_by(MentorTestAttempt.finished_at.desc(), MentorTestAttempt.id.desc())
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    return TestSummary(row[0], row[1], row[2], row[3] or datetime.min)
