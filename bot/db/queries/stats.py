"""The /stats figures' queries. Every number is a SQL aggregate: rows are counted where they
live, never loaded into Python. Each takes the session and a `Window`: the period (UTC bounds
for datetime columns, days for date columns) and the scope's mentor or category."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    and_,
    case,
    distinct,
    func,
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
from bot.db.repositories import case_plans as plans_repo

# --- scope and shared conditions --------------------------------------------------------------


def scope_family_ids(mentor_id: int | None, category: str | None) -> Select[Any] | None:
    """Ids of one mentor's families or one category's; None for all families."""
    if mentor_id is not None:
        return select(FamilyLink.family_id).where(
            FamilyLink.person_id == mentor_id,
            FamilyLink.kind == FamilyLinkKind.MENTOR.value,
        )
    if category is not None:
        return select(Family.id).where(Family.category == category)
    return None


def scope_limit(column: Any, mentor_id: int | None, category: str | None) -> ColumnElement[bool]:
    """`column` (a family id) within the scope; always true for all families."""
    ids = scope_family_ids(mentor_id, category)
    return column.in_(ids) if ids is not None else literal_column("1") == 1


@dataclass(frozen=True)
class Window:
    """What a figure covers: a period's UTC bounds [begin, finish) for datetime columns and its
    days [start, end] for date columns, narrowed to one mentor's or one category's families."""

    begin: datetime
    finish: datetime
    start: date
    end: date
    mentor_id: int | None = None
    category: str | None = None

    def limit(self, column: Any) -> ColumnElement[bool]:
        return scope_limit(column, self.mentor_id, self.category)


def dialect_of(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def _scalar(session: AsyncSession, query: Select[Any]) -> int:
    return int((await session.scalar(query)) or 0)


async def _grouped(session: AsyncSession, query: Select[str, int]) -> dict[str, int]:
    rows = await session.execute(query)
    return {str(key): int(count) for key, count in rows if key is not None}


def active_family(w: Window) -> ColumnElement[bool]:
    """Registered before the period ended and not closed before it began."""
    return and_(
        Family.created_at < w.finish,
        or_(Family.closed_at.is_(None), Family.closed_at >= w.begin),
        w.limit(Family.id),
    )


def _meetings_in(w: Window) -> ColumnElement[bool]:
    return and_(
        Meeting.starts_at >= w.begin,
        Meeting.starts_at < w.finish,
        w.limit(Meeting.family_id),
    )


def _held_in(w: Window) -> ColumnElement[bool]:
    return and_(
        _meetings_in(w),
        Meeting.status == MeetingStatus.HELD.value,
    )


# --- meetings ---------------------------------------------------------------------------------


async def meetings_held(session: AsyncSession, w: Window) -> int:
    held = _held_in(w)
    return await _scalar(session, select(func.count()).select_from(Meeting).where(held))


def _held_families(w: Window) -> Select[Any]:
    return select(Meeting.family_id).where(_held_in(w)).distinct()


async def families_with_held_meetings(session: AsyncSession, w: Window) -> int:
    held_families = _held_families(w)
    return await _scalar(session, select(func.count()).select_from(held_families.subquery()))


async def held_families_by_category(session: AsyncSession, w: Window) -> dict[str, int]:
    held_families = _held_families(w)
    return await _grouped(
        session,
        select(Family.category, func.count())
        .where(Family.id.in_(held_families))
        .group_by(Family.category),
    )


async def active_families(session: AsyncSession, w: Window) -> int:
    return await _scalar(
        session,
        select(func.count()).select_from(Family).where(active_family(w)),
    )


async def participants(session: AsyncSession, w: Window) -> Row[*tuple[Any, ...]]:
    """(listed, invited, answered, accepted) on the period's meetings that were not cancelled."""
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
        .where(
            _meetings_in(w),
            Meeting.status != MeetingStatus.CANCELLED.value,
        )
    )
    return (await session.execute(listed)).one()


async def attendance(session: AsyncSession, w: Window) -> Row[*tuple[Any, ...]]:
    """(attended, invited) of the period's held meetings."""
    came = (
        select(
            func.count(case((MeetingParticipant.attended.is_(True), 1))),
            func.count(MeetingParticipant.invited_at),
        )
        .join(Meeting, Meeting.id == MeetingParticipant.meeting_id)
        .where(_held_in(w))
    )
    return (await session.execute(came)).one()


async def srs_of_held_meetings(
    session: AsyncSession, w: Window, *, srs_items: Sequence[str], concern_total: int
) -> Row[*tuple[Any, ...]]:
    """(responses, mean total, totals under `concern_total`, then each item's mean)."""
    srs_query = (
        select(
            func.count(),
            func.avg(SrsResponse.total),
            func.count(case((SrsResponse.total < concern_total, 1))),
            *(func.avg(SrsResponse.scores[code].as_integer()) for code in srs_items),
        )
        .join(Meeting, Meeting.id == SrsResponse.meeting_id)
        .where(_held_in(w))
    )
    return (await session.execute(srs_query)).one()


async def supportive_change(session: AsyncSession, w: Window) -> Row[*tuple[Any, ...]]:
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
            SocialMap.taken_on >= w.start,
            SocialMap.taken_on <= w.end,
            w.limit(SocialMap.family_id),
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
    return (await session.execute(select(func.count(), func.avg(per_child.c.change)))).one()


# --- families ---------------------------------------------------------------------------------


async def family_counts(session: AsyncSession, w: Window) -> Row[*tuple[Any, ...]]:
    """(active, closed for improvement, closed otherwise, new) in the period."""
    active = active_family(w)
    closed_in = and_(
        Family.closed_at >= w.begin,
        Family.closed_at < w.finish,
        w.limit(Family.id),
    )
    improvement = Family.closed_reason == CloseReason.IMPROVEMENT.value
    return (
        await session.execute(
            select(
                func.count(case((active, 1))),
                func.count(case((and_(closed_in, improvement), 1))),
                func.count(case((and_(closed_in, ~improvement), 1))),
                func.count(
                    case(
                        (
                            and_(
                                Family.created_at >= w.begin,
                                Family.created_at < w.finish,
                                w.limit(Family.id),
                            ),
                            1,
                        )
                    )
                ),
            )
        )
    ).one()


async def active_families_by_category(session: AsyncSession, w: Window) -> dict[str, int]:
    active = active_family(w)
    return await _grouped(
        session, select(Family.category, func.count()).where(active).group_by(Family.category)
    )


async def active_families_by_level(session: AsyncSession, w: Window) -> dict[str, int]:
    active = active_family(w)
    return await _grouped(
        session,
        select(Family.support_level, func.count()).where(active).group_by(Family.support_level),
    )


# --- mentors ----------------------------------------------------------------------------------


async def visits_by_mentor(session: AsyncSession, w: Window) -> dict[int | None, int]:
    """The period's live visits by mentor, in one grouped scan: at 500,000 visits a year each
    scan costs ~60 ms on SQLite, and counting them per list (top, bottom, totals) took four."""
    live_in_period = and_(
        Visit.deleted_at.is_(None),
        Visit.visit_date >= w.start,
        Visit.visit_date <= w.end,
        w.limit(Visit.family_id),
    )
    return {
        mentor: int(count)
        for mentor, count in await session.execute(
            select(Visit.mentor_id, func.count()).where(live_in_period).group_by(Visit.mentor_id)
        )
    }


async def mentor_names(session: AsyncSession, w: Window) -> dict[int, str]:
    """Every mentor in scope (one mentor, or those of the category's families) by id."""
    mentor_people = select(PersonRole.person_id).where(PersonRole.role == Role.MENTOR.value)
    if w.mentor_id is not None:
        mentor_people = mentor_people.where(PersonRole.person_id == w.mentor_id)
    elif w.category is not None:
        mentor_people = mentor_people.where(
            PersonRole.person_id.in_(
                select(FamilyLink.person_id).where(
                    FamilyLink.kind == FamilyLinkKind.MENTOR.value,
                    w.limit(FamilyLink.family_id),
                )
            )
        )
    return await plans_repo.display_names(session, mentor_people)


async def open_families_without_visit(
    session: AsyncSession, w: Window, cutoff: date, cutoff_day: date
) -> Row[*tuple[Any, ...]]:
    """(families open at the period's end, of those without a live visit in
    (cutoff, cutoff_day])."""
    open_at_cutoff = and_(
        Family.created_at < w.finish,
        or_(Family.closed_at.is_(None), Family.closed_at >= w.finish),
        w.limit(Family.id),
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
    return (
        await session.execute(
            select(func.count(), func.count(case((~recent_visit, 1)))).where(open_at_cutoff)
        )
    ).one()


def _concerns_raised_in(w: Window) -> ColumnElement[bool]:
    return and_(
        SafetyConcern.raised_at >= w.begin,
        SafetyConcern.raised_at < w.finish,
        w.limit(SafetyConcern.family_id),
    )


async def concerns(session: AsyncSession, w: Window) -> Row[*tuple[Any, ...]]:
    """(safety concerns raised in the period, of those acknowledged)."""
    raised_in = _concerns_raised_in(w)
    return (
        await session.execute(
            select(func.count(), func.count(SafetyConcern.acknowledged_at)).where(raised_in)
        )
    ).one()


def seconds_between(session: AsyncSession, later: Any, earlier: Any) -> ColumnElement[Any]:
    if dialect_of(session) == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0
    return func.extract("epoch", later - earlier)


async def ack_seconds_sorted(
    session: AsyncSession, w: Window, *, offset: int, limit: int
) -> list[float]:
    """Seconds from raising to acknowledging the period's acknowledged concerns, in order,
    `limit` of them from `offset` (a median's middle rows, picked by OFFSET in SQL)."""
    raised_in = _concerns_raised_in(w)
    duration = seconds_between(session, SafetyConcern.acknowledged_at, SafetyConcern.raised_at)
    middle = (
        select(duration)
        .where(raised_in, SafetyConcern.acknowledged_at.is_not(None))
        .order_by(duration)
        .offset(offset)
        .limit(limit)
    )
    return [float(v) for v in await session.scalars(middle)]


# --- programmes -------------------------------------------------------------------------------


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


async def enrolment_counts(session: AsyncSession, w: Window) -> Row[*tuple[Any, ...]]:
    """(enrolled, active, completed, completed with positive dynamics) in the period."""
    in_scope = w.limit(Enrollment.family_id)
    completed_in = and_(Enrollment.completed_at >= w.begin, Enrollment.completed_at < w.finish)
    active = and_(
        Enrollment.created_at < w.finish,
        or_(Enrollment.completed_at.is_(None), Enrollment.completed_at >= w.begin),
        or_(Enrollment.stopped_at.is_(None), Enrollment.stopped_at >= w.begin),
    )
    return (
        await session.execute(
            select(
                func.count(
                    case(
                        (
                            and_(
                                Enrollment.created_at >= w.begin, Enrollment.created_at < w.finish
                            ),
                            1,
                        )
                    )
                ),
                func.count(case((active, 1))),
                func.count(case((completed_in, 1))),
                func.count(case((and_(completed_in, positive_dynamics()), 1))),
            ).where(in_scope)
        )
    ).one()


def _week_scope(w: Window) -> ColumnElement[bool]:
    in_scope = w.limit(Enrollment.family_id)
    return HomeworkWeek.enrollment_id.in_(select(Enrollment.id).where(in_scope))


async def hand_in_by_week(session: AsyncSession, w: Window) -> list[Row[*tuple[Any, ...]]]:
    """(week number, released, handed in) of the weeks released in the period, by week."""
    released_in = and_(
        HomeworkWeek.released_at >= w.begin,
        HomeworkWeek.released_at < w.finish,
        _week_scope(w),
    )
    rows = await session.execute(
        select(HomeworkWeek.week_number, func.count(), func.count(HomeworkWeek.done_at))
        .where(released_in)
        .group_by(HomeworkWeek.week_number)
        .order_by(HomeworkWeek.week_number)
    )
    return list(rows)


async def ratings(session: AsyncSession, w: Window) -> Row[*tuple[Any, ...]]:
    """(ratings, mean rating) of the weeks handed in in the period."""
    return (
        await session.execute(
            select(func.count(HomeworkWeek.rating), func.avg(HomeworkWeek.rating)).where(
                HomeworkWeek.done_at >= w.begin,
                HomeworkWeek.done_at < w.finish,
                _week_scope(w),
            )
        )
    ).one()


# --- plans ------------------------------------------------------------------------------------


async def tasks_due(session: AsyncSession, w: Window, *, today: date) -> Row[*tuple[Any, ...]]:
    """(due, done, not done, open, overdue before `today`, families) of the tasks due in the
    period, of families active in it."""
    is_open = PlanTask.status.in_(plans_repo.OPEN_STATUSES)
    # A family closed before the period began left its open tasks behind: not the period's.
    return (
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
                PlanTask.due_date >= w.start,
                PlanTask.due_date <= w.end,
                active_family(w),
            )
        )
    ).one()


async def tasks_added(
    session: AsyncSession, w: Window, *, from_visit: str, from_decision: str
) -> Row[*tuple[Any, ...]]:
    """(added, of those from a visit, from a decision): tasks added in the period."""
    return (
        await session.execute(
            select(
                func.count(),
                func.count(case((PlanTask.source_type == from_visit, 1))),
                func.count(case((PlanTask.source_type == from_decision, 1))),
            ).where(
                PlanTask.created_at >= w.begin,
                PlanTask.created_at < w.finish,
                w.limit(PlanTask.family_id),
            )
        )
    ).one()


async def families_closed(session: AsyncSession, w: Window) -> Row[*tuple[Any, ...]]:
    """(families closed in the period, of those with a final meeting's date)."""
    return (
        await session.execute(
            select(func.count(), func.count(CaseRecord.final_meeting_date))
            .select_from(Family)
            .outerjoin(CaseRecord, CaseRecord.family_id == Family.id)
            .where(
                Family.closed_at >= w.begin,
                Family.closed_at < w.finish,
                w.limit(Family.id),
            )
        )
    ).one()


async def open_families_by_stage(session: AsyncSession, w: Window) -> dict[str, int]:
    """Open families by case stage, by cases.case_state's rule: no case record is request
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
        .where(Family.closed_at.is_(None), w.limit(Family.id))
        .subquery()
    )
    return await _grouped(
        session, select(per_family.c.stage, func.count()).group_by(per_family.c.stage)
    )
