"""Withdrawal reaches a mentor's path: the test's answers and the notes on lessons, sessions and
status changes go; statuses, scores, dates and hours stay for the registry's figures. /mydata
shows all of it first."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import bot.notifications  # noqa: F401  (registers the message kinds)
from bot.db.models import (
    Consent,
    LessonProgress,
    MentorProfile,
    MentorStatusChange,
    MentorTestAttempt,
    OutboxMessage,
    Role,
    TrainingSession,
)
from bot.services import learning, mentor_test, outbox, privacy
from tests.factories import make_person

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def test_a_mentor_withdrawing_takes_the_answers_and_notes_and_keeps_the_figures(
    session: AsyncSession,
) -> None:
    olga = await make_person(session, 2001, Role.MENTOR, now=NOW)
    other = await make_person(session, 2002, Role.MENTOR, now=NOW)
    session.add(Consent(person_id=olga.person_id, text_version="v", locale="ru", accepted_at=NOW))
    for who in (olga.person_id, other.person_id):
        session.add_all(
            [
                MentorProfile(person_id=who, status="trained", status_at=NOW, created_at=NOW),
                MentorStatusChange(
                    person_id=who,
                    from_status="candidate",
                    to_status="trained",
                    note="Хорошо прошла курс",
                    changed_at=NOW,
                ),
                MentorTestAttempt(
                    person_id=who,
                    answers={"safety": "call", "blame": "listen"},
                    score=9,
                    out_of=10,
                    passed=True,
                    started_at=NOW,
                    finished_at=NOW,
                ),
                LessonProgress(
                    person_id=who,
                    lesson_code="first_contact_1",
                    subject_code="first_contact",
                    minutes=20,
                    note="Я боюсь первой встречи",
                    done_at=NOW,
                ),
                TrainingSession(
                    person_id=who,
                    held_on=date(2026, 11, 20),
                    subject_code="first_contact",
                    minutes=90,
                    note="Разбирали трудный случай",
                    created_at=NOW,
                ),
            ]
        )
    await session.flush()

    boss = await make_person(session, 1001, Role.COORDINATOR, now=NOW)
    attempt_id = await session.scalar(
        select(MentorTestAttempt.id).where(MentorTestAttempt.person_id == olga.person_id)
    )
    await outbox.enqueue(  # the result as the coordinators get it: it names her
        session,
        recipient=outbox.Recipient(boss.person_id, boss.telegram_id),
        purpose=mentor_test.RESULT_PURPOSE,
        kind=mentor_test.RESULT_KIND,
        params={"attempt_id": attempt_id, "name": "Ольга", "score": 9, "out_of": 10},
        now=NOW,
        object_type=mentor_test.OBJECT_ATTEMPT,
        object_id=attempt_id,
    )

    await outbox.enqueue(  # her course finished, as the coordinators get it
        session,
        recipient=outbox.Recipient(boss.person_id, boss.telegram_id),
        purpose=learning.FINISHED_PURPOSE,
        kind=learning.FINISHED_KIND,
        params={"name": "Ольга", "person_id": olga.person_id},
        now=NOW,
        object_type="person",
        object_id=olga.person_id,
    )

    data = await privacy.export(session, olga, NOW)
    path = data["mentor_path"]
    assert path["tests"][0]["answers"] == {"safety": "call", "blame": "listen"}
    assert path["lessons"][0]["note"] == "Я боюсь первой встречи"
    assert path["training_sessions"][0]["minutes"] == 90
    assert path["statuses"][0]["status"] == "trained"

    await privacy.withdraw(session, olga, NOW)
    session.expire_all()

    attempt = await session.scalar(
        select(MentorTestAttempt).where(MentorTestAttempt.person_id == olga.person_id)
    )
    assert attempt is not None and attempt.answers == {} and attempt.score == 9
    for model in (LessonProgress, TrainingSession, MentorStatusChange):
        row = await session.scalar(select(model).where(model.person_id == olga.person_id))
        assert row is not None and row.note is None, model.__tablename__
    lesson = await session.scalar(
        select(LessonProgress).where(LessonProgress.person_id == olga.person_id)
    )
    assert lesson is not None and lesson.minutes == 20
    queued = await session.scalar(
        select(OutboxMessage.params).where(OutboxMessage.purpose == mentor_test.RESULT_PURPOSE)
    )
    assert queued is not None and queued["name"] == "—" and queued["score"] == 9
    finished = await session.scalar(
        select(OutboxMessage.params).where(OutboxMessage.purpose == learning.FINISHED_PURPOSE)
    )
    assert finished is not None and finished["name"] == "—"
    # Another mentor's path is untouched.
    kept = await session.scalar(
        select(LessonProgress.note).where(LessonProgress.person_id == other.person_id)
    )
    assert kept == "Я боюсь первой встречи"
