"""The candidates' test: the file is checked at start (errors name it), answers are kept one by
one, the last one scores the attempt and tells every coordinator, a finished test is final until
the person is a candidate anew, and only coordinators read the result."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content import Content
from bot.content.base import ContentError
from bot.content.mentor_test import MENTOR_TEST_PATH, load_mentor_test
from bot.db.models import MentorProfile, MentorStatus, OutboxMessage, Role
from bot.services import mentor_test
from bot.services.access import Actor
from bot.services.errors import AccessDenied, DomainError
from tests.factories import make_person

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
TEST = load_mentor_test()


def test_the_shipped_file_loads_into_content() -> None:
    test = Content().mentor_test
    assert 8 <= len(test.questions) <= 10 and 1 <= test.pass_mark <= len(test.questions)
    for question in test.questions:
        assert 3 <= len(question.options) <= 4 and question.option(question.correct)
        assert question.ru.strip() and question.en.strip()


def _broken(tmp_path: Path, change: Callable[[dict[str, Any]], object]) -> Path:
    raw = yaml.safe_load(MENTOR_TEST_PATH.read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "mentor_test.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda raw: raw.update(pass_mark=len(raw["questions"]) + 1), "pass_mark"),
        (lambda raw: raw["questions"][0].update(correct="zz"), "correct option 'zz'"),
        (lambda raw: raw["questions"][0].pop("correct"), "correct"),
        (lambda raw: raw["questions"][1].update(code=raw["questions"][0]["code"]), "repeat"),
        (lambda raw: raw["questions"][0]["options"][1].update(code="a"), "repeat"),
        (lambda raw: raw["questions"][0].update(en=" "), "empty"),
    ],
)
def test_a_broken_file_names_itself(
    tmp_path: Path, change: Callable[[dict[str, Any]], object], problem: str
) -> None:
    path = _broken(tmp_path, change)
    with pytest.raises(ContentError) as caught:
        load_mentor_test(path)
    assert str(path) in str(caught.value) and problem in str(caught.value)


async def _candidate(session: AsyncSession, telegram_id: int = 50) -> Actor:
    actor = await make_person(session, telegram_id, Role.MENTOR, now=NOW)
    session.add(
        MentorProfile(
            person_id=actor.person_id,
            status=MentorStatus.CANDIDATE.value,
            status_at=NOW,
            created_at=NOW,
        )
    )
    await session.flush()
    return actor


async def test_answers_kept_scored_at_the_end_and_sent_to_coordinators(
    session: AsyncSession,
) -> None:
    boss = await make_person(session, 1, Role.COORDINATOR, now=NOW)
    other = await make_person(session, 2, Role.COORDINATOR, now=NOW)
    actor = await _candidate(session)
    assert await mentor_test.may_take(session, actor)
    for n, question in enumerate(TEST.questions[:-1]):
        answer = (
            question.correct
            if n % 3
            else next(o.code for o in question.options if o.code != question.correct)
        )
        progress = await mentor_test.answer(
            session, actor, question.code, answer, NOW + timedelta(minutes=n), TEST
        )
        assert not progress.finished and len(progress.answers) == n + 1
    last = TEST.questions[-1]
    done = await mentor_test.answer(session, actor, last.code, last.correct, NOW, TEST)
    assert done.finished
    right = TEST.score(done.answers)
    assert done.passed is (right >= TEST.pass_mark)
    assert not await mentor_test.may_take(session, actor)
    with pytest.raises(DomainError, match="mentor_test_done"):
        await mentor_test.answer(session, actor, last.code, last.correct, NOW, TEST)

    sent = list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.person_id)))
    assert [r.person_id for r in sent] == [boss.person_id, other.person_id]
    assert sent[0].kind == mentor_test.RESULT_KIND
    assert sent[0].params["score"] == right and sent[0].params["out_of"] == len(TEST.questions)

    score, out_of, passed, finished_at = await mentor_test.latest_result(
        session, boss, actor.person_id
    ) or (None, None, None, None)
    assert (score, out_of, passed, finished_at) == (right, len(TEST.questions), done.passed, NOW)
    view = await mentor_test.answers_view(session, boss, sent[0].params["attempt_id"], NOW, TEST)
    assert [r.chosen for r in view.rows] == [done.answers[q.code] for q in TEST.questions]
    with pytest.raises(AccessDenied):
        await mentor_test.latest_result(session, actor, actor.person_id)
    with pytest.raises(AccessDenied):
        await mentor_test.answers_view(session, actor, view.attempt_id, NOW, TEST)


async def test_only_candidates_and_a_move_back_to_candidate_offers_it_again(
    session: AsyncSession,
) -> None:
    coordinator = await make_person(session, 1, Role.COORDINATOR, now=NOW)
    actor = await _candidate(session)
    first = TEST.questions[0]
    with pytest.raises(DomainError, match="mentor_test_bad_answer"):
        await mentor_test.answer(session, actor, first.code, "zz", NOW, TEST)
    # A coordinator without a profile is not a candidate (nor takes it for someone).
    assert not await mentor_test.may_take(session, coordinator)
    with pytest.raises(AccessDenied):
        await mentor_test.answer(session, coordinator, first.code, first.correct, NOW, TEST)
    profile = await session.get(MentorProfile, actor.person_id)
    assert profile is not None
    profile.status = MentorStatus.ACTIVE.value
    assert not await mentor_test.may_take(session, actor)
    with pytest.raises(AccessDenied):
        await mentor_test.progress(session, actor)

    # Back to candidate later: an older finished attempt no longer counts.
    profile.status, profile.status_at = MentorStatus.CANDIDATE.value, NOW
    for question in TEST.questions:
        await mentor_test.answer(session, actor, question.code, question.correct, NOW, TEST)
    assert not await mentor_test.may_take(session, actor)
    profile.status_at = NOW + timedelta(days=3)
    assert await mentor_test.may_take(session, actor)
    assert (await mentor_test.progress(session, actor)).answers == {}
