"""Queries behind weekly homework: releases, parents and mentors to notify, reminders, digests."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    Enrollment,
    EnrollmentStatus,
    Family,
    FamilyLink,
    FamilyLinkKind,
    HomeworkAnswer,
    HomeworkFeedback,
    HomeworkWeek,
    Person,
)
from bot.db.repositories import outbox as outbox_repo


@dataclass(frozen=True)
class Member:
    """Someone linked to a family who gets its homework messages."""

    person_id: int
    telegram_id: int
    name: str


def _is_postgres(session: AsyncSession) -> bool:
    return session.bind is not None and session.bind.dialect.name == "postgresql"


async def members(
    session: AsyncSession, family_ids: Collection[int], kind: FamilyLinkKind
) -> dict[int, list[Member]]:
    """Family id -> its parents (or mentors), in the order they were linked."""
    found: dict[int, list[Member]] = defaultdict(list)
    ids = list(family_ids)
    for start in range(0, len(ids), 500):
        rows = await session.execute(
            select(FamilyLink.family_id, Person.id, Person.telegram_id, Person.display_name)
            .join(Person, Person.id == FamilyLink.person_id)
            .where(FamilyLink.family_id.in_(ids[start : start + 500]), FamilyLink.kind == kind)
            .order_by(FamilyLink.id)
        )
        for family_id, person_id, telegram_id, name in rows:
            found[family_id].append(Member(person_id, telegram_id, name))
    return found


async def due_enrollments(
    session: AsyncSession, now: datetime, limit: int
) -> list[tuple[Enrollment, Family]]:
    """Active enrollments whose next release has come. On PostgreSQL the rows are locked and
    rows another replica holds are skipped, so two replicas never release the same week."""
    query = (
        select(Enrollment, Family)
        .join(Family, Family.id == Enrollment.family_id)
        .where(
            Enrollment.status == EnrollmentStatus.ACTIVE.value,
            Enrollment.next_release_at <= now,
        )
        .order_by(Enrollment.next_release_at, Enrollment.id)
        .limit(limit)
    )
    if _is_postgres(session):
        query = query.with_for_update(skip_locked=True, of=Enrollment)
    rows = await session.execute(query)
    return [(enrollment, family) for enrollment, family in rows]


async def released_counts(session: AsyncSession, enrollment_ids: Collection[int]) -> dict[int, int]:
    rows = await session.execute(
        select(HomeworkWeek.enrollment_id, func.max(HomeworkWeek.week_number))
        .where(HomeworkWeek.enrollment_id.in_(list(enrollment_ids)))
        .group_by(HomeworkWeek.enrollment_id)
    )
    return {enrollment_id: count or 0 for enrollment_id, count in rows}


async def week_by_id(session: AsyncSession, week_id: int) -> HomeworkWeek | None:
    return await session.get(HomeworkWeek, week_id)


async def week_with_enrollment(
    session: AsyncSession, week_id: int, *, lock: bool = False
) -> tuple[HomeworkWeek, Enrollment, Family] | None:
    query = (
        select(HomeworkWeek, Enrollment, Family)
        .join(Enrollment, Enrollment.id == HomeworkWeek.enrollment_id)
        .join(Family, Family.id == Enrollment.family_id)
        .where(HomeworkWeek.id == week_id)
    )
    if lock and _is_postgres(session):
        query = query.with_for_update(of=HomeworkWeek)
    row = (await session.execute(query)).first()
    return (row[0], row[1], row[2]) if row else None


async def answer_by_id(session: AsyncSession, answer_id: int) -> HomeworkAnswer | None:
    return await session.get(HomeworkAnswer, answer_id)


async def delete_answer(session: AsyncSession, answer: HomeworkAnswer) -> None:
    """Mark a loaded answer for deletion; the caller's flush deletes the row."""
    await session.delete(answer)


async def answers(session: AsyncSession, week_id: int) -> list[HomeworkAnswer]:
    rows = await session.scalars(
        select(HomeworkAnswer)
        .where(HomeworkAnswer.homework_week_id == week_id)
        .order_by(HomeworkAnswer.id)
    )
    return list(rows)


async def answer_kinds(session: AsyncSession, week_id: int) -> list[str]:
    rows = await session.scalars(
        select(HomeworkAnswer.kind)
        .where(HomeworkAnswer.homework_week_id == week_id)
        .order_by(HomeworkAnswer.id)
    )
    return list(rows)


async def feedback(session: AsyncSession, week_id: int) -> list[HomeworkFeedback]:
    rows = await session.scalars(
        select(HomeworkFeedback)
        .where(HomeworkFeedback.homework_week_id == week_id)
        .order_by(HomeworkFeedback.id)
    )
    return list(rows)


async def feedback_by_key(session: AsyncSession, draft_key: str) -> HomeworkFeedback | None:
    found: HomeworkFeedback | None = await session.scalar(
        select(HomeworkFeedback).where(HomeworkFeedback.draft_key == draft_key)
    )
    return found


async def weeks_to_remind(
    session: AsyncSession, now: datetime, late_until_after: datetime, second_after: timedelta
) -> list[tuple[HomeworkWeek, Enrollment]]:
    """Weeks not handed in whose next reminder is due: the first at the due time, the second
    `second_after` later; only while the family is still on that week (`late_until` is the next
    release plus a day) and the enrollment runs."""
    rows = await session.execute(
        select(HomeworkWeek, Enrollment)
        .join(Enrollment, Enrollment.id == HomeworkWeek.enrollment_id)
        .where(
            HomeworkWeek.done_at.is_(None),
            HomeworkWeek.due_at <= now,
            or_(
                HomeworkWeek.reminders_queued == 0,
                and_(
                    HomeworkWeek.reminders_queued == 1,
                    HomeworkWeek.due_at <= now - second_after,
                ),
            ),
            HomeworkWeek.late_until > late_until_after,
            Enrollment.status == EnrollmentStatus.ACTIVE.value,
        )
        .order_by(HomeworkWeek.id)
    )
    return [(week, enrollment) for week, enrollment in rows]


async def cancel_queued_for_enrollment(
    session: AsyncSession, enrollment_id: int, purposes: Collection[str]
) -> int:
    """Cancel queued messages about any week of an enrollment (it was paused or stopped)."""
    weeks = select(HomeworkWeek.id).where(HomeworkWeek.enrollment_id == enrollment_id)
    return await outbox_repo.cancel_queued(
        session, "homework_week", weeks.scalar_subquery(), purposes
    )


@dataclass(frozen=True)
class HandIn:
    week_id: int
    family_id: int
    family_name: str
    programme_code: str
    week_number: int
    late: bool
    rating: int | None


async def undigested(session: AsyncSession, done_before: datetime, limit: int) -> list[HandIn]:
    """Handed-in weeks not yet in a mentors' digest (locked, skipping others', on PostgreSQL)."""
    query = (
        select(
            HomeworkWeek.id,
            Family.id,
            Family.name,
            Enrollment.programme_code,
            HomeworkWeek.week_number,
            HomeworkWeek.late,
            HomeworkWeek.rating,
        )
        .join(Enrollment, Enrollment.id == HomeworkWeek.enrollment_id)
        .join(Family, Family.id == Enrollment.family_id)
        .where(
            HomeworkWeek.digested_at.is_(None),
            HomeworkWeek.done_at.is_not(None),
            HomeworkWeek.done_at < done_before,
        )
        .order_by(HomeworkWeek.done_at, HomeworkWeek.id)
        .limit(limit)
    )
    if _is_postgres(session):
        query = query.with_for_update(skip_locked=True, of=HomeworkWeek)
    rows = await session.execute(query)
    return [HandIn(*row) for row in rows]


async def mark_digested(session: AsyncSession, week_ids: Collection[int], now: datetime) -> None:
    if not week_ids:
        return
    await session.execute(
        update(HomeworkWeek)
        .where(HomeworkWeek.id.in_(list(week_ids)))
        .values(digested_at=now)
        .execution_options(synchronize_session=False)
    )


async def weeks_of(session: AsyncSession, enrollment_id: int) -> list[HomeworkWeek]:
    rows = await session.scalars(
        select(HomeworkWeek)
        .where(HomeworkWeek.enrollment_id == enrollment_id)
        .order_by(HomeworkWeek.week_number)
    )
    return list(rows)


async def parent_families(session: AsyncSession, person_id: int) -> list[Family]:
    rows = await session.scalars(
        select(Family)
        .join(FamilyLink, FamilyLink.family_id == Family.id)
        .where(FamilyLink.person_id == person_id, FamilyLink.kind == FamilyLinkKind.PARENT.value)
        .order_by(Family.id)
    )
    return list(rows)


async def questionnaires_to_remind(
    session: AsyncSession,
    *,
    purpose: str,
    invited_after: datetime,
    invited_by: datetime,
) -> list[tuple[Enrollment, Family, str]]:
    """Enrollments of open families whose questionnaire invitation went out between the two
    moments and is still unanswered, with no reminder about it queued yet: (enrollment, family,
    phase). The entry one while the programme runs and week 1 is not handed in; the exit one
    once it is completed. A reminder's outbox key ends with the phase (`dedup_key`)."""

    def not_reminded(phase: str) -> Any:
        return ~outbox_repo.ever_queued("enrollment", Enrollment.id, purpose, f":{phase}")

    week_one_done = (
        select(HomeworkWeek.id)
        .where(
            HomeworkWeek.enrollment_id == Enrollment.id,
            HomeworkWeek.week_number == 1,
            HomeworkWeek.done_at.is_not(None),
        )
        .exists()
    )
    entry = and_(
        Enrollment.status == EnrollmentStatus.ACTIVE.value,
        Enrollment.entry_total.is_(None),
        Enrollment.created_at > invited_after,
        Enrollment.created_at <= invited_by,
        ~week_one_done,
        not_reminded("entry"),
    )
    exit_ = and_(
        Enrollment.status == EnrollmentStatus.COMPLETED.value,
        Enrollment.exit_total.is_(None),
        Enrollment.completed_at > invited_after,
        Enrollment.completed_at <= invited_by,
        not_reminded("exit"),
    )
    rows = await session.execute(
        select(Enrollment, Family)
        .join(Family, Family.id == Enrollment.family_id)
        .where(Family.closed_at.is_(None), or_(entry, exit_))
        .order_by(Enrollment.id)
    )
    return [
        (enrollment, family, "exit" if enrollment.status == EnrollmentStatus.COMPLETED else "entry")
        for enrollment, family in rows
    ]
