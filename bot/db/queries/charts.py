"""The /charts series' queries, grouped by month or mentor: only the grouped counts leave the
database, never the rows they count. Parameters as in bot/db/queries/stats.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, Interval, Row, and_, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Meeting, MeetingStatus, Person, SrsResponse, Visit
from bot.db.queries.stats import Window, dialect_of


def month_of(session: AsyncSession, column: Any, offset: timedelta | None = None) -> Any:
    """'YYYY-MM' of a date or (shifted to local time by `offset`) a UTC datetime column.

    On PostgreSQL the datetime is first read as UTC wall time (to_char would otherwise use the
    server session's zone) and the offset added as an INTERVAL. Group by it over a subquery:
    PostgreSQL numbers the parameters of SELECT and GROUP BY apart and refuses the pair.
    """
    if dialect_of(session) == "sqlite":
        if offset is None:
            return func.strftime("%Y-%m", column)
        return func.strftime("%Y-%m", column, f"{int(offset.total_seconds())} seconds")
    if offset is not None:
        column = func.timezone("UTC", column) + literal(offset, Interval())
    return func.to_char(column, "YYYY-MM")


def _live_visits(w: Window) -> ColumnElement[bool]:
    return and_(
        Visit.deleted_at.is_(None),
        Visit.visit_date >= w.start,
        Visit.visit_date <= w.end,
        w.limit(Visit.family_id),
    )


async def top_mentors_by_visits(
    session: AsyncSession, w: Window, *, limit: int
) -> list[Row[*tuple[Any, ...]]]:
    """(person id, name, visits) of the `limit` mentors with the most live visits in the
    period, most first."""
    visits = func.count().label("visits")
    rows = await session.execute(
        select(Person.id, Person.display_name, visits)
        .select_from(Visit)
        .join(Person, Person.id == Visit.mentor_id)
        .where(_live_visits(w))
        .group_by(Person.id, Person.display_name)
        .order_by(visits.desc(), Person.id)
        .limit(limit)
    )
    return list(rows.all())


async def visits_by_month_and_mentor(
    session: AsyncSession, w: Window
) -> list[Row[*tuple[Any, ...]]]:
    """('YYYY-MM', mentor id, live visits) of the period."""
    # Grouped over a subquery: PostgreSQL would not match a GROUP BY expression whose bound
    # parameters are numbered apart from the SELECT's.
    monthly = (
        select(month_of(session, Visit.visit_date).label("month"), Visit.mentor_id)
        .where(_live_visits(w))
        .subquery()
    )
    rows = await session.execute(
        select(monthly.c.month, monthly.c.mentor_id, func.count()).group_by(
            monthly.c.month, monthly.c.mentor_id
        )
    )
    return list(rows)


async def srs_by_month(
    session: AsyncSession, w: Window, offset: timedelta
) -> list[Row[*tuple[Any, ...]]]:
    """('YYYY-MM' local by `offset`, responses, mean total) of the SRS of the period's held
    meetings, by the month the meeting took place, in month order."""
    month = month_of(session, Meeting.starts_at, offset).label("month")
    responses = (
        select(month, SrsResponse.total)
        .join(Meeting, Meeting.id == SrsResponse.meeting_id)
        .where(
            Meeting.starts_at >= w.begin,
            Meeting.starts_at < w.finish,
            Meeting.status == MeetingStatus.HELD.value,
            w.limit(Meeting.family_id),
        )
        .subquery()
    )
    rows = await session.execute(
        select(responses.c.month, func.count(), func.avg(responses.c.total))
        .group_by(responses.c.month)
        .order_by(responses.c.month)
    )
    return list(rows)
