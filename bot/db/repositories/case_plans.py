"""A family's plan (its tasks) and where a task can come from. Queries only; the caller commits."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    Family,
    Meeting,
    MeetingDecision,
    MeetingStatus,
    Person,
    PlanTask,
    PlanTaskStatus,
    Visit,
)

OPEN_STATUSES = (PlanTaskStatus.PLANNED.value, PlanTaskStatus.IN_PROGRESS.value)


# --- the plan --------------------------------------------------------------------------------


async def task_by_id(session: AsyncSession, task_id: int) -> PlanTask | None:
    return await session.get(PlanTask, task_id)


async def tasks_of_family(session: AsyncSession, family_id: int) -> list[PlanTask]:
    """Open tasks first, soonest deadline first; then the finished ones."""
    rows = await session.scalars(
        select(PlanTask)
        .where(PlanTask.family_id == family_id)
        .order_by(
            case((PlanTask.status.in_(OPEN_STATUSES), 0), else_=1),
            PlanTask.due_date,
            PlanTask.id,
        )
    )
    return list(rows)


async def count_of_family(session: AsyncSession, family_id: int) -> int:
    count = await session.scalar(
        select(func.count(PlanTask.id)).where(PlanTask.family_id == family_id)
    )
    return count or 0


async def by_source(
    session: AsyncSession, family_id: int, source_type: str, source_id: int
) -> PlanTask | None:
    """The family's task made from this visit or decision, if there is one."""
    found: PlanTask | None = await session.scalar(
        select(PlanTask).where(
            PlanTask.family_id == family_id,
            PlanTask.source_type == source_type,
            PlanTask.source_id == source_id,
        )
    )
    return found


async def source_ids(session: AsyncSession, family_id: int, source_type: str) -> set[int]:
    """Ids of the visits (or decisions) the family's tasks were made from."""
    rows = await session.scalars(
        select(PlanTask.source_id).where(
            PlanTask.family_id == family_id, PlanTask.source_type == source_type
        )
    )
    return {row for row in rows if row is not None}


async def open_counts_by_due(
    session: AsyncSession, family_ids: Collection[int]
) -> list[tuple[int, date, int]]:
    """(family id, deadline, open tasks due then) for the given families."""
    rows = await session.execute(
        select(PlanTask.family_id, PlanTask.due_date, func.count(PlanTask.id))
        .where(PlanTask.family_id.in_(list(family_ids)))
        .where(PlanTask.status.in_(OPEN_STATUSES))
        .group_by(PlanTask.family_id, PlanTask.due_date)
    )
    return [(family_id, due, n) for family_id, due, n in rows]


# --- where a task can come from --------------------------------------------------------------


async def visits_with_notes(session: AsyncSession, family_id: int, limit: int) -> list[Visit]:
    """The family's latest visits that have notes, newest first."""
    rows = await session.scalars(
        select(Visit)
        .where(
            Visit.family_id == family_id,
            Visit.deleted_at.is_(None),
            Visit.notes_text.is_not(None),
            Visit.notes_text != "",
        )
        .order_by(Visit.visit_date.desc(), Visit.id.desc())
        .limit(limit)
    )
    return list(rows)


async def open_decisions(
    session: AsyncSession, family_id: int, limit: int
) -> list[MeetingDecision]:
    """Open decisions of the family's network meetings (not cancelled), soonest first."""
    rows = await session.scalars(
        select(MeetingDecision)
        .join(Meeting, Meeting.id == MeetingDecision.meeting_id)
        .where(
            Meeting.family_id == family_id,
            Meeting.status != MeetingStatus.CANCELLED.value,
            MeetingDecision.done_at.is_(None),
        )
        .order_by(MeetingDecision.due_date, MeetingDecision.id)
        .limit(limit)
    )
    return list(rows)


async def decision_with_family(
    session: AsyncSession, decision_id: int
) -> tuple[MeetingDecision, int] | None:
    """(decision, its meeting's family id)."""
    row = (
        await session.execute(
            select(MeetingDecision, Meeting.family_id)
            .join(Meeting, Meeting.id == MeetingDecision.meeting_id)
            .where(MeetingDecision.id == decision_id)
        )
    ).first()
    return (row[0], row[1]) if row is not None else None


async def display_names(
    session: AsyncSession, ids: Collection[int] | Select[Any]
) -> dict[int, str]:
    """Names by id of the given people (ids, or a query selecting them)."""
    rows = await session.execute(select(Person.id, Person.display_name).where(Person.id.in_(ids)))
    return {person_id: name for person_id, name in rows}


# --- reminders and the digest ----------------------------------------------------------------


async def open_due_between(
    session: AsyncSession, earliest: date, latest: date
) -> list[tuple[PlanTask, str]]:
    """(task, family name): open tasks of open families due from `earliest` to `latest`, by id."""
    rows = await session.execute(
        select(PlanTask, Family.name)
        .join(Family, Family.id == PlanTask.family_id)
        .where(
            PlanTask.status.in_(OPEN_STATUSES),
            Family.closed_at.is_(None),
            PlanTask.due_date <= latest,
            PlanTask.due_date >= earliest,
        )
        .order_by(PlanTask.id)
    )
    return [(task, family_name) for task, family_name in rows]


async def overdue(
    session: AsyncSession, today: date, limit: int
) -> tuple[int, list[tuple[str, str, date]]]:
    """Open tasks of open families past their deadline: (count, the first `limit` as
    (family name, task, deadline), oldest deadline first)."""
    condition = (
        PlanTask.status.in_(OPEN_STATUSES),
        PlanTask.due_date < today,
        Family.closed_at.is_(None),
    )
    total = await session.scalar(
        select(func.count(PlanTask.id))
        .join(Family, Family.id == PlanTask.family_id)
        .where(*condition)
    )
    rows = await session.execute(
        select(Family.name, PlanTask.title, PlanTask.due_date)
        .join(Family, Family.id == PlanTask.family_id)
        .where(*condition)
        .order_by(PlanTask.due_date, PlanTask.id)
        .limit(limit)
    )
    return int(total or 0), [(name, title, due) for name, title, due in rows]
