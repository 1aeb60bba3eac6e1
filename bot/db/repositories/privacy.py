"""Queries of data protection: everything stored about one person, and the bulk updates that
remove personal fields while keeping the rows that statistics count. Never commits."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    AuditEntry,
    CaseAssessment,
    CaseDocument,
    CaseRecord,
    CaseRequest,
    Consent,
    Consilium,
    ConsiliumDecision,
    Enrollment,
    Family,
    FamilyLink,
    FamilyLinkKind,
    FamilyMember,
    HomeworkAnswer,
    HomeworkFeedback,
    HomeworkWeek,
    Invitation,
    LessonProgress,
    LevelChange,
    Meeting,
    MeetingDecision,
    MeetingFollowUp,
    MeetingParticipant,
    MeetingProcessAssessment,
    MentorStatusChange,
    MentorTestAttempt,
    Person,
    PersonRole,
    PlanTask,
    ProgrammeEvaluation,
    QuestionnaireFollowUp,
    SafetyConcern,
    SocialMap,
    SocialMapPerson,
    SpecialistEvaluation,
    SrsResponse,
    TrainingSession,
    Visit,
)
from bot.db.repositories import outbox as outbox_repo

BLANK = "—"


def _rows(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


async def _run(session: AsyncSession, statement: Any) -> int:
    return _rows(await session.execute(statement.execution_options(synchronize_session=False)))


# --- what is stored about one person -------------------------------------------------------------


async def counts(session: AsyncSession, person_id: int) -> dict[str, int]:
    """How many of each kind of row the person wrote or is bound to."""
    queries = {
        "visits": select(func.count(Visit.id)).where(
            Visit.mentor_id == person_id, Visit.deleted_at.is_(None)
        ),
        "homework_answers": select(func.count(HomeworkAnswer.id)).where(
            HomeworkAnswer.person_id == person_id
        ),
        "homework_ratings": select(func.count(HomeworkWeek.id)).where(
            HomeworkWeek.done_by_id == person_id, HomeworkWeek.rating.is_not(None)
        ),
        "meetings": select(func.count(MeetingParticipant.id)).where(
            MeetingParticipant.person_id == person_id
        ),
        "srs": select(func.count(SrsResponse.id))
        .join(MeetingParticipant, MeetingParticipant.id == SrsResponse.participant_id)
        .where(MeetingParticipant.person_id == person_id),
    }
    return {name: int(await session.scalar(query) or 0) for name, query in queries.items()}


async def linked_families(session: AsyncSession, person_id: int) -> list[tuple[str, int, str]]:
    """(link kind, family id, family name) of every family the person is attached to."""
    rows = await session.execute(
        select(FamilyLink.kind, Family.id, Family.name)
        .join(Family, Family.id == FamilyLink.family_id)
        .where(FamilyLink.person_id == person_id)
        .order_by(FamilyLink.id)
    )
    return [(str(kind), int(family_id), str(name)) for kind, family_id, name in rows]


async def visits_by(session: AsyncSession, person_id: int) -> list[Visit]:
    rows = await session.scalars(
        select(Visit).where(Visit.mentor_id == person_id).order_by(Visit.visit_date, Visit.id)
    )
    return list(rows)


async def answers_by(session: AsyncSession, person_id: int) -> list[HomeworkAnswer]:
    rows = await session.scalars(
        select(HomeworkAnswer)
        .where(HomeworkAnswer.person_id == person_id)
        .order_by(HomeworkAnswer.created_at, HomeworkAnswer.id)
    )
    return list(rows)


async def weeks_handed_in_by(session: AsyncSession, person_id: int) -> list[HomeworkWeek]:
    rows = await session.scalars(
        select(HomeworkWeek).where(HomeworkWeek.done_by_id == person_id).order_by(HomeworkWeek.id)
    )
    return list(rows)


async def participations_of(
    session: AsyncSession, person_id: int
) -> list[tuple[MeetingParticipant, Meeting, SrsResponse | None]]:
    rows = await session.execute(
        select(MeetingParticipant, Meeting, SrsResponse)
        .join(Meeting, Meeting.id == MeetingParticipant.meeting_id)
        .outerjoin(SrsResponse, SrsResponse.participant_id == MeetingParticipant.id)
        .where(MeetingParticipant.person_id == person_id)
        .order_by(MeetingParticipant.id)
    )
    return [(participant, meeting, srs) for participant, meeting, srs in rows]


async def evaluations_by(session: AsyncSession, person_id: int) -> list[ProgrammeEvaluation]:
    """The family's evaluations of a programme this parent gave."""
    rows = await session.scalars(
        select(ProgrammeEvaluation)
        .where(ProgrammeEvaluation.person_id == person_id)
        .order_by(ProgrammeEvaluation.id)
    )
    return list(rows)


async def follow_ups_by(session: AsyncSession, person_id: int) -> list[QuestionnaireFollowUp]:
    """The follow-up questionnaires this parent answered."""
    rows = await session.scalars(
        select(QuestionnaireFollowUp)
        .where(QuestionnaireFollowUp.person_id == person_id)
        .order_by(QuestionnaireFollowUp.id)
    )
    return list(rows)


async def mentor_path_of(
    session: AsyncSession, person_id: int
) -> tuple[
    list[MentorStatusChange], list[MentorTestAttempt], list[LessonProgress], list[TrainingSession]
]:
    """A mentor's path: the status changes, test attempts, lessons done and sessions held."""

    async def rows(model: Any, order: Any) -> list[Any]:
        found = await session.scalars(
            select(model).where(model.person_id == person_id).order_by(order, model.id)
        )
        return list(found)

    return (
        await rows(MentorStatusChange, MentorStatusChange.changed_at),
        await rows(MentorTestAttempt, MentorTestAttempt.started_at),
        await rows(LessonProgress, LessonProgress.done_at),
        await rows(TrainingSession, TrainingSession.held_on),
    )


async def tasks_responsible(session: AsyncSession, person_id: int) -> list[PlanTask]:
    """Plan tasks the person is named responsible for (by their id, not by typed words)."""
    rows = await session.scalars(
        select(PlanTask)
        .where(PlanTask.responsible_id == person_id)
        .order_by(PlanTask.due_date, PlanTask.id)
    )
    return list(rows)


async def audit_of(session: AsyncSession, person_id: int) -> list[AuditEntry]:
    rows = await session.scalars(
        select(AuditEntry).where(AuditEntry.actor_id == person_id).order_by(AuditEntry.id)
    )
    return list(rows)


# --- withdrawal: one person ----------------------------------------------------------------------


async def withdraw_consents(session: AsyncSession, person_id: int, now: datetime) -> int:
    return await _run(
        session,
        update(Consent)
        .where(Consent.person_id == person_id, Consent.withdrawn_at.is_(None))
        .values(withdrawn_at=now),
    )


async def drop_roles_and_links(session: AsyncSession, person_id: int) -> None:
    await _run(session, delete(PersonRole).where(PersonRole.person_id == person_id))
    await _run(session, delete(FamilyLink).where(FamilyLink.person_id == person_id))


async def revoke_open_invitations(session: AsyncSession, person_id: int, now: datetime) -> int:
    return await _run(
        session,
        update(Invitation)
        .where(
            Invitation.created_by_id == person_id,
            Invitation.used_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
        )
        .values(revoked_at=now),
    )


async def cancel_and_blank_outbox(session: AsyncSession, person_id: int) -> int:
    """Their queued messages are cancelled (a claimed one too: the sender's compare-and-set
    then fails), and every row to them or quoting their name loses its parameters."""
    joined_by_them = select(Invitation.id).where(Invitation.used_by_id == person_id)
    return await outbox_repo.cancel_and_blank_for(session, person_id, invitation_ids=joined_by_them)


async def names_given(session: AsyncSession, person_id: int) -> tuple[str | None, list[str]]:
    """The person's profile name, and every name a coordinator typed for them on a meeting
    list."""
    person = await session.scalar(select(Person.display_name).where(Person.id == person_id))
    typed = await session.scalars(
        select(MeetingParticipant.name).where(MeetingParticipant.person_id == person_id)
    )
    return person, [name for name in typed if name]


async def meetings_touching(session: AsyncSession, person_id: int) -> list[int]:
    """Meetings whose texts may quote the person: those they were on the list of, those of
    families they are linked to, those they planned or recorded a decision of."""
    families = select(FamilyLink.family_id).where(FamilyLink.person_id == person_id)
    on_list = select(MeetingParticipant.meeting_id).where(MeetingParticipant.person_id == person_id)
    decided = select(MeetingDecision.meeting_id).where(MeetingDecision.created_by_id == person_id)
    rows = await session.scalars(
        select(Meeting.id)
        .where(
            or_(
                Meeting.id.in_(on_list),
                Meeting.family_id.in_(families),
                Meeting.created_by_id == person_id,
                Meeting.id.in_(decided),
            )
        )
        .order_by(Meeting.id)
    )
    return [int(x) for x in rows]


async def meeting_texts(
    session: AsyncSession, meeting_ids: Collection[int]
) -> list[tuple[int, int | None, str, str, str]]:
    """(id, planned by, topic, note, facilitators) of these meetings."""
    if not meeting_ids:
        return []
    rows = await session.execute(
        select(Meeting.id, Meeting.created_by_id, Meeting.topic, Meeting.note, Meeting.facilitators)
        .where(Meeting.id.in_(list(meeting_ids)))
        .order_by(Meeting.id)
    )
    return [tuple(row) for row in rows.all()]  # type: ignore[misc]


async def decision_texts(
    session: AsyncSession, meeting_ids: Collection[int]
) -> list[tuple[int, str, str]]:
    """(id, what, who) of these meetings' decisions."""
    if not meeting_ids:
        return []
    rows = await session.execute(
        select(MeetingDecision.id, MeetingDecision.what, MeetingDecision.who)
        .where(MeetingDecision.meeting_id.in_(list(meeting_ids)))
        .order_by(MeetingDecision.id)
    )
    return [tuple(row) for row in rows.all()]  # type: ignore[misc]


async def set_meeting_texts(session: AsyncSession, meeting_id: int, **values: str) -> None:
    await _run(session, update(Meeting).where(Meeting.id == meeting_id).values(**values))


async def set_decision_texts(session: AsyncSession, decision_id: int, what: str, who: str) -> None:
    await _run(
        session,
        update(MeetingDecision).where(MeetingDecision.id == decision_id).values(what=what, who=who),
    )


PLAN_TEXTS = (
    "title",
    "criteria",
    "family_part",
    "specialists_part",
    "responsible_text",
    "status_note",
)


async def families_touching(session: AsyncSession, person_id: int) -> list[int]:
    """Families whose plans and maps may quote the person: those they are linked to, those
    with a task they are responsible for or added, those with a map they drew."""
    linked = select(FamilyLink.family_id).where(FamilyLink.person_id == person_id)
    tasks = select(PlanTask.family_id).where(
        or_(PlanTask.responsible_id == person_id, PlanTask.created_by_id == person_id)
    )
    maps = select(SocialMap.family_id).where(SocialMap.created_by_id == person_id)
    rows = await session.scalars(
        select(Family.id)
        .where(or_(Family.id.in_(linked), Family.id.in_(tasks), Family.id.in_(maps)))
        .order_by(Family.id)
    )
    return [int(x) for x in rows]


async def plan_task_texts(
    session: AsyncSession, family_ids: Collection[int]
) -> list[tuple[int, dict[str, str | None]]]:
    """(id, {field: text}) of the free-text fields of these families' plan tasks."""
    if not family_ids:
        return []
    columns = [getattr(PlanTask, name) for name in PLAN_TEXTS]
    rows = await session.execute(
        select(PlanTask.id, *columns)
        .where(PlanTask.family_id.in_(list(family_ids)))
        .order_by(PlanTask.id)
    )
    return [(int(row[0]), dict(zip(PLAN_TEXTS, row[1:], strict=True))) for row in rows.all()]


async def set_plan_task_texts(session: AsyncSession, task_id: int, **values: str | None) -> None:
    await _run(session, update(PlanTask).where(PlanTask.id == task_id).values(**values))


async def case_summaries(
    session: AsyncSession, family_ids: Collection[int]
) -> list[tuple[int, str]]:
    """(case record id, closing summary) of these families' cases that have one."""
    if not family_ids:
        return []
    rows = await session.execute(
        select(CaseRecord.id, CaseRecord.final_summary)
        .where(CaseRecord.family_id.in_(list(family_ids)), CaseRecord.final_summary.is_not(None))
        .order_by(CaseRecord.id)
    )
    return [(int(i), str(text)) for i, text in rows.all()]


async def set_case_summary(session: AsyncSession, record_id: int, summary: str) -> None:
    await _run(
        session,
        update(CaseRecord).where(CaseRecord.id == record_id).values(final_summary=summary),
    )


# The case's free texts: (table, its text column), rewritten by withdrawal, blanked by retention.
CASE_TEXTS: tuple[tuple[Any, Any], ...] = (
    (CaseRequest, CaseRequest.words),
    (FamilyMember, FamilyMember.name),
    (CaseAssessment, CaseAssessment.note),
    (CaseRecord, CaseRecord.words_before),
    (CaseRecord, CaseRecord.words_after),
    (Consilium, Consilium.participants_text),
    (Consilium, Consilium.note),
    (LevelChange, LevelChange.reason),
)


async def case_texts(
    session: AsyncSession, family_ids: Collection[int]
) -> list[tuple[str, str, int, str]]:
    """(table, column, row id, text) of these families' case texts that have one: the request
    in the family's words, the make-up's names, the assessment's notes, the family's words at
    the parting, a consilium's participants and note, why the level changed, and what a
    consilium decided (what, who)."""
    if not family_ids:
        return []
    ids = list(family_ids)
    found: list[tuple[str, str, int, str]] = []
    for model, column in CASE_TEXTS:
        rows = await session.execute(
            select(model.id, column)
            .where(model.family_id.in_(ids), column.is_not(None))
            .order_by(model.id)
        )
        found.extend((model.__tablename__, column.key, int(i), str(t)) for i, t in rows.all())
    reviews = select(Consilium.id).where(Consilium.family_id.in_(ids))
    for column in (ConsiliumDecision.what, ConsiliumDecision.who):
        rows = await session.execute(
            select(ConsiliumDecision.id, column)
            .where(ConsiliumDecision.consilium_id.in_(reviews), column.is_not(None))
            .order_by(ConsiliumDecision.id)
        )
        found.extend((ConsiliumDecision.__tablename__, column.key, int(i), str(t)) for i, t in rows)
    enrollments = select(Enrollment.id).where(Enrollment.family_id.in_(ids))
    for model, column in ENROLLMENT_TEXTS:
        rows = await session.execute(
            select(model.id, column)
            .where(model.enrollment_id.in_(enrollments), column.is_not(None))
            .order_by(model.id)
        )
        found.extend((model.__tablename__, column.key, int(i), str(t)) for i, t in rows)
    return found


# A programme's evaluations: texts written about the family (by the specialists) or by it.
ENROLLMENT_TEXTS: tuple[tuple[Any, Any], ...] = (
    (SpecialistEvaluation, SpecialistEvaluation.note),
    (ProgrammeEvaluation, ProgrammeEvaluation.open_answer),
)
# A held meeting's evidence: the process note, the two-week record, why a decision was not done.
MEETING_TEXTS: tuple[tuple[Any, Any], ...] = (
    (MeetingProcessAssessment, MeetingProcessAssessment.reflection_note),
    (MeetingFollowUp, MeetingFollowUp.child_now),
    (MeetingFollowUp, MeetingFollowUp.family_now),
    (MeetingDecision, MeetingDecision.not_done_reason),
)
TEXT_MODELS = {
    model.__tablename__: model
    for model, _column in (*CASE_TEXTS, *ENROLLMENT_TEXTS, *MEETING_TEXTS)
} | {ConsiliumDecision.__tablename__: ConsiliumDecision}


async def meeting_evidence_texts(
    session: AsyncSession, meeting_ids: Collection[int]
) -> list[tuple[str, str, int, str]]:
    """(table, column, row id, text) of these meetings' process notes, two-week records and
    reasons a decision was not done."""
    if not meeting_ids:
        return []
    found: list[tuple[str, str, int, str]] = []
    for model, column in MEETING_TEXTS:
        rows = await session.execute(
            select(model.id, column)
            .where(model.meeting_id.in_(list(meeting_ids)), column.is_not(None))
            .order_by(model.id)
        )
        found.extend((model.__tablename__, column.key, int(i), str(t)) for i, t in rows)
    return found


async def set_case_text(
    session: AsyncSession, table: str, column: str, row_id: int, text: str
) -> None:
    model = TEXT_MODELS[table]
    await _run(session, update(model).where(model.id == row_id).values({column: text}))


async def forget_documents(session: AsyncSession, family_ids: Collection[int]) -> int:
    """The documents of these families lose their file ids: kind and date stay."""
    if not family_ids:
        return 0
    return await _run(
        session,
        update(CaseDocument)
        .where(CaseDocument.family_id.in_(list(family_ids)), CaseDocument.file_id.is_not(None))
        .values(file_id=None),
    )


async def map_people_names(
    session: AsyncSession, family_ids: Collection[int]
) -> list[tuple[int, str]]:
    """(id, name) of the people on these families' social maps, every snapshot."""
    if not family_ids:
        return []
    maps = select(SocialMap.id).where(SocialMap.family_id.in_(list(family_ids)))
    rows = await session.execute(
        select(SocialMapPerson.id, SocialMapPerson.name)
        .where(SocialMapPerson.map_id.in_(maps))
        .order_by(SocialMapPerson.id)
    )
    return [(int(i), str(name)) for i, name in rows.all()]


async def set_map_person_name(session: AsyncSession, row_id: int, name: str) -> None:
    await _run(
        session, update(SocialMapPerson).where(SocialMapPerson.id == row_id).values(name=name)
    )


async def drop_responsibility(session: AsyncSession, person_id: int) -> int:
    """Tasks they were responsible for lose the link (the curator and mentors are reminded)."""
    return await _run(
        session,
        update(PlanTask).where(PlanTask.responsible_id == person_id).values(responsible_id=None),
    )


async def concerns_from_visits_by(session: AsyncSession, person_id: int) -> list[int]:
    rows = await session.scalars(
        select(SafetyConcern.id)
        .join(Visit, Visit.id == SafetyConcern.visit_id)
        .where(Visit.mentor_id == person_id)
    )
    return [int(x) for x in rows]


async def weeks_answered_by(session: AsyncSession, person_id: int) -> dict[int, set[str]]:
    """Week id -> file ids of the media the person handed in that week."""
    rows = await session.execute(
        select(HomeworkAnswer.homework_week_id, HomeworkAnswer.file_id).where(
            HomeworkAnswer.person_id == person_id, HomeworkAnswer.file_id.is_not(None)
        )
    )
    found: dict[int, set[str]] = {}
    for week_id, file_id in rows.all():
        found.setdefault(int(week_id), set()).add(str(file_id))
    return found


async def blank_what_they_wrote(session: AsyncSession, person_id: int) -> None:
    """Homework answers keep kind and times (hand-in counts); meeting rows keep the relation,
    answer and attendance; SRS scores stay: anonymous statistics."""
    await _run(
        session,
        update(HomeworkAnswer)
        .where(HomeworkAnswer.person_id == person_id)
        .values(text=None, file_id=None, telegram_message_id=None),
    )
    await _run(
        session,
        update(HomeworkWeek)
        .where(HomeworkWeek.done_by_id == person_id)
        .values(rating_comment=None),
    )
    participants = select(MeetingParticipant.id).where(MeetingParticipant.person_id == person_id)
    await _run(
        session,
        update(SrsResponse)
        .where(SrsResponse.participant_id.in_(participants))
        .values(comment=None, reflection=None),
    )
    await _run(
        session,
        update(ProgrammeEvaluation)
        .where(ProgrammeEvaluation.person_id == person_id)
        .values(open_answer=None),
    )
    await _run(
        session,
        update(MeetingParticipant)
        .where(MeetingParticipant.person_id == person_id)
        .values(name=MeetingParticipant.relation, phone=None, rsvp_comment=None, person_id=None),
    )
    # A mentor's path keeps its dates, statuses, scores and hours (the registry's figures); the
    # test's answers and what they or others wrote about them go.
    await _run(
        session,
        update(MentorTestAttempt)
        .where(MentorTestAttempt.person_id == person_id)
        .values(answers={}),
    )
    for model in (LessonProgress, TrainingSession, MentorStatusChange):
        await _run(session, update(model).where(model.person_id == person_id).values(note=None))
    await _run(
        session,
        update(AuditEntry).where(AuditEntry.actor_id == person_id).values(actor_telegram_id=None),
    )


async def anonymise_person_row(session: AsyncSession, person_id: int, now: datetime) -> None:
    # A negative id is never a Telegram user's: the person is no longer recognised, and the
    # UNIQUE telegram_id still holds because it is derived from the primary key.
    await _run(
        session,
        update(Person)
        .where(Person.id == person_id)
        .values(display_name=BLANK, telegram_id=-person_id, anonymised_at=now, blocked_at=None),
    )


# --- retention: closed families ------------------------------------------------------------------


async def closed_before(session: AsyncSession, cutoff: datetime, limit: int) -> list[int]:
    """Closed families due for anonymising, oldest first; on PostgreSQL a second replica skips
    the rows this one holds."""
    query = (
        select(Family.id)
        .where(
            Family.anonymised_at.is_(None),
            Family.closed_at.is_not(None),
            Family.closed_at < cutoff,
        )
        .order_by(Family.closed_at, Family.id)
        .limit(limit)
    )
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return [int(x) for x in await session.scalars(query)]


async def anonymise_families(
    session: AsyncSession, family_ids: Collection[int], now: datetime
) -> list[int]:
    """Blank the personal fields of these families and everything about them; returns the ids
    this call marked (a family another worker marked first is left out)."""
    ids = list(family_ids)
    marked = list(
        await session.scalars(
            update(Family)
            .where(Family.id.in_(ids), Family.anonymised_at.is_(None))
            .values(anonymised_at=now, closed_note=None)
            .returning(Family.id)
        )
    )
    if not marked:
        return []
    for family_id in marked:
        name = f"Family #{family_id}"
        await _run(
            session,
            update(Family)
            .where(Family.id == family_id)
            .values(name=name, search_name=name.casefold()),
        )
    await _run(
        session,
        update(Visit)
        .where(Visit.family_id.in_(marked))
        .values(notes_text=None, concern_text=None, notes_voice_file_id=None),
    )
    enrollments = select(Enrollment.id).where(Enrollment.family_id.in_(marked))
    await _run(
        session,
        update(Enrollment).where(Enrollment.id.in_(enrollments)).values(override_note=None),
    )
    weeks = select(HomeworkWeek.id).where(HomeworkWeek.enrollment_id.in_(enrollments))
    await _run(
        session, update(HomeworkWeek).where(HomeworkWeek.id.in_(weeks)).values(rating_comment=None)
    )
    await _run(
        session,
        update(HomeworkAnswer)
        .where(HomeworkAnswer.homework_week_id.in_(weeks))
        .values(text=None, file_id=None, telegram_message_id=None),
    )
    await _run(
        session,
        update(HomeworkFeedback)
        .where(HomeworkFeedback.homework_week_id.in_(weeks))
        .values(text=BLANK),
    )
    meetings = select(Meeting.id).where(Meeting.family_id.in_(marked))
    await _run(
        session,
        update(Meeting)
        .where(Meeting.id.in_(meetings))
        .values(
            child_name=BLANK,
            topic="",
            note="",
            place="",
            latitude=None,
            longitude=None,
            facilitators="",
            contact="",
        ),
    )
    await _run(
        session,
        update(MeetingParticipant)
        .where(MeetingParticipant.meeting_id.in_(meetings))
        .values(name=MeetingParticipant.relation, phone=None, rsvp_comment=None),
    )
    await _run(
        session,
        update(SrsResponse)
        .where(SrsResponse.meeting_id.in_(meetings))
        .values(comment=None, reflection=None),
    )
    for model, column in MEETING_TEXTS:
        await _run(
            session,
            update(model)
            .where(model.meeting_id.in_(meetings))
            .values({column.key: _blank_if_set(column)}),
        )
    for model, column in ENROLLMENT_TEXTS:
        await _run(
            session,
            update(model)
            .where(model.enrollment_id.in_(enrollments))
            .values({column.key: _blank_if_set(column)}),
        )
    await _run(
        session,
        update(MeetingDecision)
        .where(MeetingDecision.meeting_id.in_(meetings))
        .values(what=BLANK, who=BLANK),
    )
    await _anonymise_plans(session, marked)
    await _anonymise_maps(session, marked)
    await _anonymise_cases(session, marked)
    return marked


def _blank_if_set(column: Any) -> Any:
    """«—» where there was a text, NULL where there was none: the fact stays, the words go."""
    return case((column.is_(None), None), else_=BLANK)


async def _anonymise_plans(session: AsyncSession, family_ids: list[int]) -> None:
    """Tasks keep status, deadline, dates and who (a person id or that it was typed words), so
    counts stay; their texts and the closing summary go."""
    await _run(
        session,
        update(PlanTask)
        .where(PlanTask.family_id.in_(family_ids))
        .values(
            title=BLANK,
            criteria=None,
            family_part=None,
            specialists_part=None,
            responsible_text=_blank_if_set(PlanTask.responsible_text),
            status_note=_blank_if_set(PlanTask.status_note),
        ),
    )
    await _run(
        session,
        update(CaseRecord)
        .where(CaseRecord.family_id.in_(family_ids))
        .values(final_summary=_blank_if_set(CaseRecord.final_summary)),
    )


async def _anonymise_cases(session: AsyncSession, family_ids: list[int]) -> None:
    """The request keeps its day, source, difficulties and level (counted by /stats) and loses
    the family's words; the make-up keeps years of birth, child or adult and relation, the names
    go; assessments keep their scores, the notes go; the family's words at the parting,
    consiliums' participants, notes and decisions and the reasons of level changes go (dates,
    outcomes and levels stay); documents keep kind and date, not the file."""
    await _run(
        session,
        update(CaseRequest)
        .where(CaseRequest.family_id.in_(family_ids))
        .values(words=_blank_if_set(CaseRequest.words)),
    )
    await _run(
        session,
        update(FamilyMember).where(FamilyMember.family_id.in_(family_ids)).values(name=BLANK),
    )
    await _run(
        session,
        update(CaseAssessment)
        .where(CaseAssessment.family_id.in_(family_ids))
        .values(note=_blank_if_set(CaseAssessment.note)),
    )
    await _run(
        session,
        update(CaseRecord)
        .where(CaseRecord.family_id.in_(family_ids))
        .values(
            words_before=_blank_if_set(CaseRecord.words_before),
            words_after=_blank_if_set(CaseRecord.words_after),
        ),
    )
    await _run(
        session,
        update(Consilium)
        .where(Consilium.family_id.in_(family_ids))
        .values(
            participants_text=_blank_if_set(Consilium.participants_text),
            note=_blank_if_set(Consilium.note),
        ),
    )
    reviews = select(Consilium.id).where(Consilium.family_id.in_(family_ids))
    await _run(
        session,
        update(ConsiliumDecision)
        .where(ConsiliumDecision.consilium_id.in_(reviews))
        .values(what=BLANK, who=_blank_if_set(ConsiliumDecision.who)),
    )
    await _run(
        session,
        update(LevelChange)
        .where(LevelChange.family_id.in_(family_ids))
        .values(reason=_blank_if_set(LevelChange.reason)),
    )
    await forget_documents(session, family_ids)


async def _anonymise_maps(session: AsyncSession, family_ids: list[int]) -> None:
    """A child's name becomes «#1», «#2»… within the family (in the order of their first map),
    so snapshots still group per child for /stats; people on maps keep relation, circle, tie
    and hidden id, their name becomes the relation, as on meeting lists."""
    children = await session.execute(
        select(SocialMap.family_id, SocialMap.child_key, func.min(SocialMap.id))
        .where(SocialMap.family_id.in_(family_ids))
        .group_by(SocialMap.family_id, SocialMap.child_key)
        .order_by(SocialMap.family_id, func.min(SocialMap.id))
    )
    numbers: dict[int, int] = {}
    for family_id, key, _first in children.all():
        numbers[family_id] = numbers.get(family_id, 0) + 1
        label = f"#{numbers[family_id]}"
        await _run(
            session,
            update(SocialMap)
            .where(SocialMap.family_id == family_id, SocialMap.child_key == key)
            .values(child_name=label, child_key=label),
        )
    maps = select(SocialMap.id).where(SocialMap.family_id.in_(family_ids))
    await _run(
        session,
        update(SocialMapPerson)
        .where(SocialMapPerson.map_id.in_(maps))
        .values(name=SocialMapPerson.relation),
    )


async def unlink_parents(session: AsyncSession, family_ids: Collection[int]) -> list[int]:
    """Remove the parents' links to these families; returns the parents' ids."""
    parent_links = (FamilyLink.family_id.in_(list(family_ids))) & (
        FamilyLink.kind == FamilyLinkKind.PARENT.value
    )
    parents = sorted(
        {int(x) for x in await session.scalars(select(FamilyLink.person_id).where(parent_links))}
    )
    if parents:
        await _run(session, delete(FamilyLink).where(parent_links))
    return parents


async def without_active_ties(
    session: AsyncSession, person_ids: Collection[int], keep_roles: Collection[str]
) -> list[int]:
    """Of these people, those linked to no open family and holding no role outside
    `keep_roles`, not anonymised yet: nothing keeps their personal data needed."""
    if not person_ids:
        return []
    open_link = (
        select(FamilyLink.person_id)
        .join(Family, Family.id == FamilyLink.family_id)
        .where(Family.closed_at.is_(None))
    )
    other_role = select(PersonRole.person_id).where(PersonRole.role.not_in(list(keep_roles)))
    rows = await session.scalars(
        select(Person.id).where(
            Person.id.in_(list(person_ids)),
            Person.anonymised_at.is_(None),
            Person.id.not_in(open_link),
            Person.id.not_in(other_role),
        )
    )
    return sorted(int(x) for x in rows)
