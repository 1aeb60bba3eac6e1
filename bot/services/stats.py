"""The figures coordinators review (/stats, /report, /charts). Every number is a SQL aggregate:
rows are counted where they live, never loaded into Python.

A period is a range of the coordinator's local calendar days; datetime columns are compared
with its UTC bounds, date columns (a visit's day, a decision's date, a task's deadline) with the
days themselves.
A scope narrows everything to the families of one mentor or of one category.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import MentorStatus
from bot.db.queries import cases as case_queries
from bot.db.queries import mentors as mentor_queries
from bot.db.queries import report as report_queries
from bot.db.queries import stats as queries
from bot.services.access import Action, Actor, authorize
from bot.services.case_plans import SOURCE_DECISION, SOURCE_VISIT
from bot.services.cases import OPEN_STAGES

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
    HELP = "help"  # help given and methods used on visits


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
        return queries.scope_family_ids(self.mentor_id, self.category)

    def limit(self, column: Any) -> ColumnElement[bool]:
        """`column` (a family id) within the scope; always true for all families."""
        return queries.scope_limit(column, self.mentor_id, self.category)


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
class Reach:
    """Children and adults of the make-up recorded for the families active in the period (the
    families /stats counts as in work)."""

    children: int = 0
    adults: int = 0
    families_with_makeup: int = 0
    active: int = 0  # the base for families_with_makeup


@dataclass(frozen=True)
class Requests:
    """Requests (обращения) received on one of the period's days: by how the family came and
    by each kind of difficulty they name (a request may name several)."""

    received: int = 0
    by_source: dict[str, int] = field(default_factory=dict)
    by_difficulty: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class FamiliesFigures:
    active: int
    by_category: dict[str, int]
    by_level: dict[str, int]
    closed_improvement: int
    closed_other: int
    new: int
    reach: Reach = field(default_factory=Reach)
    requests: Requests = field(default_factory=Requests)

    @property
    def empty(self) -> bool:
        return not (
            self.active
            or self.closed_improvement
            or self.closed_other
            or self.new
            or self.requests.received
        )


@dataclass(frozen=True)
class MentorVisits:
    mentor_id: int
    name: str
    visits: int


@dataclass(frozen=True)
class CodeTotal:
    """One kind of help (or one method): families with at least one visit in the period that
    gave it, and those visits."""

    code: str
    families: int
    visits: int


@dataclass(frozen=True)
class VisitWork:
    """Help given and methods used on the period's live visits, most families first."""

    families_visited: int = 0  # the base: families with a live visit in the period
    help: list[CodeTotal] = field(default_factory=list)
    methods: list[CodeTotal] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.families_visited


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
    # The registry now (whole service only; empty for a mentor's or a category's scope).
    by_status: tuple[tuple[str, int], ...] = ()
    training_completed: int = 0  # every lesson of the course done
    training_minutes: int = 0  # lessons' minutes and sessions held in person

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
class AssessmentChange:
    """The families whose final assessment is dated in the period and that have an aspect
    rated both at intake and at the final monitoring: the mean of their averages before and
    after and of their change, over the aspects rated both times (as the case card's change),
    and how many improved, stayed the same or got worse."""

    families: int = 0
    intake_mean: float | None = None
    final_mean: float | None = None
    change_mean: float | None = None
    improved: int = 0
    unchanged: int = 0
    worse: int = 0


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
    consiliums_held: int = 0  # consilium reviews held on one of the period's days
    # Open families' consilium reviews planned before today, neither held nor cancelled, and
    # the families they belong to; None unless the period includes today (as the stages).
    consiliums_overdue: int | None = None
    consilium_overdue_families: int | None = None
    assessment: AssessmentChange = field(default_factory=AssessmentChange)

    @property
    def open_families(self) -> int:
        return sum(self.stages.values()) if self.stages else 0

    @property
    def empty(self) -> bool:
        return not (
            self.due
            or self.added
            or self.closed
            or self.open_families
            or self.consiliums_held
            or self.assessment.families
        )


def window(period: Period, scope: Scope) -> queries.Window:
    """What the read models take: the period's UTC bounds and days, and the scope's ids."""
    begin, finish = period.utc_bounds()
    return queries.Window(begin, finish, period.start, period.end, scope.mentor_id, scope.category)


async def meetings(
    session: AsyncSession, actor: Actor, period: Period, scope: Scope, srs_items: list[str]
) -> MeetingsFigures:
    await authorize(session, actor, Action.STATS_VIEW)
    w = window(period, scope)
    held_count = await queries.meetings_held(session, w)
    families_with = await queries.families_with_held_meetings(session, w)
    by_category = await queries.held_families_by_category(session, w)
    active = await queries.active_families(session, w)
    participants, invited, answered, accepted = await queries.participants(session, w)
    attended, attendance_base = await queries.attendance(session, w)
    srs_row = await queries.srs_of_held_meetings(
        session, w, srs_items=srs_items, concern_total=CONCERN_TOTAL
    )
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
    children, mean = await queries.supportive_change(session, window(period, scope))
    return int(children or 0), float(mean) if children else None


async def families(
    session: AsyncSession, actor: Actor, period: Period, scope: Scope
) -> FamiliesFigures:
    await authorize(session, actor, Action.STATS_VIEW)
    w = window(period, scope)
    row = await queries.family_counts(session, w)
    by_category = await queries.active_families_by_category(session, w)
    by_level = await queries.active_families_by_level(session, w)
    return FamiliesFigures(
        active=int(row[0]),
        by_category=by_category,
        by_level=by_level,
        closed_improvement=int(row[1]),
        closed_other=int(row[2]),
        new=int(row[3]),
        reach=await _reach(session, w, active=int(row[0])),
        requests=await _requests(session, w),
    )


async def reach(session: AsyncSession, actor: Actor, period: Period, scope: Scope) -> Reach:
    """Children and adults reached: the make-up of the families active in the period."""
    await authorize(session, actor, Action.STATS_VIEW)
    w = window(period, scope)
    return await _reach(session, w, active=await queries.active_families(session, w))


async def _reach(session: AsyncSession, w: queries.Window, *, active: int) -> Reach:
    children, adults, families_with = await case_queries.members_reached(session, w)
    return Reach(
        children=int(children or 0),
        adults=int(adults or 0),
        families_with_makeup=int(families_with or 0),
        active=active,
    )


async def requests(session: AsyncSession, actor: Actor, period: Period, scope: Scope) -> Requests:
    """Requests received in the period by how the families came and by kind of difficulty."""
    await authorize(session, actor, Action.STATS_VIEW)
    return await _requests(session, window(period, scope))


async def _requests(session: AsyncSession, w: queries.Window) -> Requests:
    by_source = await case_queries.requests_by_source(session, w)
    return Requests(
        received=sum(by_source.values()),
        by_source=by_source,
        by_difficulty=await case_queries.requests_by_difficulty(session, w),
    )


async def mentors(
    session: AsyncSession,
    actor: Actor,
    period: Period,
    scope: Scope,
    *,
    today: date,
    no_visit_days: int = DEFAULT_NO_VISIT_DAYS,
    lesson_codes: Sequence[str] = (),
) -> MentorsFigures:
    """`today` is the coordinator's local day: 'no visit in N days' counts back from it, or
    from the period's end when the period is over. `lesson_codes` are the course's lessons
    (content/course.yaml): who did them all finished the training."""
    await authorize(session, actor, Action.STATS_VIEW)
    w = window(period, scope)
    visits_total, board = await _visits_by_mentor(session, period, scope)
    top = sorted(board, key=lambda m: (-m.visits, m.mentor_id))[:TOP]
    top_ids = {m.mentor_id for m in top}
    # The bottom list repeats nobody from the top, so a small team is not listed twice.
    bottom = sorted(board, key=lambda m: (m.visits, m.mentor_id))[:TOP]
    bottom = [m for m in bottom if m.mentor_id not in top_ids]
    cutoff_day = min(today, period.end)
    cutoff = cutoff_day - timedelta(days=no_visit_days)
    open_families, without = await queries.open_families_without_visit(
        session, w, cutoff, cutoff_day
    )
    raised, acknowledged = await queries.concerns(session, w)
    median = await _median_ack_minutes(session, w, int(acknowledged or 0))
    registry: dict[str, Any] = {}
    if scope.mentor_id is None and scope.category is None:
        counts = await mentor_queries.count_by_status(session)
        training = await mentor_queries.training_totals(session, lesson_codes)
        registry = {
            "by_status": tuple((code, counts[code]) for code in MentorStatus if code in counts),
            "training_completed": training.completed,
            "training_minutes": training.lesson_minutes + training.session_minutes,
        }
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
        **registry,
    )


async def visit_work(
    session: AsyncSession, actor: Actor, period: Period, scope: Scope
) -> VisitWork:
    """The help section: help given and methods used, totalled (families and visits per kind).
    Each list is read from visit_codes (one row per code of a live visit), still the costliest
    figure of /stats over all families (bench/stats.py), so it is a section of its own."""
    await authorize(session, actor, Action.STATS_VIEW)
    w = window(period, scope)

    def totals(counts: dict[str, tuple[int, int]]) -> list[CodeTotal]:
        rows = [CodeTotal(code, families, visits) for code, (visits, families) in counts.items()]
        return sorted(rows, key=lambda t: (-t.families, -t.visits, t.code))

    return VisitWork(
        families_visited=await report_queries.families_visited(session, w),
        help=totals(await case_queries.visit_codes(session, w, "help")),
        methods=totals(await case_queries.visit_codes(session, w, "methods")),
    )


async def _visits_by_mentor(
    session: AsyncSession, period: Period, scope: Scope
) -> tuple[int, list[MentorVisits]]:
    """(the period's live visits, every mentor in scope with their count). The visits are
    counted in one grouped scan, one row per mentor (see queries.visits_by_mentor)."""
    counts = await queries.visits_by_mentor(session, window(period, scope))
    people = await queries.mentor_names(session, window(period, scope))
    board = [MentorVisits(int(i), str(name), counts.get(int(i), 0)) for i, name in people.items()]
    return sum(counts.values()), board


async def _median_ack_minutes(
    session: AsyncSession, w: queries.Window, acknowledged: int
) -> float | None:
    """The median of a sorted column: the middle one or two rows, picked by OFFSET in SQL."""
    if not acknowledged:
        return None
    values = await queries.ack_seconds_sorted(
        session,
        w,
        offset=(acknowledged - 1) // 2,
        limit=1 if acknowledged % 2 else 2,
    )
    return sum(values) / len(values) / 60.0


async def programmes(
    session: AsyncSession, actor: Actor, period: Period, scope: Scope
) -> ProgrammesFigures:
    await authorize(session, actor, Action.STATS_VIEW)
    w = window(period, scope)
    row = await queries.enrolment_counts(session, w)
    hand_in_rows = await queries.hand_in_by_week(session, w)
    rated = await queries.ratings(session, w)
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
    w = window(period, scope)
    due = await queries.tasks_due(session, w, today=today)
    added = await queries.tasks_added(
        session,
        w,
        from_visit=SOURCE_VISIT,
        from_decision=SOURCE_DECISION,
    )
    closed = await queries.families_closed(session, w)
    now_in_period = period.start <= today <= period.end
    stages = await _stages_now(session, w) if now_in_period else None
    overdue, overdue_families = (
        await case_queries.consiliums_overdue(session, w, today=today)
        if now_in_period
        else (None, None)
    )
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
        consiliums_held=await case_queries.consiliums_held(session, w),
        consiliums_overdue=None if overdue is None else int(overdue),
        consilium_overdue_families=None if overdue_families is None else int(overdue_families),
        assessment=await _assessment_change(session, w),
    )


async def consilium_reviews(
    session: AsyncSession, actor: Actor, period: Period, scope: Scope, *, today: date
) -> tuple[int, int, int]:
    """(reviews held in the period, reviews overdue today, families with one overdue): the
    plans section's consilium figures on their own (the bench times them)."""
    await authorize(session, actor, Action.STATS_VIEW)
    w = window(period, scope)
    overdue, families_overdue = await case_queries.consiliums_overdue(session, w, today=today)
    held = await case_queries.consiliums_held(session, w)
    return held, int(overdue or 0), int(families_overdue or 0)


async def assessment_change(
    session: AsyncSession, actor: Actor, period: Period, scope: Scope
) -> AssessmentChange:
    """The assessment's change between intake and final monitoring (see AssessmentChange)."""
    await authorize(session, actor, Action.STATS_VIEW)
    return await _assessment_change(session, window(period, scope))


async def _assessment_change(session: AsyncSession, w: queries.Window) -> AssessmentChange:
    row = await case_queries.assessment_change(session, w)
    families = int(row[0] or 0)
    if not families:
        return AssessmentChange()
    return AssessmentChange(
        families=families,
        intake_mean=float(row[1]),
        final_mean=float(row[2]),
        change_mean=float(row[3]),
        improved=int(row[4] or 0),
        unchanged=int(row[5] or 0),
        worse=int(row[6] or 0),
    )


async def _stages_now(session: AsyncSession, w: queries.Window) -> dict[str, int]:
    """Open families by case stage (no case record: request and diagnosis; a reopened family's
    "closed" record: final monitoring)."""
    counts = await queries.open_families_by_stage(session, w)
    # Every open stage, in the case's order, so the snapshot reads as the path it is.
    return {s.value: counts.get(s.value, 0) for s in OPEN_STAGES}
