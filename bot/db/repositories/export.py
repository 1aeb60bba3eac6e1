"""The rows of a raw-data export, one query per sheet. Each returns plain columns in a stable
order (no ORM objects), ordered by id so the rows can be streamed in chunks and joined by id.

The columns come back as the driver gives them, without SQLAlchemy's result processing (which
took two thirds of the fetch time of a big export): on SQLite dates, datetimes and JSON are
strings, booleans 0/1. bot/services/export.py reads either form."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, or_, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncResult, AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.types import NullType

from bot.db.models import (
    CaseRecord,
    Enrollment,
    Family,
    FamilyLink,
    HomeworkAnswer,
    HomeworkWeek,
    Meeting,
    MeetingParticipant,
    Person,
    PersonRole,
    PlanTask,
    PlanTaskStatus,
    Role,
    SafetyConcern,
    SocialMap,
    SocialMapPerson,
    SrsResponse,
    Visit,
)


def _raw(*columns: Any) -> Select[*tuple[Any, ...]]:
    return select(*(type_coerce(column, NullType()) for column in columns))


# Narrows a family-id column to the export's scope (stats.Scope.limit).
Limit = Callable[[Any], ColumnElement[bool]]


def _family_active(begin: datetime, finish: datetime) -> Any:
    """Registered before the period's end, not closed before its start."""
    return and_(
        Family.created_at < finish, or_(Family.closed_at.is_(None), Family.closed_at >= begin)
    )


def families(begin: datetime, finish: datetime, limit: Limit) -> Select[*tuple[Any, ...]]:
    """Families active in the period, with their case's stage (none recorded: the first) and
    the final meeting's day."""
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
            CaseRecord.stage,
            CaseRecord.final_meeting_date,
        )
        .outerjoin(CaseRecord, CaseRecord.family_id == Family.id)
        .where(_family_active(begin, finish), limit(Family.id))
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


# How a task's responsible one stands to the family: a link kind (curator, mentor, parent),
# "coordinator", "person" (someone in the bot no longer linked), "text" (a few typed words).
RESPONSIBLE_COORDINATOR, RESPONSIBLE_PERSON, RESPONSIBLE_TEXT = "coordinator", "person", "text"


def _responsible_kind() -> Any:
    link = (
        select(func.min(FamilyLink.kind))
        .where(
            FamilyLink.family_id == PlanTask.family_id,
            FamilyLink.person_id == PlanTask.responsible_id,
        )
        .correlate(PlanTask)
        .scalar_subquery()
    )
    coordinator = (
        select(PersonRole.person_id)
        .where(
            PersonRole.person_id == PlanTask.responsible_id,
            PersonRole.role == Role.COORDINATOR.value,
        )
        .correlate(PlanTask)
        .exists()
    )
    return case(
        (
            PlanTask.responsible_id.is_not(None),
            func.coalesce(
                link,
                case(
                    (coordinator, literal(RESPONSIBLE_COORDINATOR)),
                    else_=literal(RESPONSIBLE_PERSON),
                ),
            ),
        ),
        (PlanTask.responsible_text.is_not(None), literal(RESPONSIBLE_TEXT)),
        else_=None,
    )


def plan_tasks(begin: datetime, finish: datetime, limit: Limit) -> Select[*tuple[Any, ...]]:
    """Tasks of the plans of families active in the period that were in play in it: added
    before its end and still open, or done / not done since its start. Who is responsible is
    given as a kind, never as a name or the typed words."""
    open_statuses = (PlanTaskStatus.PLANNED.value, PlanTaskStatus.IN_PROGRESS.value)
    return (
        _raw(
            PlanTask.id,
            PlanTask.family_id,
            Family.name,
            PlanTask.title,
            PlanTask.status,
            _responsible_kind(),
            PlanTask.due_date,
            PlanTask.created_at,
            PlanTask.status_at,
            PlanTask.status_note,
        )
        .join(Family, Family.id == PlanTask.family_id)
        .where(
            _family_active(begin, finish),
            PlanTask.created_at < finish,
            or_(PlanTask.status.in_(open_statuses), PlanTask.status_at >= begin),
            limit(PlanTask.family_id),
        )
        .order_by(PlanTask.id)
    )


def social_maps(start: date, end: date, limit: Limit) -> Select[*tuple[Any, ...]]:
    """People on the snapshots of children's social maps dated in the period, one row each (a
    snapshot with nobody on it: one row without a person). The person id is the hidden key kept
    across copies of a map, so a person is followed from snapshot to snapshot."""
    return (
        _raw(
            SocialMap.id,
            SocialMap.family_id,
            SocialMap.taken_on,
            SocialMap.child_name,
            SocialMapPerson.key,
            SocialMapPerson.name,
            SocialMapPerson.relation,
            SocialMapPerson.circle,
            SocialMapPerson.nature,
        )
        .outerjoin(SocialMapPerson, SocialMapPerson.map_id == SocialMap.id)
        .where(SocialMap.taken_on >= start, SocialMap.taken_on <= end, limit(SocialMap.family_id))
        .order_by(SocialMap.id, SocialMapPerson.circle, SocialMapPerson.id)
    )


async def stream_rows(
    session: AsyncSession, query: Select[Any], chunk: int
) -> AsyncResult[*tuple[Any, ...]]:
    """A sheet's rows streamed from the database `chunk` at a time (read by partitions)."""
    return await session.stream(query.execution_options(yield_per=chunk))
