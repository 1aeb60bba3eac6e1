"""The rows of a raw-data export, one query per sheet. Each returns plain columns in a stable
order (no ORM objects), ordered by id so the rows can be streamed in chunks and joined by id.

The columns come back as the driver gives them, without SQLAlchemy's result processing (which
took two thirds of the fetch time of a big export): on SQLite dates, datetimes and JSON are
strings, booleans 0/1. bot/services/export.py reads either form."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, type_coerce
from sqlalchemy.orm import aliased
from sqlalchemy.types import NullType

from bot.db.models import (
    Enrollment,
    Family,
    HomeworkAnswer,
    HomeworkWeek,
    Meeting,
    MeetingParticipant,
    Person,
    SafetyConcern,
    SrsResponse,
    Visit,
)


def _raw(*columns: Any) -> Select[*tuple[Any, ...]]:
    return select(*(type_coerce(column, NullType()) for column in columns))


# Narrows a family-id column to the export's scope (stats.Scope.limit).
Limit = Callable[[Any], ColumnElement[bool]]


def families(begin: datetime, finish: datetime, limit: Limit) -> Select[*tuple[Any, ...]]:
    """Families active in the period: registered before its end, not closed before its start."""
    return (
        _raw(
            Family.id,
            Family.name,
            Family.category,
            Family.support_level,
            Family.created_at,
            Family.closed_at,
            Family.closed_reason,
            Family.closed_note,
        )
        .where(
            Family.created_at < finish,
            or_(Family.closed_at.is_(None), Family.closed_at >= begin),
            limit(Family.id),
        )
        .order_by(Family.id)
    )


def visits(start: date, end: date, limit: Limit) -> Select[*tuple[Any, ...]]:
    """Live visits whose day falls in the period."""
    return (
        _raw(
            Visit.id,
            Visit.family_id,
            Family.name,
            Visit.mentor_id,
            Person.display_name,
            Visit.visit_date,
            Visit.format,
            Visit.duration_minutes,
            Visit.methods,
            Visit.help_given,
            Visit.situation,
            Visit.concern,
            Visit.concern_text,
            Visit.notes_text,
            Visit.next_visit_date,
            Visit.recorded_at,
        )
        .join(Family, Family.id == Visit.family_id)
        .outerjoin(Person, Person.id == Visit.mentor_id)
        .where(
            Visit.deleted_at.is_(None),
            Visit.visit_date >= start,
            Visit.visit_date <= end,
            limit(Visit.family_id),
        )
        .order_by(Visit.id)
    )


def homework(begin: datetime, finish: datetime, limit: Limit) -> Select[*tuple[Any, ...]]:
    """Programme weeks released in the period, with how many answers each got."""
    answers = (
        select(func.count())
        .where(HomeworkAnswer.homework_week_id == HomeworkWeek.id)
        .correlate(HomeworkWeek)
        .scalar_subquery()
    )
    return (
        _raw(
            HomeworkWeek.id,
            Enrollment.family_id,
            Family.name,
            Enrollment.programme_code,
            HomeworkWeek.week_number,
            HomeworkWeek.released_at,
            HomeworkWeek.due_at,
            HomeworkWeek.done_at,
            HomeworkWeek.late,
            HomeworkWeek.rating,
            HomeworkWeek.rating_comment,
            answers,
        )
        .join(Enrollment, Enrollment.id == HomeworkWeek.enrollment_id)
        .join(Family, Family.id == Enrollment.family_id)
        .where(
            HomeworkWeek.released_at >= begin,
            HomeworkWeek.released_at < finish,
            limit(Enrollment.family_id),
        )
        .order_by(HomeworkWeek.id)
    )


def answers(begin: datetime, finish: datetime, limit: Limit) -> Select[*tuple[Any, ...]]:
    """Homework answers sent in the period."""
    return (
        _raw(
            HomeworkAnswer.id,
            HomeworkAnswer.homework_week_id,
            Enrollment.family_id,
            Family.name,
            HomeworkWeek.week_number,
            HomeworkAnswer.created_at,
            HomeworkAnswer.kind,
            HomeworkAnswer.text,
            HomeworkAnswer.late,
        )
        .join(HomeworkWeek, HomeworkWeek.id == HomeworkAnswer.homework_week_id)
        .join(Enrollment, Enrollment.id == HomeworkWeek.enrollment_id)
        .join(Family, Family.id == Enrollment.family_id)
        .where(
            HomeworkAnswer.created_at >= begin,
            HomeworkAnswer.created_at < finish,
            limit(Enrollment.family_id),
        )
        .order_by(HomeworkAnswer.id)
    )


def _meetings_in(begin: datetime, finish: datetime, limit: Limit) -> Any:
    return and_(Meeting.starts_at >= begin, Meeting.starts_at < finish, limit(Meeting.family_id))


def meetings(begin: datetime, finish: datetime, limit: Limit) -> Select[*tuple[Any, ...]]:
    """Network meetings that start in the period, whatever their status."""
    return (
        _raw(
            Meeting.id,
            Meeting.family_id,
            Family.name,
            Meeting.child_name,
            Meeting.topic,
            Meeting.format,
            Meeting.status,
            Meeting.starts_at,
            Meeting.duration_minutes,
            Meeting.place,
            Meeting.facilitators,
            Meeting.held_at,
            Meeting.cancelled_at,
        )
        .join(Family, Family.id == Meeting.family_id)
        .where(_meetings_in(begin, finish, limit))
        .order_by(Meeting.id)
    )


def participants(begin: datetime, finish: datetime, limit: Limit) -> Select[*tuple[Any, ...]]:
    """Everyone listed on the period's meetings, with their invitation and answer."""
    return (
        _raw(
            MeetingParticipant.id,
            MeetingParticipant.meeting_id,
            Meeting.family_id,
            Meeting.starts_at,
            MeetingParticipant.name,
            MeetingParticipant.relation,
            MeetingParticipant.approved_by_child,
            MeetingParticipant.invited_at,
            MeetingParticipant.opened_at,
            MeetingParticipant.rsvp,
            MeetingParticipant.rsvp_comment,
            MeetingParticipant.rsvp_at,
            MeetingParticipant.attended,
        )
        .join(Meeting, Meeting.id == MeetingParticipant.meeting_id)
        .where(_meetings_in(begin, finish, limit))
        .order_by(MeetingParticipant.id)
    )


def srs(begin: datetime, finish: datetime, limit: Limit) -> Select[*tuple[Any, ...]]:
    """SRS responses to the period's meetings."""
    return (
        _raw(
            SrsResponse.id,
            SrsResponse.meeting_id,
            Meeting.family_id,
            SrsResponse.participant_id,
            MeetingParticipant.name,
            SrsResponse.created_at,
            SrsResponse.scores,
            SrsResponse.total,
            SrsResponse.comment,
        )
        .join(Meeting, Meeting.id == SrsResponse.meeting_id)
        .join(MeetingParticipant, MeetingParticipant.id == SrsResponse.participant_id)
        .where(_meetings_in(begin, finish, limit))
        .order_by(SrsResponse.id)
    )


def concerns(begin: datetime, finish: datetime, limit: Limit) -> Select[*tuple[Any, ...]]:
    """Safety concerns raised in the period and who took them on."""
    acknowledger = aliased(Person)
    return (
        _raw(
            SafetyConcern.id,
            SafetyConcern.visit_id,
            SafetyConcern.family_id,
            Family.name,
            SafetyConcern.raised_at,
            SafetyConcern.acknowledged_at,
            SafetyConcern.acknowledged_by_id,
            acknowledger.display_name,
        )
        .join(Family, Family.id == SafetyConcern.family_id)
        .outerjoin(acknowledger, acknowledger.id == SafetyConcern.acknowledged_by_id)
        .where(
            SafetyConcern.raised_at >= begin,
            SafetyConcern.raised_at < finish,
            limit(SafetyConcern.family_id),
        )
        .order_by(SafetyConcern.id)
    )
