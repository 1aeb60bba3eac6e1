"""The numbers behind /charts, as SQL aggregates grouped by month, mentor, week or category:
only the grouped counts leave the database, never the rows they count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.queries import charts as queries
from bot.services import stats
from bot.services.access import Action, Actor, authorize
from bot.services.stats import Period, Scope, WeekHandIn

TOP_MENTORS = 8  # named in the visits chart; the others share one "Other" band


def months_of(period: Period) -> list[str]:
    """Every 'YYYY-MM' the period touches, so quiet months still show as zero."""
    months: list[str] = []
    year, month = period.start.year, period.start.month
    while date(year, month, 1) <= period.end:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


@dataclass(frozen=True)
class MentorBand:
    mentor_id: int | None  # None: every mentor outside the top, and visits without a mentor
    name: str
    per_month: list[int]  # aligned with VisitsSeries.months


@dataclass(frozen=True)
class VisitsSeries:
    months: list[str]
    bands: list[MentorBand]  # the top mentors by visits, then "Other" when it has any
    total: int


@dataclass(frozen=True)
class SrsMonth:
    month: str
    responses: int
    mean_total: float


@dataclass(frozen=True)
class SrsSeries:
    months: list[SrsMonth]  # only months with responses: a mean of nothing is not a point

    @property
    def total(self) -> int:
        return sum(m.responses for m in self.months)


async def visits_by_month(
    session: AsyncSession, actor: Actor, period: Period, scope: Scope
) -> VisitsSeries:
    await authorize(session, actor, Action.STATS_VIEW)
    w = stats.window(period, scope)
    leaders = await queries.top_mentors_by_visits(session, w, limit=TOP_MENTORS)
    grouped = await queries.visits_by_month_and_mentor(session, w)
    months = months_of(period)
    column = {m: i for i, m in enumerate(months)}
    counts: dict[int | None, list[int]] = {
        int(mentor_id): [0] * len(months) for mentor_id, _name, _n in leaders
    }
    other = [0] * len(months)
    total = 0
    for key, mentor_id, count in grouped:
        row = counts.get(mentor_id, other)
        row[column[str(key)]] += int(count)
        total += int(count)
    bands = [MentorBand(int(i), str(name), counts[int(i)]) for i, name, _n in leaders]
    if any(other):
        bands.append(MentorBand(None, "", other))
    return VisitsSeries(months, bands, total)


async def srs_by_month(
    session: AsyncSession, actor: Actor, period: Period, scope: Scope
) -> SrsSeries:
    """SRS of the period's held meetings, by the month the meeting took place (local time)."""
    await authorize(session, actor, Action.STATS_VIEW)
    w = stats.window(period, scope)
    rows = await queries.srs_by_month(session, w, period.utc_offset())
    return SrsSeries([SrsMonth(str(m), int(n), float(mean)) for m, n, mean in rows])


async def hand_in_by_week(
    session: AsyncSession, actor: Actor, period: Period, scope: Scope
) -> list[WeekHandIn]:
    return (await stats.programmes(session, actor, period, scope)).hand_in


async def families_by_category(
    session: AsyncSession, actor: Actor, period: Period, scope: Scope
) -> dict[str, int]:
    return (await stats.families(session, actor, period, scope)).by_category
