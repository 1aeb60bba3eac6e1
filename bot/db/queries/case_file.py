"""The case file's read model (дело семьи as a DOCX): everything about one family that a period
covers, in a fixed number of queries however long its history (no query per visit, meeting or
snapshot). A period is given as its UTC bounds [begin, finish) for datetime columns and its days
[start, end] (the family's calendar) for date columns. bot/services/case_file.py keeps the rules.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    CaseAssessment,
    CaseRecord,
    CaseRequest,
    Consilium,
    ConsiliumDecision,
    Enrollment,
    FamilyLink,
    FamilyMember,
    HomeworkWeek,
    LevelChange,
    Meeting,
    MeetingDecision,
    MeetingFollowUp,
    MeetingParticipant,
    MeetingProcessAssessment,
    MeetingStatus,
    Person,
    PersonRole,
    PlanTask,
    PlanTaskStatus,
    ProgrammeEvaluation,
    QuestionnaireFollowUp,
    SocialMap,
    SocialMapPerson,
    SpecialistEvaluation,
    SrsResponse,
    Visit,
)


@dataclass(frozen=True)
class Bounds:
    begin: datetime  # UTC, inclusive
    finish: datetime  # UTC, exclusive
    start: date  # the family's calendar, inclusive
    end: date  # inclusive


@dataclass(frozen=True)
class SrsFigures:
    responses: int
    mean_total: float | None
    under_concern: int


@dataclass(frozen=True)
class MapHead:
    id: int
    child_key: str
    child_name: str
    taken_on: date


@dataclass(frozen=True)
class StaffName:
    name: str
    roles: frozenset[str]
    anonymised: bool


@dataclass
class CaseFileRows:
    """The family's rows for one period (the frame of the case — request, make-up, assessment,
    record — whatever the period)."""

    record: CaseRecord | None
    request: CaseRequest | None
    members: list[FamilyMember]
    assessments: list[CaseAssessment]
    level_changes: list[LevelChange]
    tasks: list[PlanTask]
    visits: list[Visit]
    meetings: list[Meeting]
    participants: dict[int, list[MeetingParticipant]]  # meeting id -> its list
    decisions: dict[int, list[MeetingDecision]]  # meeting id -> decisions
    srs: dict[int, SrsFigures]  # meeting id -> figures
    map_heads: list[MapHead]  # every snapshot up to the period's end
    enrollments: list[Enrollment]
    weeks: dict[int, tuple[int, int]]  # enrollment id -> (released, handed in)
    consiliums: list[Consilium]
    consilium_decisions: dict[int, list[ConsiliumDecision]]
    # The evidence that change lasts: per enrollment, the answered follow-ups and both
    # evaluations; per meeting, the process assessment and the two-week record.
    follow_ups: dict[int, list[QuestionnaireFollowUp]] = field(default_factory=dict)
    family_evaluations: dict[int, list[ProgrammeEvaluation]] = field(default_factory=dict)
    specialist_evaluations: dict[int, list[SpecialistEvaluation]] = field(default_factory=dict)
    processes: dict[int, list[MeetingProcessAssessment]] = field(default_factory=dict)
    meeting_follow_ups: dict[int, list[MeetingFollowUp]] = field(default_factory=dict)
    links: list[tuple[int, str]] = field(default_factory=list)  # (person id, link kind)


async def load(
    session: AsyncSession, family_id: int, bounds: Bounds, *, concern_total: int
) -> CaseFileRows:
    meetings = await _meetings(session, family_id, bounds)
    meeting_ids = [m.id for m in meetings]
    enrollments = await _enrollments(session, family_id, bounds)
    enrollment_ids = [e.id for e in enrollments]
    consiliums = await _consiliums(session, family_id, bounds)
    return CaseFileRows(
        record=await session.scalar(select(CaseRecord).where(CaseRecord.family_id == family_id)),
        request=await session.scalar(select(CaseRequest).where(CaseRequest.family_id == family_id)),
        members=await _members(session, family_id),
        assessments=list(
            await session.scalars(
                select(CaseAssessment)
                .where(CaseAssessment.family_id == family_id)
                .order_by(CaseAssessment.phase, CaseAssessment.aspect)
            )
        ),
        level_changes=list(
            await session.scalars(
                select(LevelChange)
                .where(
                    LevelChange.family_id == family_id,
                    LevelChange.changed_at >= bounds.begin,
                    LevelChange.changed_at < bounds.finish,
                )
                .order_by(LevelChange.changed_at, LevelChange.id)
            )
        ),
        tasks=await _tasks(session, family_id, bounds),
        visits=list(
            await session.scalars(
                select(Visit)
                .where(
                    Visit.family_id == family_id,
                    Visit.deleted_at.is_(None),
                    Visit.visit_date >= bounds.start,
                    Visit.visit_date <= bounds.end,
                )
                .order_by(Visit.visit_date, Visit.id)
            )
        ),
        meetings=meetings,
        participants=await _grouped(
            session, MeetingParticipant, MeetingParticipant.meeting_id, meeting_ids
        ),
        decisions=await _grouped(
            session,
            MeetingDecision,
            MeetingDecision.meeting_id,
            meeting_ids,
            MeetingDecision.due_date,
        ),
        srs=await _srs(session, meeting_ids, concern_total),
        map_heads=await _map_heads(session, family_id, bounds.end),
        enrollments=enrollments,
        weeks=await _weeks(session, enrollment_ids),
        consiliums=consiliums,
        consilium_decisions=await _grouped(
            session,
            ConsiliumDecision,
            ConsiliumDecision.consilium_id,
            [c.id for c in consiliums],
        ),
        follow_ups=await _grouped(
            session,
            QuestionnaireFollowUp,
            QuestionnaireFollowUp.enrollment_id,
            enrollment_ids,
            QuestionnaireFollowUp.months,
        ),
        family_evaluations=await _grouped(
            session, ProgrammeEvaluation, ProgrammeEvaluation.enrollment_id, enrollment_ids
        ),
        specialist_evaluations=await _grouped(
            session, SpecialistEvaluation, SpecialistEvaluation.enrollment_id, enrollment_ids
        ),
        processes=await _grouped(
            session, MeetingProcessAssessment, MeetingProcessAssessment.meeting_id, meeting_ids
        ),
        meeting_follow_ups=await _grouped(
            session, MeetingFollowUp, MeetingFollowUp.meeting_id, meeting_ids
        ),
        links=[
            (int(person_id), str(kind))
            for person_id, kind in await session.execute(
                select(FamilyLink.person_id, FamilyLink.kind).where(
                    FamilyLink.family_id == family_id
                )
            )
        ],
    )


async def _members(session: AsyncSession, family_id: int) -> list[FamilyMember]:
    rows = await session.scalars(
        select(FamilyMember)
        .where(FamilyMember.family_id == family_id)
        .order_by(
            FamilyMember.is_child,
            FamilyMember.birth_year.is_(None),
            FamilyMember.birth_year,
            FamilyMember.id,
        )
    )
    return list(rows)


async def _tasks(session: AsyncSession, family_id: int, bounds: Bounds) -> list[PlanTask]:
    """Tasks in play in the period (as the export counts them): added before its end and still
    open, or done / not done since its start."""
    open_statuses = (PlanTaskStatus.PLANNED.value, PlanTaskStatus.IN_PROGRESS.value)
    rows = await session.scalars(
        select(PlanTask)
        .where(
            PlanTask.family_id == family_id,
            PlanTask.created_at < bounds.finish,
            or_(PlanTask.status.in_(open_statuses), PlanTask.status_at >= bounds.begin),
        )
        .order_by(PlanTask.due_date, PlanTask.id)
    )
    return list(rows)


async def _meetings(session: AsyncSession, family_id: int, bounds: Bounds) -> list[Meeting]:
    """The period's network meetings around the family's children, cancelled ones left out."""
    rows = await session.scalars(
        select(Meeting)
        .where(
            Meeting.family_id == family_id,
            Meeting.status != MeetingStatus.CANCELLED.value,
            Meeting.starts_at >= bounds.begin,
            Meeting.starts_at < bounds.finish,
        )
        .order_by(Meeting.starts_at, Meeting.id)
    )
    return list(rows)


async def _grouped(
    session: AsyncSession,
    model: Any,
    key: Any,
    ids: Collection[int],
    *order: Any,
) -> dict[int, list[Any]]:
    """Rows of `model` whose `key` is one of `ids`, grouped by it (one query for all)."""
    if not ids:
        return {}
    grouped: dict[int, list[Any]] = {}
    rows = await session.scalars(select(model).where(key.in_(ids)).order_by(*order, model.id))
    for row in rows:
        grouped.setdefault(int(getattr(row, key.key)), []).append(row)
    return grouped


async def _srs(
    session: AsyncSession, meeting_ids: Collection[int], concern_total: int
) -> dict[int, SrsFigures]:
    if not meeting_ids:
        return {}
    rows = await session.execute(
        select(
            SrsResponse.meeting_id,
            func.count(SrsResponse.id),
            func.avg(SrsResponse.total),
            func.sum(case((SrsResponse.total < concern_total, 1), else_=0)),
        )
        .where(SrsResponse.meeting_id.in_(meeting_ids))
        .group_by(SrsResponse.meeting_id)
    )
    return {
        int(meeting_id): SrsFigures(
            int(count), float(mean) if mean is not None else None, int(under or 0)
        )
        for meeting_id, count, mean, under in rows
    }


async def _map_heads(session: AsyncSession, family_id: int, end: date) -> list[MapHead]:
    rows = await session.execute(
        select(SocialMap.id, SocialMap.child_key, SocialMap.child_name, SocialMap.taken_on)
        .where(SocialMap.family_id == family_id, SocialMap.taken_on <= end)
        .order_by(SocialMap.child_key, SocialMap.taken_on, SocialMap.id)
    )
    return [MapHead(int(i), str(k), str(n), t) for i, k, n, t in rows]


async def map_people(
    session: AsyncSession, map_ids: Collection[int]
) -> dict[int, list[SocialMapPerson]]:
    """The people of the chosen snapshots, by snapshot (one query)."""
    return await _grouped(session, SocialMapPerson, SocialMapPerson.map_id, map_ids)


async def _enrollments(session: AsyncSession, family_id: int, bounds: Bounds) -> list[Enrollment]:
    """Programmes that ran in the period: started by its end, not finished before its start."""
    rows = await session.scalars(
        select(Enrollment)
        .where(
            Enrollment.family_id == family_id,
            Enrollment.start_date <= bounds.end,
            or_(Enrollment.completed_at.is_(None), Enrollment.completed_at >= bounds.begin),
            or_(Enrollment.stopped_at.is_(None), Enrollment.stopped_at >= bounds.begin),
        )
        .order_by(Enrollment.start_date, Enrollment.id)
    )
    return list(rows)


async def _weeks(
    session: AsyncSession, enrollment_ids: Collection[int]
) -> dict[int, tuple[int, int]]:
    if not enrollment_ids:
        return {}
    rows = await session.execute(
        select(
            HomeworkWeek.enrollment_id,
            func.count(HomeworkWeek.id),
            func.count(HomeworkWeek.done_at),
        )
        .where(HomeworkWeek.enrollment_id.in_(enrollment_ids))
        .group_by(HomeworkWeek.enrollment_id)
    )
    return {int(e): (int(released), int(done)) for e, released, done in rows}


async def _consiliums(session: AsyncSession, family_id: int, bounds: Bounds) -> list[Consilium]:
    """Consiliums held in the period, and those planned in it and not held (nor cancelled)."""
    held_in = and_(Consilium.held_on >= bounds.start, Consilium.held_on <= bounds.end)
    planned_in = and_(
        Consilium.held_on.is_(None),
        Consilium.cancelled_at.is_(None),
        Consilium.planned_on >= bounds.start,
        Consilium.planned_on <= bounds.end,
    )
    rows = await session.scalars(
        select(Consilium)
        .where(Consilium.family_id == family_id, or_(held_in, planned_in))
        .order_by(func.coalesce(Consilium.held_on, Consilium.planned_on), Consilium.id)
    )
    return list(rows)


async def people(session: AsyncSession, ids: Iterable[int]) -> dict[int, StaffName]:
    """Names and roles of the people the case file mentions (two queries for all)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    roles: dict[int, set[str]] = {}
    for person_id, role in await session.execute(
        select(PersonRole.person_id, PersonRole.role).where(PersonRole.person_id.in_(wanted))
    ):
        roles.setdefault(int(person_id), set()).add(str(role))
    rows = await session.execute(
        select(Person.id, Person.display_name, Person.anonymised_at).where(Person.id.in_(wanted))
    )
    return {
        int(person_id): StaffName(
            str(name), frozenset(roles.get(int(person_id), ())), anonymised is not None
        )
        for person_id, name, anonymised in rows
    }
