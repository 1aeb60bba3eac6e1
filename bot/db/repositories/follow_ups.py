"""Queries behind the questionnaire follow-ups after a completed programme: planning the rows,
the release and reminder scans, cancelling, answering. Queries only; the caller commits."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    CloseReason,
    Enrollment,
    EnrollmentStatus,
    Family,
    FamilyLink,
    FamilyLinkKind,
    Person,
    QuestionnaireFollowUp,
)
from bot.db.upsert import insert_unless_exists

FollowUpRow = tuple[QuestionnaireFollowUp, Enrollment, Family]


async def _run(session: AsyncSession, statement: Any) -> int:
    # Rows loaded in this session are kept in step (the dialog reads the follow-up again).
    result = await session.execute(statement)
    return int(result.rowcount or 0) if isinstance(result, CursorResult) else 0


def _is_postgres(session: AsyncSession) -> bool:
    return session.bind is not None and session.bind.dialect.name == "postgresql"


async def unplanned(
    session: AsyncSession, codes: Collection[str], completed_after: datetime, limit: int
) -> list[tuple[Enrollment, Family]]:
    """Completed enrollments of these programmes (since `completed_after`) that have no
    follow-up rows yet."""
    planned = (
        select(QuestionnaireFollowUp.id)
        .where(QuestionnaireFollowUp.enrollment_id == Enrollment.id)
        .exists()
    )
    rows = await session.execute(
        select(Enrollment, Family)
        .join(Family, Family.id == Enrollment.family_id)
        .where(
            Enrollment.status == EnrollmentStatus.COMPLETED.value,
            Enrollment.programme_code.in_(list(codes)),
            Enrollment.completed_at.is_not(None),
            Enrollment.completed_at > completed_after,
            ~planned,
        )
        .order_by(Enrollment.completed_at, Enrollment.id)
        .limit(limit)
    )
    return [(enrollment, family) for enrollment, family in rows]


async def add(
    session: AsyncSession,
    enrollment_id: int,
    months: int,
    due_at: datetime,
    *,
    cancelled_at: datetime | None = None,
) -> bool:
    """One follow-up unless it exists (another replica planned it); True when added."""
    return await insert_unless_exists(
        session,
        QuestionnaireFollowUp,
        {
            "enrollment_id": enrollment_id,
            "months": months,
            "due_at": due_at,
            "cancelled_at": cancelled_at,
        },
        [QuestionnaireFollowUp.enrollment_id, QuestionnaireFollowUp.months],
    )


def _waiting() -> list[Any]:
    return [
        QuestionnaireFollowUp.answered_at.is_(None),
        QuestionnaireFollowUp.cancelled_at.is_(None),
    ]


async def moot(session: AsyncSession) -> list[int]:
    """Follow-ups still waiting whose family can no longer be asked: the case closed for another
    reason than improvement, the family anonymised, or no parent left (consent withdrawn drops
    the parent's link)."""
    has_parent = (
        select(FamilyLink.id)
        .join(Person, Person.id == FamilyLink.person_id)
        .where(
            FamilyLink.family_id == Family.id,
            FamilyLink.kind == FamilyLinkKind.PARENT.value,
            Person.anonymised_at.is_(None),
        )
        .exists()
    )
    closed_otherwise = Family.closed_at.is_not(None) & (
        Family.closed_reason.is_(None) | (Family.closed_reason != CloseReason.IMPROVEMENT.value)
    )
    rows = await session.scalars(
        select(QuestionnaireFollowUp.id)
        .join(Enrollment, Enrollment.id == QuestionnaireFollowUp.enrollment_id)
        .join(Family, Family.id == Enrollment.family_id)
        .where(
            *_waiting(),
            or_(closed_otherwise, Family.anonymised_at.is_not(None), ~has_parent),
        )
        .order_by(QuestionnaireFollowUp.id)
    )
    return list(rows)


async def mark_cancelled(session: AsyncSession, ids: Collection[int], now: datetime) -> int:
    if not ids:
        return 0
    return await _run(
        session,
        update(QuestionnaireFollowUp)
        .where(QuestionnaireFollowUp.id.in_(list(ids)), *_waiting())
        .values(cancelled_at=now),
    )


async def _waiting_rows(
    session: AsyncSession, where: list[Any], order: Any, limit: int
) -> list[FollowUpRow]:
    """Waiting follow-ups with their enrollment and family; on PostgreSQL a second replica skips
    the rows this one holds."""
    query = (
        select(QuestionnaireFollowUp, Enrollment, Family)
        .join(Enrollment, Enrollment.id == QuestionnaireFollowUp.enrollment_id)
        .join(Family, Family.id == Enrollment.family_id)
        .where(*_waiting(), *where)
        .order_by(order, QuestionnaireFollowUp.id)
        .limit(limit)
    )
    if _is_postgres(session):
        query = query.with_for_update(skip_locked=True, of=QuestionnaireFollowUp)
    return [(f, e, fam) for f, e, fam in await session.execute(query)]


async def due(session: AsyncSession, now: datetime, limit: int) -> list[FollowUpRow]:
    """Not released yet and their moment has come, oldest first."""
    where = [QuestionnaireFollowUp.released_at.is_(None), QuestionnaireFollowUp.due_at <= now]
    return await _waiting_rows(session, where, QuestionnaireFollowUp.due_at, limit)


async def to_remind(
    session: AsyncSession, released_after: datetime, released_by: datetime, limit: int
) -> list[FollowUpRow]:
    """Released between the two moments, still unanswered and not reminded yet."""
    where = [
        QuestionnaireFollowUp.reminded_at.is_(None),
        QuestionnaireFollowUp.released_at > released_after,
        QuestionnaireFollowUp.released_at <= released_by,
    ]
    return await _waiting_rows(session, where, QuestionnaireFollowUp.released_at, limit)


async def by_id(session: AsyncSession, follow_up_id: int) -> QuestionnaireFollowUp | None:
    return await session.get(QuestionnaireFollowUp, follow_up_id)


async def of_enrollment(session: AsyncSession, enrollment_id: int) -> list[QuestionnaireFollowUp]:
    rows = await session.scalars(
        select(QuestionnaireFollowUp)
        .where(QuestionnaireFollowUp.enrollment_id == enrollment_id)
        .order_by(QuestionnaireFollowUp.months)
    )
    return list(rows)


async def mark_answered(
    session: AsyncSession,
    follow_up_id: int,
    *,
    person_id: int,
    answers: Mapping[str, int],
    total: int,
    now: datetime,
) -> bool:
    """The family's answers, once: False when the other parent (or a double tap) was first or
    the follow-up was cancelled meanwhile."""
    changed = await _run(
        session,
        update(QuestionnaireFollowUp)
        .where(QuestionnaireFollowUp.id == follow_up_id, *_waiting())
        .values(answered_at=now, person_id=person_id, answers=dict(answers), total=total),
    )
    return changed == 1
