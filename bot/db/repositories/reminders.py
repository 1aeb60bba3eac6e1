"""Scans behind mentors' reminders: planned visits due today, families without a recent visit.

Both scans are index range reads (visits by next_visit_date; visits by family and date), so the
job may run every few minutes.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.db.models import (
    Family,
    FamilyLink,
    FamilyLinkKind,
    Person,
    Visit,
)


@dataclass(frozen=True)
class MentorFamily:
    mentor_id: int
    telegram_id: int
    timezone: str
    family_id: int
    family_name: str
    planned: date | None = None  # planned visit date (planned-visit scan)
    assigned_at: datetime | None = None  # when the mentor was linked (idle scan)
    last_visit: date | None = None  # the family's last visit by anyone (idle scan)


async def planned_visits(session: AsyncSession, dates: Collection[date]) -> list[MentorFamily]:
    """Mentors' planned visits between the first and the last of `dates`, taken from their
    latest visit to the family, for active families still theirs, with no visit logged for that
    day yet."""
    later = aliased(Visit)
    same_day = aliased(Visit)
    has_later = exists().where(
        later.family_id == Visit.family_id,
        later.mentor_id == Visit.mentor_id,
        later.deleted_at.is_(None),
        (later.visit_date > Visit.visit_date)
        | ((later.visit_date == Visit.visit_date) & (later.id > Visit.id)),
    )
    done = exists().where(
        same_day.family_id == Visit.family_id,
        same_day.visit_date == Visit.next_visit_date,
        same_day.deleted_at.is_(None),
    )
    rows = await session.execute(
        select(
            FamilyLink.person_id,
            Person.telegram_id,
            Person.timezone,
            Visit.family_id,
            Family.name,
            Visit.next_visit_date,
        )
        .join(Family, Family.id == Visit.family_id)
        .join(Person, Person.id == Visit.mentor_id)
        .join(
            FamilyLink,
            (FamilyLink.family_id == Visit.family_id)
            & (FamilyLink.person_id == Visit.mentor_id)
            & (FamilyLink.kind == FamilyLinkKind.MENTOR.value),
        )
        .where(
            # A range, not IN: SQLite's statistics count every empty next_visit_date as one
            # value, which can make it prefer a full scan for IN; a range always takes the index.
            Visit.next_visit_date.between(min(dates), max(dates)),
            Visit.deleted_at.is_(None),
            Family.closed_at.is_(None),
            Person.blocked_at.is_(None),
            ~has_later,
            ~done,
        )
        .order_by(Visit.mentor_id, Visit.family_id)
    )
    return [
        MentorFamily(mentor_id, telegram_id, tz, family_id, name, planned=planned)
        for mentor_id, telegram_id, tz, family_id, name, planned in rows
    ]


async def idle_links(
    session: AsyncSession, *, no_visit_after: date, assigned_before: datetime
) -> list[MentorFamily]:
    """Mentor links to active families with no visit after `no_visit_after`, linked before
    `assigned_before`; each with the family's last visit date."""
    recent = exists().where(
        Visit.family_id == FamilyLink.family_id,
        Visit.visit_date > no_visit_after,
        Visit.deleted_at.is_(None),
    )
    last_visit = (
        select(Visit.visit_date)
        .where(Visit.family_id == FamilyLink.family_id, Visit.deleted_at.is_(None))
        .order_by(Visit.visit_date.desc())
        .limit(1)
        .correlate(FamilyLink)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(
            FamilyLink.person_id,
            Person.telegram_id,
            Person.timezone,
            FamilyLink.family_id,
            Family.name,
            FamilyLink.created_at,
            last_visit,
        )
        .join(Family, Family.id == FamilyLink.family_id)
        .join(Person, Person.id == FamilyLink.person_id)
        .where(
            FamilyLink.kind == FamilyLinkKind.MENTOR.value,
            Family.closed_at.is_(None),
            Person.blocked_at.is_(None),
            FamilyLink.created_at <= assigned_before,
            ~recent,
        )
        .order_by(FamilyLink.person_id, FamilyLink.family_id)
    )
    return [
        MentorFamily(
            mentor_id, telegram_id, tz, family_id, name, assigned_at=assigned, last_visit=last
        )
        for mentor_id, telegram_id, tz, family_id, name, assigned, last in rows
    ]


async def mentor_family(
    session: AsyncSession, mentor_id: int, family_id: int
) -> MentorFamily | None:
    """One mentor link with the family's last visit (for a "remind me tomorrow" press)."""
    last_visit = (
        select(Visit.visit_date)
        .where(Visit.family_id == family_id, Visit.deleted_at.is_(None))
        .order_by(Visit.visit_date.desc())
        .limit(1)
        .scalar_subquery()
    )
    row = (
        await session.execute(
            select(
                Person.telegram_id,
                Person.timezone,
                Family.name,
                FamilyLink.created_at,
                last_visit,
            )
            .join(Family, Family.id == FamilyLink.family_id)
            .join(Person, Person.id == FamilyLink.person_id)
            .where(
                FamilyLink.family_id == family_id,
                FamilyLink.person_id == mentor_id,
                FamilyLink.kind == FamilyLinkKind.MENTOR.value,
            )
        )
    ).one_or_none()
    if row is None:
        return None
    telegram_id, tz, name, assigned, last = row
    return MentorFamily(
        mentor_id, telegram_id, tz, family_id, name, assigned_at=assigned, last_visit=last
    )
