"""The figures coordinators review (/stats, /report, /charts). Every number is a SQL aggregate:
rows are counted where they live, never loaded into Python.

A period is a range of the coordinator's local calendar days; datetime columns are compared
with its UTC bounds, date columns (a visit's day, a decision's date, a task's deadline) with the
days themselves.
A scope narrows everything to the families of one mentor or of one category.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Interval,
    Select,
    and_,
    case,
    distinct,
    func,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    CaseRecord,
    CaseStage,
    CloseReason,
    Enrollment,
    Family,
    FamilyLink,
    FamilyLinkKind,
    HomeworkWeek,
    Meeting,
    MeetingParticipant,
    MeetingStatus,
    Person,
    PersonRole,
    PlanTask,
    PlanTaskStatus,
    Role,
    SafetyConcern,
    SocialMap,
    SocialMapPerson,
    SrsResponse,
    TieNature,
    Visit,
)
from bot.services.access import Action, Actor, authorize
from bot.services.case_plans import OPEN_STAGES, OPEN_STATUSES, SOURCE_DECISION, SOURCE_VISIT

CONCERN_TOTAL = 36  # an SRS total under this asks the facilitators to follow up
MAX_RANGE_DAYS = 366 * 5 + 1  # a custom range of at most five years
TOP = 5  # mentors shown at the top and at the bottom of the visits list
DEFAULT_NO_VISIT_DAYS = 14  # NO_VISIT_DAYS's default; the bot passes the setting


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    PREVIOUS_YEAR = "prev_year"
    CUSTOM = "custom"


class Section(StrEnum):
    MEETINGS = "meetings"
    FAMILIES = "families"
    MENTORS = "mentors"
    PROGRAMMES = "programmes"
    PLANS = "plans"


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    timezone: str  # whose calendar the days are

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """[start, end) in UTC: from the first day's local midnight to the one after the last."""
        zone = ZoneInfo(self.timezone)
        begin = datetime.combine(self.start, time(0), zone).astimezone(UTC)
        finish = datetime.combine(self.end + timedelta(days=1), time(0), zone).astimezone(UTC)
        return begin, finish

    def utc_offset(self) -> timedelta:
        """The zone's offset at the period's start; Russian zones keep no daylight saving."""
        offset = datetime.combine(self.start, time(12), ZoneInfo(self.timezone)).utcoffset()
        return offset or timedelta(0)


def period_for(kind: PeriodKind, today: date, timezone: str) -> Period:
    """One of the preset periods around `today` (the coordinator's local day)."""
    if kind is PeriodKind.MONTH:
        start = today.replace(day=1)
        end = _month_end(start)
    elif kind is PeriodKind.QUARTER:
        first_month = 3 * ((today.month - 1) // 3) + 1
        start = date(today.year, first_month, 1)
        end = _month_end(date(today.year, first_month + 2, 1))
    elif kind is PeriodKind.YEAR:
        start, end = date(today.year, 1, 1), date(today.year, 12, 31)
    elif kind is PeriodKind.PREVIOUS_YEAR:
        start, end = date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    else:
        raise ValueError("a custom period is parsed from the coordinator's text")
    return Period(start, end, timezone)


def _month_end(first: date) -> date:
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return following - timedelta(days=1)


class RangeError(ValueError):
    """A custom range that cannot be used; `reason` picks the message: format, order, length."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_DATE = r"(\d{1,2})[./](\d{1,2})[./](\d{4})"
_RANGE = re.compile(rf"^\s*{_DATE}\s*(?:-|–|—|\.\.|to|по)?\s*{_DATE}\s*$", re.IGNORECASE)


def parse_range(raw: str, timezone: str) -> Period:
    """'01.01.2026 - 31.03.2026' (also with – or a space between) as a period."""
    match = _RANGE.match(raw or "")
    if not match:
        raise RangeError("format")
    numbers = [int(part) for part in match.groups()]
    try:
        start = date(numbers[2], numbers[1], numbers[0])
        end = date(numbers[5], numbers[4], numbers[3])
    except ValueError as exc:
        raise RangeError("format") from exc
    if end < start:
        raise RangeError("order")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise RangeError("length")
    return Period(start, end, timezone)


@dataclass(frozen=True)
class Scope:
    """All families, one mentor's families, or one category's."""

    mentor_id: int | None = None
    category: str | None = None

    def family_ids(self) -> Select[Any] | None:
        if self.mentor_id is not None:
            return select(FamilyLink.family_id).where(
                FamilyLink.person_id == self.mentor_id,
                FamilyLink.kind == FamilyLinkKind.MENTOR.value,
            )
        if self.category is not None:
            return select(Family.id).where(Family.category == self.category)
        return None

    def limit(self, column: Any) -> ColumnElement[bool]:
        """`column` (a family id) within the scope; always true for all families."""
        ids = self.family_ids()
        return column.in_(ids) if ids is not None else literal_column("1") == 1


# --- sections ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingsFigures:
    held: int
    families_with_meetings: int
    active_families: int  # the base for families_with_meetings
    families_by_category: dict[str, int]
    participants: int  # people listed on the period's meetings that were not cancelled
    invited: int
    answered: int
    accepted: int
    attended: int  # people who came to the period's held meetings
    attendance_base: int  # people invited to those meetings
    srs_responses: int
    srs_item_means: dict[str, float]
    srs_total_mean: float | None
    srs_under_concern: int
    # Children with two or more social-map snapshots in the period, and the mean change in their
    # supportive ties from the first of those snapshots to the last (None without such children).
    maps_compared: int = 0
    supportive_change_mean: float | None = None

    @property
    def empty(self) -> bool:
        return not (self.held or self.participants or self.srs_responses or self.maps_compared)


@dataclass(frozen=True)
class FamiliesFigures:
    active: int
    by_category: dict[str, int]
    by_level: dict[str, int]
    closed_improvement: int
    closed_other: int
    new: int

    @property
    def empty(self) -> bool:
        return not (self.active or self.closed_improvement or self.closed_other or self.new)


@dataclass(frozen=True)
class MentorVisits:
    mentor_id: int
    name: str
    visits: int


@dataclass(frozen=True)
class MentorsFigures:
    visits: int
    mentors: int
    mentors_visiting: int  # mentors with at least one visit in the period
    top: list[MentorVisits]
    bottom: list[MentorVisits]
    no_visit_days: int
    families_without_visit: int
    open_families: int  # the base for families_without_visit
    concerns_raised: int
    concerns_acknowledged: int
    median_ack_minutes: float | None

    @property
    def empty(self) -> bool:
        return not (self.visits or self.mentors or self.concerns_raised or self.open_families)


@dataclass(frozen=True)
class WeekHandIn:
    week: int
    released: int
    handed_in: int


@dataclass(frozen=True)
class ProgrammesFigures:
    enrolled: int
    active: int
    completed: int
    positive: int
    hand_in: list[WeekHandIn] = field(default_factory=list)
    ratings: int = 0
    mean_rating: float | None = None

    @property
    def empty(self) -> bool:
        return not (self.enrolled or self.active or self.completed or self.hand_in)


@dataclass(frozen=True)
class PlansFigures:
    """Individual support plans (ИПСС): their tasks and the cases' stages."""

    due: int  # tasks with a deadline in the period, of families active in it
    done: int  # of those, by their status now
    not_done: int
    open: int  # planned or in progress
    overdue: int  # open ones whose deadline is before today
    families_due: int  # families with at least one of those tasks
    added: int  # tasks added in the period
    from_visits: int  # of those, taken with one tap from a visit's notes
    from_decisions: int  # ... or from a network meeting's decision
    closed: int  # families closed in the period
    closed_with_final_meeting: int
    # Open families in scope by case stage today; None unless the period includes today.
    stages: dict[str, int] | None = None

    @property
    def open_families(self) -> int:
        return sum(self.stages.values()) if self.stages else 0

    @property
    def empty(self) -> bool:
        return not (self.due or self.added or self.closed or self.open_families)


async def _scalar(session: AsyncSession, query: Select[Any]) -> int:
    return int((await session.scalar(query)) or 0)


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def meetings(
    session: AsyncSession, actor: Actor, period: Period, scope: Scope, srs_items: list[str]
) -> MeetingsFigures:
    await authorize(session, actor, Action.STATS_VIEW)
    begin, finish = period.utc_bounds()
    in_period = and_(
        Meeting.starts_at >= begin, Meeting.starts_at < finish, scope.limit(Meeting.family_id)
    )
    held = and_(in_period, Meeting.status == MeetingStatus.HELD.value)
    held_count = await _scalar(session, select(func.count()).select_from(Meeting).where(held))
    held_families = select(Meeting.family_id).where(held).distinct()
    families_with = await _scalar(
        session, select(func.count()).select_from(held_families.subquery())
    )
    by_category = await _grouped(
        session,
        select(Family.category, func.count())
        .where(Family.id.in_(held_families))
        .group_by(Family.category),
    )
    active = await _scalar(
        session, select(func.count()).select_from(Family).where(_active_family(period, scope))
    )
    listed = (
        select(
            func.count(),
            func.count(MeetingParticipant.invited_at),
            func.count(case((MeetingParticipant.invited_at.is_not(None), MeetingParticipant.rsvp))),
            func.count(
                case(
                    (
                        and_(
                            MeetingParticipant.invited_at.is_not(None),
                            MeetingParticipant.rsvp == "yes",
                        ),
                        1,
                    )
                )
            ),
        )
        .join(Meeting, Meeting.id == MeetingParticipant.meeting_id)
        .where(in_period, Meeting.status != MeetingStatus.CANCELLED.value)
    )
    participants, invited, answered, accepted = (await session.execute(listed)).one()
    came = (
        select(
            func.count(case((MeetingParticipant.attended.is_(True), 1))),
            func.count(MeetingParticipant.invited_at),
        )
        .join(Meeting, Meeting.id == MeetingParticipant.meeting_id)
        .where(held)
    )
    attended, attendance_base = (await session.execute(came)).one()
    srs_query = (
        select(
            func.count(),
            func.avg(SrsResponse.total),
            func.count(case((SrsResponse.total < CONCERN_TOTAL, 1))),
            *(func.avg(SrsResponse.scores[code].as_integer()) for code in srs_items),
        )
        .join(Meeting, Meeting.id == SrsResponse.meeting_id)
        .where(held)
    )
    srs_row = (await session.execute(srs_query)).one()
    responses = int(srs_row[0] or 0)
    maps_compared, supportive_change = await _supportive_change(session, period, scope)
    return MeetingsFigures(
        held=held_count,
        families_with_meetings=families_with,
        active_families=active,
        families_by_category=by_category,
        participants=int(participants or 0),
        invited=int(invited or 0),
        answered=int(answered or 0),
        accepted=int(accepted or 0),
        attended=int(attended or 0),
        attendance_base=int(attendance_base or 0),
        srs_responses=responses,
        srs_item_means={
            code: float(value)
            for code, value in zip(srs_items, srs_row[3:], strict=True)
            if value is not None
        },
        srs_total_mean=float(srs_row[1]) if responses else None,
        srs_under_concern=int(srs_row[2] or 0),
        maps_compared=maps_compared,
        supportive_change_mean=supportive_change,
    )


async def _supportive_change(
    session: AsyncSession, period: Period, scope: Scope
) -> tuple[int, float | None]:
    """(children, mean change in supportive ties) between each child's first and last social-map
    snapshot dated in the period, over children with at least two such snapshots."""
    supportive = (
        select(SocialMapPerson.map_id, func.count().label("n"))
        .where(SocialMapPerson.nature == TieNature.SUPPORTIVE.value)
        .group_by(SocialMapPerson.map_id)
        .subquery()
    )
    child = (SocialMap.family_id, SocialMap.child_key)
    snapshots = (
        select(
            SocialMap.family_id,
            SocialMap.child_key,
            func.coalesce(supportive.c.n, 0).label("n"),
            func.row_number()
            .over(partition_by=child, order_by=(SocialMap.taken_on, SocialMap.id))
            .label("first"),
            func.row_number()
            .over(partition_by=child, order_by=(SocialMap.taken_on.desc(), SocialMap.id.desc()))
            .label("last"),
            func.count().over(partition_by=child).label("taken"),
        )
        .outerjoin(supportive, supportive.c.map_id == SocialMap.id)
        .where(
            SocialMap.taken_on >= period.start,
            SocialMap.taken_on <= period.end,
            scope.limit(SocialMap.family_id),
        )
        .subquery()
    )
    per_child = (
        select(
            (
                func.sum(case((snapshots.c["last"] == 1, snapshots.c.n), else_=0))
                - func.sum(case((snapshots.c["first"] == 1, snapshots.c.n), else_=0))
            ).label("change")
        )
        .where(snapshots.c.taken >= 2)
        .group_by(snapshots.c.family_id, snapshots.c.child_key)
        .subquery()
    )
    children, mean = (
        await session.execute(select(func.count(), func.avg(per_child.c.change)))
    ).one()
    return int(children or 0), float(mean) if children else None


def _active_family(period: Period, scope: Scope) -> ColumnElement[bool]:
    """Registered before the period ended and not closed before it began."""
    begin, finish = period.utc_bounds()
    return and_(
        Family.created_at < finish,
        or_(Family.closed_at.is_(None), Family.closed_at >= begin),
        scope.limit(Family.id),
    )


async def _grouped(session: AsyncSession, query: Select[str, int]) -> dict[str, int]:
    rows = await session.execute(query)
    return {str(key): int(count) for key, count in rows if key is not None}


async def families(
    session: AsyncSession, actor: Actor, period: Period, scope: Scope
) -> FamiliesFigures:
    await authorize(session, actor, Action.STATS_VIEW)
    begin, finish = period.utc_bounds()
    active = _active_family(period, scope)
    closed_in = and_(Family.closed_at >= begin, Family.closed_at < finish, scope.limit(Family.id))
    improvement = Family.closed_reason == CloseReason.IMPROVEMENT.value
    row = (
        await session.execute(
            select(
                func.count(case((active, 1))),
                func.count(case((and_(closed_in, improvement), 1))),
                func.count(case((and_(closed_in, ~improvement), 1))),
                func.count(
                    case(
                        (
                            and_(
                                Family.created_at >= begin,
                                Family.created_at < finish,
                                scope.limit(Family.id),
                            ),
                            1,
                        )
                    )
                ),
            )
        )
    ).one()
    by_category = await _grouped(
        session, select(Family.category, func.count()).where(active).group_by(Family.category)
    )
    by_level = await _grouped(
        session,
        select(Family.support_level, func.count()).where(active).group_by(Family.support_level),
    )
    return FamiliesFigures(
        active=int(row[0]),
        by_category=by_category,
        by_level=by_level,
        closed_improvement=int(row[1]),
        closed_other=int(row[2]),
        new=int(row[3]),
    )


async def mentors(
    session: AsyncSession,
    actor: Actor,
    period: Period,
    scope: Scope,
    *,
    today: date,
    no_visit_days: int = DEFAULT_NO_VISIT_DAYS,
) -> MentorsFigures:
    """`today` is the coordinator's local day: 'no visit in N days' counts back from it, or
    from the period's end when the period is over."""
    await authorize(session, actor, Action.STATS_VIEW)
    begin, finish = period.utc_bounds()
    visits_total, board = await _visits_by_mentor(session, period, scope)
    top = sorted(board, key=lambda m: (-m.visits, m.mentor_id))[:TOP]
    top_ids = {m.mentor_id for m in top}
    # The bottom list repeats nobody from the top, so a small team is not listed twice.
    bottom = sorted(board, key=lambda m: (m.visits, m.mentor_id))[:TOP]
    bottom = [m for m in bottom if m.mentor_id not in top_ids]
    cutoff_day = min(today, period.end)
    cutoff = cutoff_day - timedelta(days=no_visit_days)
    open_at_cutoff = and_(
        Family.created_at < finish,
        or_(Family.closed_at.is_(None), Family.closed_at >= finish),
        scope.limit(Family.id),
    )
    recent_visit = (
        select(Visit.id)
        .where(
            Visit.family_id == Family.id,
            Visit.deleted_at.is_(None),
            Visit.visit_date > cutoff,
            Visit.visit_date <= cutoff_day,
        )
        .exists()
    )
    open_families, without = (
        await session.execute(
            select(func.count(), func.count(case((~recent_visit, 1)))).where(open_at_cutoff)
        )
    ).one()
    raised_in = and_(
        SafetyConcern.raised_at >= begin,
        SafetyConcern.raised_at < finish,
        scope.limit(SafetyConcern.family_id),
    )
    raised, acknowledged = (
        await session.execute(
            select(func.count(), func.count(SafetyConcern.acknowledged_at)).where(raised_in)
        )
    ).one()
    median = await _median_ack_minutes(session, raised_in, int(acknowledged or 0))
    return MentorsFigures(
        visits=visits_total,
        mentors=len(board),
        mentors_visiting=sum(1 for m in board if m.visits > 0),
        top=top,
        bottom=bottom,
        no_visit_days=no_visit_days,
        families_without_visit=int(without or 0),
        open_families=int(open_families or 0),
        concerns_raised=int(raised or 0),
        concerns_acknowledged=int(acknowledged or 0),
        median_ack_minutes=median,
    )


async def _visits_by_mentor(
    session: AsyncSession, period: Period, scope: Scope
) -> tuple[int, list[MentorVisits]]:
    """(the period's live visits, every mentor in scope with their count). The visits are
    counted in one grouped scan, one row per mentor: at 500,000 visits a year each scan costs
    ~60 ms on SQLite, and counting them per list (top, bottom, totals) took four."""
    live_in_period = and_(
        Visit.deleted_at.is_(None),
        Visit.visit_date >= period.start,
        Visit.visit_date <= period.end,
        scope.limit(Visit.family_id),
    )
    counts = {
        mentor_id: int(count)
        for mentor_id, count in await session.execute(
            select(Visit.mentor_id, func.count()).where(live_in_period).group_by(Visit.mentor_id)
        )
    }
    mentor_people = select(PersonRole.person_id).where(PersonRole.role == Role.MENTOR.value)
    if scope.mentor_id is not None:
        mentor_people = mentor_people.where(PersonRole.person_id == scope.mentor_id)
    elif scope.category is not None:
        mentor_people = mentor_people.where(
            PersonRole.person_id.in_(
                select(FamilyLink.person_id).where(
                    FamilyLink.kind == FamilyLinkKind.MENTOR.value,
                    scope.limit(FamilyLink.family_id),
                )
            )
        )
    people = await session.execute(
        select(Person.id, Person.display_name).where(Person.id.in_(mentor_people))
    )
    board = [MentorVisits(int(i), str(name), counts.get(int(i), 0)) for i, name in people]
    return sum(counts.values()), board


def seconds_between(session: AsyncSession, later: Any, earlier: Any) -> ColumnElement[Any]:
    if _dialect(session) == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0
    return func.extract("epoch", later - earlier)


async def _median_ack_minutes(
    session: AsyncSession, raised_in: ColumnElement[bool], acknowledged: int
) -> float | None:
    """The median of a sorted column: the middle one or two rows, picked by OFFSET in SQL."""
    if not acknowledged:
        return None
    duration = seconds_between(session, SafetyConcern.acknowledged_at, SafetyConcern.raised_at)
    middle = (
        select(duration)
        .where(raised_in, SafetyConcern.acknowledged_at.is_not(None))
        .order_by(duration)
        .offset((acknowledged - 1) // 2)
        .limit(1 if acknowledged % 2 else 2)
    )
    values = [float(v) for v in await session.scalars(middle)]
    return sum(values) / len(values) / 60.0


def positive_dynamics() -> ColumnElement[bool]:
    """SQL twin of Enrollment.positive_dynamics being true."""
    return or_(
        Enrollment.positive_override.is_(True),
        and_(
            Enrollment.positive_override.is_(None),
            Enrollment.exit_total.is_not(None),
            Enrollment.entry_total.is_not(None),
            Enrollment.exit_total > Enrollment.entry_total,
        ),
    )


async def programmes(
    session: AsyncSession, actor: Actor, period: Period, scope: Scope
) -> ProgrammesFigures:
    await authorize(session, actor, Action.STATS_VIEW)
    begin, finish = period.utc_bounds()
    in_scope = scope.limit(Enrollment.family_id)
    completed_in = and_(Enrollment.completed_at >= begin, Enrollment.completed_at < finish)
    active = and_(
        Enrollment.created_at < finish,
        or_(Enrollment.completed_at.is_(None), Enrollment.completed_at >= begin),
        or_(Enrollment.stopped_at.is_(None), Enrollment.stopped_at >= begin),
    )
    row = (
        await session.execute(
            select(
                func.count(
                    case((and_(Enrollment.created_at >= begin, Enrollment.created_at < finish), 1))
                ),
                func.count(case((active, 1))),
                func.count(case((completed_in, 1))),
                func.count(case((and_(completed_in, positive_dynamics()), 1))),
            ).where(in_scope)
        )
    ).one()
    week_scope = HomeworkWeek.enrollment_id.in_(select(Enrollment.id).where(in_scope))
    released_in = and_(
        HomeworkWeek.released_at >= begin, HomeworkWeek.released_at < finish, week_scope
    )
    hand_in_rows = await session.execute(
        select(HomeworkWeek.week_number, func.count(), func.count(HomeworkWeek.done_at))
        .where(released_in)
        .group_by(HomeworkWeek.week_number)
        .order_by(HomeworkWeek.week_number)
    )
    rated = (
        await session.execute(
            select(func.count(HomeworkWeek.rating), func.avg(HomeworkWeek.rating)).where(
                HomeworkWeek.done_at >= begin, HomeworkWeek.done_at < finish, week_scope
            )
        )
    ).one()
    return ProgrammesFigures(
        enrolled=int(row[0]),
        active=int(row[1]),
        completed=int(row[2]),
        positive=int(row[3]),
        hand_in=[WeekHandIn(int(w), int(r), int(d)) for w, r, d in hand_in_rows],
        ratings=int(rated[0] or 0),
        mean_rating=float(rated[1]) if rated[0] else None,
    )


async def plans(
    session: AsyncSession, actor: Actor, period: Period, scope: Scope, *, today: date
) -> PlansFigures:
    """`today` is the coordinator's local day: an open task due before it is overdue (so for a
    period already over every open one is), and the stages "now" are shown only for a period
    that includes it. Deadlines are dates, compared with the period's days."""
    await authorize(session, actor, Action.STATS_VIEW)
    begin, finish = period.utc_bounds()
    is_open = PlanTask.status.in_(OPEN_STATUSES)
    # A family closed before the period began left its open tasks behind: not the period's.
    due = (
        await session.execute(
            select(
                func.count(),
                func.count(case((PlanTask.status == PlanTaskStatus.DONE.value, 1))),
                func.count(case((PlanTask.status == PlanTaskStatus.NOT_DONE.value, 1))),
                func.count(case((is_open, 1))),
                func.count(case((and_(is_open, PlanTask.due_date < today), 1))),
                func.count(distinct(PlanTask.family_id)),
            )
            .select_from(PlanTask)
            .join(Family, Family.id == PlanTask.family_id)
            .where(
                PlanTask.due_date >= period.start,
                PlanTask.due_date <= period.end,
                _active_family(period, scope),
            )
        )
    ).one()
    added = (
        await session.execute(
            select(
                func.count(),
                func.count(case((PlanTask.source_type == SOURCE_VISIT, 1))),
                func.count(case((PlanTask.source_type == SOURCE_DECISION, 1))),
            ).where(
                PlanTask.created_at >= begin,
                PlanTask.created_at < finish,
                scope.limit(PlanTask.family_id),
            )
        )
    ).one()
    closed = (
        await session.execute(
            select(func.count(), func.count(CaseRecord.final_meeting_date))
            .select_from(Family)
            .outerjoin(CaseRecord, CaseRecord.family_id == Family.id)
            .where(Family.closed_at >= begin, Family.closed_at < finish, scope.limit(Family.id))
        )
    ).one()
    stages = await _stages_now(session, scope) if period.start <= today <= period.end else None
    return PlansFigures(
        due=int(due[0] or 0),
        done=int(due[1] or 0),
        not_done=int(due[2] or 0),
        open=int(due[3] or 0),
        overdue=int(due[4] or 0),
        families_due=int(due[5] or 0),
        added=int(added[0] or 0),
        from_visits=int(added[1] or 0),
        from_decisions=int(added[2] or 0),
        closed=int(closed[0] or 0),
        closed_with_final_meeting=int(closed[1] or 0),
        stages=stages,
    )


async def _stages_now(session: AsyncSession, scope: Scope) -> dict[str, int]:
    """Open families by case stage, by case_plans.case_state's rule: no case record is request
    and diagnosis, and a reopened family's "closed" record is final monitoring. Grouped over a
    subquery, as PostgreSQL refuses the CASE's parameters in both SELECT and GROUP BY."""
    stage = case(
        (CaseRecord.stage.is_(None), CaseStage.INTAKE.value),
        (CaseRecord.stage == CaseStage.CLOSED.value, CaseStage.FINAL_MONITORING.value),
        else_=CaseRecord.stage,
    ).label("stage")
    per_family = (
        select(stage)
        .select_from(Family)
        .outerjoin(CaseRecord, CaseRecord.family_id == Family.id)
        .where(Family.closed_at.is_(None), scope.limit(Family.id))
        .subquery()
    )
    counts = await _grouped(
        session, select(per_family.c.stage, func.count()).group_by(per_family.c.stage)
    )
    # Every open stage, in the case's order, so the snapshot reads as the path it is.
    return {s.value: counts.get(s.value, 0) for s in OPEN_STAGES}


# --- for charts ----------------------------------------------------------------------------


def month_of(session: AsyncSession, column: Any, offset: timedelta | None = None) -> Any:
    """'YYYY-MM' of a date or (shifted to local time by `offset`) a UTC datetime column.

    On PostgreSQL the datetime is first read as UTC wall time (to_char would otherwise use the
    server session's zone) and the offset added as an INTERVAL. Group by it over a subquery:
    PostgreSQL numbers the parameters of SELECT and GROUP BY apart and refuses the pair.
    """
    if _dialect(session) == "sqlite":
        if offset is None:
            return func.strftime("%Y-%m", column)
        return func.strftime("%Y-%m", column, f"{int(offset.total_seconds())} seconds")
    if offset is not None:
        column = func.timezone("UTC", column) + literal(offset, Interval())
    return func.to_char(column, "YYYY-MM")
