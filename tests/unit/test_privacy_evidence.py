"""Withdrawal and retention reach the evidence of change: the family's evaluation of a
programme, the specialists' note, the follow-up answers, a meeting's process note, its two-week
record, why a decision was not done and the SRS open answer; the scores /stats counts stay."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import bot.notifications  # noqa: F401  (registers the message kinds)
from bot.db.models import (
    Consent,
    Enrollment,
    Family,
    FamilyLink,
    Meeting,
    MeetingDecision,
    MeetingFollowUp,
    MeetingParticipant,
    MeetingProcessAssessment,
    Person,
    ProgrammeEvaluation,
    QuestionnaireFollowUp,
    Role,
    SpecialistEvaluation,
    SrsResponse,
)
from bot.services import privacy
from tests.factories import make_person

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
AT = datetime(2019, 5, 1, tzinfo=UTC)


async def _family(session: AsyncSession, name: str, closed: datetime | None = None) -> int:
    family = Family(
        name=name,
        search_name=name.casefold(),
        category="tzhs",
        support_level="basic",
        timezone="Europe/Moscow",
        created_at=datetime(2015, 1, 1, tzinfo=UTC),
        closed_at=closed,
        closed_reason="improvement" if closed else None,
    )
    session.add(family)
    await session.flush()
    return family.id


async def _evidence(
    session: AsyncSession, family_id: int, name: str, parent_id: int | None = None
) -> tuple[int, int]:
    """A completed programme with both evaluations and a follow-up, a held meeting with its
    process note, two-week record, a decision not done and an SRS with an open answer."""
    enrollment = Enrollment(
        family_id=family_id,
        programme_code="semeyny_navigator",
        start_date=date(2019, 1, 7),
        release_weekday=0,
        release_time=time(10, 0),
        status="completed",
        created_at=AT,
        entry_total=20,
        exit_total=26,
        completed_at=AT,
    )
    meeting = Meeting(
        family_id=family_id,
        child_name="Саша",
        topic="Школа",
        format="dialogue",
        starts_at=AT,
        timezone="Europe/Moscow",
        place="Центр",
        duration_minutes=90,
        facilitators="Ведущие",
        contact="—",
        note="",
        status="held",
        reason="crisis_conflict",
        created_at=AT,
        draft_key=f"m{family_id}",
    )
    session.add_all([enrollment, meeting])
    await session.flush()
    participant = MeetingParticipant(
        meeting_id=meeting.id,
        name=name,
        relation="mother",
        person_id=parent_id,
        attended=True,
        created_at=AT,
    )
    session.add(participant)
    await session.flush()
    session.add_all(
        [
            ProgrammeEvaluation(
                enrollment_id=enrollment.id,
                person_id=parent_id,
                answers={"real_problems": 5},
                open_answer=f"{name}: нам помогли разговоры",
                created_at=AT,
            ),
            SpecialistEvaluation(
                enrollment_id=enrollment.id,
                engagement=4,
                homework=3,
                fit=5,
                further="case_plan",
                note=f"{name} очень старалась",
                created_at=AT,
            ),
            QuestionnaireFollowUp(
                enrollment_id=enrollment.id,
                months=6,
                due_at=AT,
                answered_at=AT,
                person_id=parent_id,
                answers={"a": 5},
                total=25,
            ),
            MeetingProcessAssessment(
                meeting_id=meeting.id,
                phases={"story": 3},
                reflection_note=f"{name} говорила открыто",
                created_at=AT,
                updated_at=AT,
            ),
            MeetingFollowUp(
                meeting_id=meeting.id,
                child_now="Саша ходит в школу",
                family_now=f"{name} нашла работу",
                new_map_needed=True,
                created_at=AT,
            ),
            MeetingDecision(
                meeting_id=meeting.id,
                what="Записать в кружок",
                who="Школа",
                due_date=date(2019, 5, 10),
                created_at=AT,
                not_done_reason=f"{name} не успела",
                not_done_at=AT,
            ),
            SrsResponse(
                meeting_id=meeting.id,
                participant_id=participant.id,
                scores={"relationship": 10},
                total=38,
                comment="Спасибо",
                reflection=f"{name} будет звонить чаще",
                created_at=AT,
            ),
        ]
    )
    await session.flush()
    return enrollment.id, meeting.id


async def test_a_parent_withdrawing_takes_their_words_and_their_name_out_of_the_evidence(
    session: AsyncSession,
) -> None:
    marina = await make_person(session, 501, Role.PARENT, now=NOW)
    person = await session.get(Person, marina.person_id)
    assert person is not None
    person.display_name = "Марина"
    session.add(Consent(person_id=marina.person_id, text_version="v", locale="ru", accepted_at=NOW))
    family_id = await _family(session, "Ивановы")
    session.add(
        FamilyLink(family_id=family_id, person_id=marina.person_id, kind="parent", created_at=NOW)
    )
    enrollment_id, meeting_id = await _evidence(session, family_id, "Марина", marina.person_id)
    other_id = await _family(session, "Петровы")
    await _evidence(session, other_id, "Марина")  # another Марина's family: not hers

    data = await privacy.export(session, marina, NOW)
    assert data["programme_evaluations"][0]["open_answer"] == "Марина: нам помогли разговоры"
    assert data["follow_up_questionnaires"][0]["total"] == 25
    assert data["meetings"][0]["srs"]["reflection"] == "Марина будет звонить чаще"

    await privacy.withdraw(session, marina, NOW)
    session.expire_all()

    evaluation = await session.scalar(
        select(ProgrammeEvaluation).where(ProgrammeEvaluation.enrollment_id == enrollment_id)
    )
    assert evaluation is not None and evaluation.open_answer is None
    assert evaluation.answers == {"real_problems": 5}  # the scores are counted
    specialists = await session.scalar(
        select(SpecialistEvaluation).where(SpecialistEvaluation.enrollment_id == enrollment_id)
    )
    assert specialists is not None and specialists.note == "— очень старалась"
    follow_up = await session.scalar(
        select(QuestionnaireFollowUp).where(QuestionnaireFollowUp.enrollment_id == enrollment_id)
    )
    assert follow_up is not None and follow_up.total == 25
    process = await session.scalar(
        select(MeetingProcessAssessment).where(MeetingProcessAssessment.meeting_id == meeting_id)
    )
    assert process is not None and process.reflection_note == "— говорила открыто"
    record = await session.scalar(
        select(MeetingFollowUp).where(MeetingFollowUp.meeting_id == meeting_id)
    )
    assert record is not None and record.family_now == "— нашла работу"
    assert record.child_now == "Саша ходит в школу"
    decision = await session.scalar(
        select(MeetingDecision).where(MeetingDecision.meeting_id == meeting_id)
    )
    assert decision is not None and decision.not_done_reason == "— не успела"
    srs = await session.scalar(select(SrsResponse).where(SrsResponse.meeting_id == meeting_id))
    assert srs is not None and srs.reflection is None and srs.total == 38
    # The other family's texts are not hers.
    kept = await session.scalar(
        select(MeetingFollowUp.family_now)
        .join(Meeting, Meeting.id == MeetingFollowUp.meeting_id)
        .where(Meeting.family_id == other_id)
    )
    assert kept == "Марина нашла работу"


async def test_retention_blanks_the_evidence_texts_and_keeps_the_scores(
    session: AsyncSession,
) -> None:
    old = await _family(session, "Старые", NOW - timedelta(days=6 * 365))
    recent = await _family(session, "Недавние", NOW - timedelta(days=30))
    old_enrollment, old_meeting = await _evidence(session, old, "Нина")
    await _evidence(session, recent, "Нина")

    await privacy.anonymise_closed_batch(session, NOW, 5)
    session.expire_all()

    evaluation = await session.scalar(
        select(ProgrammeEvaluation).where(ProgrammeEvaluation.enrollment_id == old_enrollment)
    )
    assert evaluation is not None and evaluation.open_answer == "—"
    assert evaluation.answers == {"real_problems": 5}
    specialists = await session.scalar(
        select(SpecialistEvaluation).where(SpecialistEvaluation.enrollment_id == old_enrollment)
    )
    assert specialists is not None and specialists.note == "—" and specialists.fit == 5
    record = await session.scalar(
        select(MeetingFollowUp).where(MeetingFollowUp.meeting_id == old_meeting)
    )
    assert record is not None and (record.child_now, record.family_now) == ("—", "—")
    assert record.new_map_needed is True
    process = await session.scalar(
        select(MeetingProcessAssessment).where(MeetingProcessAssessment.meeting_id == old_meeting)
    )
    assert process is not None and process.reflection_note == "—" and process.phases
    decision = await session.scalar(
        select(MeetingDecision).where(MeetingDecision.meeting_id == old_meeting)
    )
    assert decision is not None and decision.not_done_reason == "—"
    srs = await session.scalar(select(SrsResponse).where(SrsResponse.meeting_id == old_meeting))
    assert srs is not None and srs.reflection is None and srs.total == 38
    untouched = await session.scalar(
        select(MeetingFollowUp.family_now)
        .join(Meeting, Meeting.id == MeetingFollowUp.meeting_id)
        .where(Meeting.family_id == recent)
    )
    assert untouched == "Нина нашла работу"
