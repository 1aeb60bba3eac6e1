"""The figures of "evidence that change lasts" (/stats, /report, /charts) and their /export
sheets: follow-ups of completed programmes, meetings by reason, decisions taken and carried out,
the programme evaluations. Parameters as in bot/db/queries/stats.py; the export builders are
shaped like bot/db/repositories/export.py (plain columns as the driver gives them, by id)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import NullType

from bot.db.models import (
    CloseReason,
    Enrollment,
    Family,
    Meeting,
    MeetingDecision,
    MeetingStatus,
    ProgrammeEvaluation,
    QuestionnaireFollowUp,
    SpecialistEvaluation,
)
from bot.db.queries.stats import Window, dialect_of, positive_dynamics
from bot.db.repositories.export import Limit

# --- lasting change ---------------------------------------------------------------------------


def _tolerance(tolerances: Mapping[str, int], default: int) -> ColumnElement[Any]:
    """The programme's lasting tolerance, by its code (the content's, passed in)."""
    if not tolerances:
        return literal(default)
    return case(
        *((Enrollment.programme_code == code, literal(t)) for code, t in tolerances.items()),
        else_=literal(default),
    )


def _kept(tolerances: Mapping[str, int], default: int) -> ColumnElement[bool]:
    """SQL twin of programme_follow_ups.kept_change: the follow-up's total at least the exit total
    less the programme's tolerance."""
    return QuestionnaireFollowUp.total >= Enrollment.exit_total - _tolerance(tolerances, default)


def _followed_positive(w: Window) -> ColumnElement[bool]:
    """An answered follow-up of a programme completed with positive dynamics (and an exit
    total to compare with), of a family in scope."""
    return and_(
        QuestionnaireFollowUp.answered_at.is_not(None),
        QuestionnaireFollowUp.total.is_not(None),
        Enrollment.completed_at.is_not(None),
        Enrollment.exit_total.is_not(None),
        positive_dynamics(),
        w.limit(Enrollment.family_id),
    )


async def lasting_change(
    session: AsyncSession, w: Window, tolerances: Mapping[str, int], default: int
) -> Row[*tuple[Any, ...]]:
    """(programmes with a follow-up answered in the period, of those kept) judged on each one's
    latest follow-up answered by the period's end: it is in the period exactly when one is."""
    latest = (
        select(
            QuestionnaireFollowUp.answered_at,
            case((_kept(tolerances, default), 1), else_=0).label("kept"),
            func.row_number()
            .over(
                partition_by=QuestionnaireFollowUp.enrollment_id,
                order_by=(
                    QuestionnaireFollowUp.answered_at.desc(),
                    QuestionnaireFollowUp.months.desc(),
                ),
            )
            .label("rank"),
        )
        .join(Enrollment, Enrollment.id == QuestionnaireFollowUp.enrollment_id)
        .where(_followed_positive(w), QuestionnaireFollowUp.answered_at < w.finish)
        .subquery()
    )
    return (
        await session.execute(
            select(func.count(), func.sum(latest.c.kept)).where(
                latest.c["rank"] == 1, latest.c.answered_at >= w.begin
            )
        )
    ).one()


async def lasting_change_by_months(
    session: AsyncSession, w: Window, tolerances: Mapping[str, int], default: int
) -> list[Row[*tuple[Any, ...]]]:
    """(months after the programme, follow-ups answered in the period, of those kept), by
    months, of programmes completed with positive dynamics."""
    rows = await session.execute(
        select(
            QuestionnaireFollowUp.months,
            func.count(),
            func.count(case((_kept(tolerances, default), 1))),
        )
        .join(Enrollment, Enrollment.id == QuestionnaireFollowUp.enrollment_id)
        .where(
            _followed_positive(w),
            QuestionnaireFollowUp.answered_at >= w.begin,
            QuestionnaireFollowUp.answered_at < w.finish,
        )
        .group_by(QuestionnaireFollowUp.months)
        .order_by(QuestionnaireFollowUp.months)
    )
    return list(rows)


# --- meetings: reasons and decisions -------------------------------------------------------------


async def meetings_by_reason(session: AsyncSession, w: Window) -> dict[str | None, int]:
    """Meetings (not cancelled) that take place in the period, by reason; None: not stated."""
    rows = await session.execute(
        select(Meeting.reason, func.count())
        .where(
            Meeting.starts_at >= w.begin,
            Meeting.starts_at < w.finish,
            Meeting.status != MeetingStatus.CANCELLED.value,
            w.limit(Meeting.family_id),
        )
        .group_by(Meeting.reason)
    )
    return {reason: int(count) for reason, count in rows}


def _decisions_in(w: Window) -> ColumnElement[bool]:
    return and_(
        MeetingDecision.created_at >= w.begin,
        MeetingDecision.created_at < w.finish,
        w.limit(Meeting.family_id),
    )


async def decision_zones(session: AsyncSession, w: Window) -> list[str]:
    """The zones of the meetings whose decisions were taken in the period."""
    rows = await session.scalars(
        select(Meeting.timezone)
        .join(MeetingDecision, MeetingDecision.meeting_id == Meeting.id)
        .where(_decisions_in(w))
        .distinct()
    )
    return [str(zone) for zone in rows]


def local_day(session: AsyncSession, column: Any, offsets: Mapping[str, timedelta]) -> Any:
    """The date of a UTC datetime column in the meeting's (the family's) calendar. PostgreSQL
    converts by the zone's name; SQLite by each zone's offset, passed in (Russian zones keep
    no daylight saving)."""
    if dialect_of(session) != "sqlite":
        return func.date(func.timezone(Meeting.timezone, column))
    if not offsets:
        return func.date(column)
    return case(
        *(
            (Meeting.timezone == zone, func.date(column, f"{int(o.total_seconds())} seconds"))
            for zone, o in offsets.items()
        ),
        else_=func.date(column),
    )


async def decisions(
    session: AsyncSession, w: Window, *, today: date, offsets: Mapping[str, timedelta]
) -> Row[*tuple[Any, ...]]:
    """(taken in the period, done by their date, done later, marked not done, still open, open
    and due before `today`) of the decisions of meetings of families in scope."""
    done_day = local_day(session, MeetingDecision.done_at, offsets)
    done = MeetingDecision.done_at.is_not(None)
    is_open = and_(MeetingDecision.done_at.is_(None), MeetingDecision.not_done_at.is_(None))
    return (
        await session.execute(
            select(
                func.count(),
                func.count(case((and_(done, done_day <= MeetingDecision.due_date), 1))),
                func.count(case((and_(done, done_day > MeetingDecision.due_date), 1))),
                func.count(case((and_(~done, MeetingDecision.not_done_at.is_not(None)), 1))),
                func.count(case((is_open, 1))),
                func.count(case((and_(is_open, MeetingDecision.due_date < today), 1))),
            )
            .select_from(MeetingDecision)
            .join(Meeting, Meeting.id == MeetingDecision.meeting_id)
            .where(_decisions_in(w))
        )
    ).one()


# --- families taken off the register ---------------------------------------------------------


async def closed_improvement(session: AsyncSession, w: Window) -> Row[*tuple[Any, ...]]:
    """(families closed in the period because their situation improved, of those with at least
    one network meeting held)."""
    held = (
        select(Meeting.id)
        .where(Meeting.family_id == Family.id, Meeting.status == MeetingStatus.HELD.value)
        .exists()
    )
    return (
        await session.execute(
            select(func.count(), func.count(case((held, 1)))).where(
                Family.closed_at >= w.begin,
                Family.closed_at < w.finish,
                Family.closed_reason == CloseReason.IMPROVEMENT.value,
                w.limit(Family.id),
            )
        )
    ).one()


# --- export sheets ------------------------------------------------------------------------------


def _raw(*columns: Any) -> Select[*tuple[Any, ...]]:
    return select(*(type_coerce(column, NullType()) for column in columns))


def _follow_up_total(months: int) -> Any:
    return (
        select(QuestionnaireFollowUp.total)
        .where(
            QuestionnaireFollowUp.enrollment_id == Enrollment.id,
            QuestionnaireFollowUp.months == months,
            QuestionnaireFollowUp.answered_at.is_not(None),
        )
        .correlate(Enrollment)
        .scalar_subquery()
    )


def _enrolment_in_play(begin: datetime, finish: datetime) -> ColumnElement[bool]:
    """In a programme during the period, or followed up in it."""
    followed = (
        select(QuestionnaireFollowUp.id)
        .where(
            QuestionnaireFollowUp.enrollment_id == Enrollment.id,
            QuestionnaireFollowUp.answered_at >= begin,
            QuestionnaireFollowUp.answered_at < finish,
        )
        .exists()
    )
    active = and_(
        Enrollment.created_at < finish,
        or_(Enrollment.completed_at.is_(None), Enrollment.completed_at >= begin),
        or_(Enrollment.stopped_at.is_(None), Enrollment.stopped_at >= begin),
    )
    return or_(active, followed)


def enrolments(
    begin: datetime, finish: datetime, limit: Limit, months: Sequence[int]
) -> Select[*tuple[Any, ...]]:
    """Enrolments in play in the period: programme, status, start, completion, the override
    and the totals at entry, exit and each follow-up of `months`."""
    return (
        _raw(
            Enrollment.id,
            Enrollment.family_id,
            Enrollment.programme_code,
            Enrollment.status,
            Enrollment.start_date,
            Enrollment.completed_at,
            Enrollment.positive_override,
            Enrollment.entry_total,
            Enrollment.exit_total,
            *(_follow_up_total(m) for m in months),
        )
        .where(_enrolment_in_play(begin, finish), limit(Enrollment.family_id))
        .order_by(Enrollment.id)
    )


def programme_evaluations(
    begin: datetime, finish: datetime, limit: Limit
) -> Select[*tuple[Any, ...]]:
    """The families' own evaluations given in the period."""
    return (
        _raw(
            ProgrammeEvaluation.enrollment_id,
            Enrollment.family_id,
            Enrollment.programme_code,
            ProgrammeEvaluation.created_at,
            ProgrammeEvaluation.answers,
            ProgrammeEvaluation.open_answer,
        )
        .join(Enrollment, Enrollment.id == ProgrammeEvaluation.enrollment_id)
        .where(
            ProgrammeEvaluation.created_at >= begin,
            ProgrammeEvaluation.created_at < finish,
            limit(Enrollment.family_id),
        )
        .order_by(ProgrammeEvaluation.id)
    )


def specialist_evaluations(
    begin: datetime, finish: datetime, limit: Limit
) -> Select[*tuple[Any, ...]]:
    """The specialists' evaluations given in the period."""
    return (
        _raw(
            SpecialistEvaluation.enrollment_id,
            Enrollment.family_id,
            Enrollment.programme_code,
            SpecialistEvaluation.created_at,
            SpecialistEvaluation.engagement,
            SpecialistEvaluation.homework,
            SpecialistEvaluation.fit,
            SpecialistEvaluation.further,
            SpecialistEvaluation.note,
        )
        .join(Enrollment, Enrollment.id == SpecialistEvaluation.enrollment_id)
        .where(
            SpecialistEvaluation.created_at >= begin,
            SpecialistEvaluation.created_at < finish,
            limit(Enrollment.family_id),
        )
        .order_by(SpecialistEvaluation.id)
    )


def meeting_decisions(begin: datetime, finish: datetime, limit: Limit) -> Select[*tuple[Any, ...]]:
    """Decisions taken in the period, with the meeting's zone to judge "by its date"."""
    return (
        _raw(
            MeetingDecision.id,
            MeetingDecision.meeting_id,
            Meeting.family_id,
            MeetingDecision.what,
            MeetingDecision.due_date,
            MeetingDecision.created_at,
            MeetingDecision.done_at,
            MeetingDecision.not_done_at,
            MeetingDecision.not_done_reason,
            Meeting.timezone,
        )
        .join(Meeting, Meeting.id == MeetingDecision.meeting_id)
        .where(
            MeetingDecision.created_at >= begin,
            MeetingDecision.created_at < finish,
            limit(Meeting.family_id),
        )
        .order_by(MeetingDecision.id)
    )
