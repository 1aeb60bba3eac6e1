"""The candidates' test taken in the chat (content/mentor_test.yaml).

A mentor whose registry status is candidate answers one question at a time; each answer is kept
at once in their attempt (started at the first answer), so a restart resumes where they were.
With the last answer the attempt is scored and closed, and every coordinator gets the result
with a button to the answers. A finished attempt is final until the person is moved back to
candidate (a finished attempt after that move counts; an older one does not). Passing moves
nothing by itself: the coordinators decide. The candidate is never shown a score.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.mentor_test import MentorTest
from bot.db.models import MentorTestAttempt, Role
from bot.db.repositories import mentor_tests as repo
from bot.db.repositories import people as people_repo
from bot.services import audit, outbox
from bot.services.access import Action, Actor, authorize, is_allowed
from bot.services.errors import DomainError

RESULT_KIND = "mentor_test.result"
RESULT_PURPOSE = "mentor_test_result"
OBJECT_ATTEMPT = "mentor_test_attempt"


@dataclass(frozen=True)
class Progress:
    """The candidate's current attempt: answers so far (question code -> option code)."""

    answers: dict[str, str]
    finished: bool
    passed: bool | None = None


@dataclass(frozen=True)
class AnswerRow:
    question_code: str
    chosen: str | None
    correct: str


@dataclass(frozen=True)
class AnswersView:
    attempt_id: int
    name: str
    score: int
    out_of: int
    passed: bool
    finished_at: datetime
    rows: list[AnswerRow]


async def _current(session: AsyncSession, actor: Actor) -> MentorTestAttempt | None:
    """The attempt since the person's last move to candidate (None before the first answer)."""
    profile = await repo.profile_of(session, actor.person_id)
    if profile is None:
        return None
    return await repo.latest_since(session, actor.person_id, profile.status_at)


async def may_take(session: AsyncSession, actor: Actor | None) -> bool:
    """Whether to offer the test (the menu's button): a candidate without a finished attempt."""
    if actor is None or not actor.has(Role.MENTOR):
        return False
    if not await is_allowed(session, actor, Action.MENTOR_TEST_TAKE):
        return False
    attempt = await _current(session, actor)
    return attempt is None or attempt.finished_at is None


async def progress(session: AsyncSession, actor: Actor | None) -> Progress:
    await authorize(session, actor, Action.MENTOR_TEST_TAKE)
    assert actor is not None
    attempt = await _current(session, actor)
    if attempt is None:
        return Progress(answers={}, finished=False)
    return Progress(
        answers=dict(attempt.answers or {}),
        finished=attempt.finished_at is not None,
        passed=attempt.passed,
    )


async def answer(
    session: AsyncSession,
    actor: Actor | None,
    question_code: str,
    option_code: str,
    now: datetime,
    test: MentorTest,
) -> Progress:
    """Keep one answer (a changed answer replaces the earlier one); with every question
    answered the attempt is scored, closed and sent to the coordinators."""
    await authorize(session, actor, Action.MENTOR_TEST_TAKE)
    assert actor is not None
    question = test.question(question_code)
    if question is None or question.option(option_code) is None:
        raise DomainError("mentor_test_bad_answer")  # a forged or outdated button
    await repo.lock(session, actor.person_id)
    attempt = await _current(session, actor)
    if attempt is not None and attempt.finished_at is not None:
        raise DomainError("mentor_test_done")
    if attempt is None:
        attempt = await repo.start(session, actor.person_id, {question_code: option_code}, now)
    else:
        # A new dict, so the JSON column sees the change.
        attempt.answers = {**(attempt.answers or {}), question_code: option_code}
    answers = {q.code: attempt.answers[q.code] for q in test.questions if q.code in attempt.answers}
    if len(answers) < len(test.questions):
        return Progress(answers=answers, finished=False)
    await _finish(session, attempt, answers, now, test)
    return Progress(answers=answers, finished=True, passed=attempt.passed)


async def _finish(
    session: AsyncSession,
    attempt: MentorTestAttempt,
    answers: dict[str, str],
    now: datetime,
    test: MentorTest,
) -> None:
    attempt.answers = answers  # codes of questions no longer in the file are dropped
    attempt.score = test.score(answers)
    attempt.out_of = len(test.questions)
    attempt.passed = attempt.score >= test.pass_mark
    attempt.finished_at = now
    await session.flush()
    name = await repo.name_of(session, attempt.person_id) or "—"
    for coordinator in await people_repo.with_role(session, Role.COORDINATOR.value):
        if coordinator.id == attempt.person_id:
            continue  # a coordinator who is also a candidate does not review themselves
        await outbox.enqueue(
            session,
            recipient=outbox.Recipient(coordinator.id, coordinator.telegram_id),
            purpose=RESULT_PURPOSE,
            kind=RESULT_KIND,
            params={
                "attempt_id": attempt.id,
                "name": name,
                "score": attempt.score,
                "out_of": attempt.out_of,
                "pass_mark": test.pass_mark,
            },
            now=now,
            object_type=OBJECT_ATTEMPT,
            object_id=attempt.id,
        )


async def require_viewable(
    session: AsyncSession, actor: Actor | None, attempt_id: int
) -> MentorTestAttempt:
    """The finished attempt a coordinator asks for, or AccessDenied / DomainError."""
    await authorize(session, actor, Action.MENTOR_TEST_VIEW, attempt_id)
    attempt = await repo.by_id(session, attempt_id)
    if attempt is None or attempt.finished_at is None:
        raise DomainError("mentor_test_not_found")
    return attempt


async def answers_view(
    session: AsyncSession, actor: Actor | None, attempt_id: int, now: datetime, test: MentorTest
) -> AnswersView:
    """A finished attempt's answers for a coordinator: each question, the chosen and the
    correct option. Audited as a view of personal data."""
    attempt = await require_viewable(session, actor, attempt_id)
    assert attempt.finished_at is not None
    await audit.record(
        session,
        actor,
        "mentor_test.answers",
        now,
        object_type=OBJECT_ATTEMPT,
        object_id=attempt.id,
        person_id=attempt.person_id,
    )
    answers = attempt.answers or {}
    return AnswersView(
        attempt_id=attempt.id,
        name=await repo.name_of(session, attempt.person_id) or "—",
        score=attempt.score or 0,
        out_of=attempt.out_of or 0,
        passed=bool(attempt.passed),
        finished_at=attempt.finished_at,
        rows=[AnswerRow(q.code, answers.get(q.code), q.correct) for q in test.questions],
    )


async def latest_result(
    session: AsyncSession, actor: Actor | None, person_id: int
) -> tuple[int, int, bool, datetime] | None:
    """(score, out of, passed, finished at) of the person's newest finished test, for the
    registry card; coordinators only."""
    await authorize(session, actor, Action.MENTOR_TEST_VIEW)
    attempt = await repo.latest_finished(session, person_id)
    if attempt is None or attempt.finished_at is None:
        return None
    return (attempt.score or 0, attempt.out_of or 0, bool(attempt.passed), attempt.finished_at)
