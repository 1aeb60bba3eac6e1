"""The candidates' test in the chat: «📝 Пройти тест» in a candidate's menu, one question per
screen, every answer kept at once (a restart of the bot or a break through the menu resumes),
a kind word at the end and never the score; the coordinators get the result with «📝 Ответы»
(each question, the chosen and the right answer; audited). A finished test is not offered again
until the person is a candidate anew. Active mentors and parents cannot start it, and forged
buttons (a tampered option, another attempt) change nothing."""

from __future__ import annotations

from sqlalchemy import select

from bot.content.mentor_test import MentorTest, QuizQuestion, load_mentor_test
from bot.db.models import MentorStatus, MentorTestAttempt, Role
from tests.conftest import ADMIN_ID
from tests.e2e.steps import audits, forged_in_window, set_status
from tests.faketg import FakeUser
from tests.harness import BotHarness

CANDIDATE_ID = 2101
OTHER_ID = 2102
TEST: MentorTest = load_mentor_test()
NOT_ALLOWED = "для вашей роли это недоступно"


async def candidate(app: BotHarness, telegram_id: int, language: str = "ru") -> FakeUser:
    user = await app.joined(
        telegram_id,
        await app.invitation(ADMIN_ID, Role.MENTOR),
        language_code=language,
        first_name="Анна" if language == "ru" else "Ann",
    )
    await set_status(app, telegram_id, MentorStatus.CANDIDATE)
    await user.send_command("start")
    return user


def option_text(question: QuizQuestion, code: str, locale: str) -> str:
    found = question.option(code)
    assert found is not None
    return found.get(locale)


def wrong(question: QuizQuestion) -> str:
    return next(o.code for o in question.options if o.code != question.correct)


async def attempts(app: BotHarness) -> list[MentorTestAttempt]:
    async with app.sessionmaker() as session:
        return list(await session.scalars(select(MentorTestAttempt).order_by(MentorTestAttempt.id)))


async def test_a_candidate_passes_resumes_after_a_restart_and_the_coordinator_sees_the_answers(
    app: BotHarness,
) -> None:
    admin = await app.admin(ADMIN_ID, first_name="Ольга")
    user = await candidate(app, CANDIDATE_ID)
    await user.press("📝 Пройти тест")
    assert f"{len(TEST.questions)} коротких вопросов" in user.last_text()
    assert "Времени не ограничено" in user.last_text()
    started = app.clock.now()
    await user.press("Начать")
    assert f"Вопрос 1 из {len(TEST.questions)}" in user.last_text()
    assert TEST.questions[0].ru in user.last_text()
    assert not await attempts(app)  # nothing stored before the first answer

    for question in TEST.questions[:3]:
        await user.press(option_text(question, question.correct, "ru"))
    [kept] = await attempts(app)
    assert kept.answers == {q.code: q.correct for q in TEST.questions[:3]}
    assert kept.started_at > started and kept.finished_at is None
    assert "Вопрос 4 из" in user.last_text()

    # «⬅️ Назад» shows the earlier answer marked; a changed answer replaces it.
    await user.press("⬅️ Назад")
    third = TEST.questions[2]
    assert f"✓ {option_text(third, third.correct, 'ru')}" in user.last().button_texts()
    await user.press(option_text(third, wrong(third), "ru"))
    assert "Вопрос 4 из" in user.last_text()

    # A new process: the window on screen goes on; the menu and the intro resume at question 4.
    await app.restart()
    await user.send_command("start")
    await user.press("📝 Пройти тест")
    assert "Вы уже ответили на 3 из 10" in user.last_text()
    await user.press("Продолжить")
    assert "Вопрос 4 из 10" in user.last_text()
    for question in TEST.questions[3:]:
        await user.press(option_text(question, question.correct, "ru"))

    done = user.last_text()
    assert "Спасибо! Ваши ответы переданы координатору" in done
    assert "обучения" in done
    assert not any(ch.isdigit() for ch in done)  # never a score
    [finished] = await attempts(app)
    assert finished.finished_at is not None
    assert (finished.score, finished.out_of, finished.passed) == (9, 10, True)
    assert finished.answers[third.code] == wrong(third)

    # Not offered again; an old menu's button shows the kind word again, nothing else.
    await user.send_command("start")
    assert "📝 Пройти тест" not in user.last().button_texts()
    await user.press_forged(*forged_in_window(user, "mentor_test"))
    assert "Спасибо! Ваши ответы переданы координатору" in user.last_text()
    assert len(await attempts(app)) == 1

    await app.deliver()
    result = next(t for t in admin.texts() if t.startswith("📝 Кандидат"))
    assert "Анна" in result and "9 из 10 (проходной балл 7)" in result
    await admin.press("📝 Ответы")
    answers = admin.last_text()
    assert "Ответы на тест: Анна" in answers
    assert TEST.questions[0].ru in answers
    assert f"❌ {option_text(third, wrong(third), 'ru')}" in answers
    assert f"Верный ответ: {option_text(third, third.correct, 'ru')}" in answers
    [seen] = await audits(app, "mentor_test.answers")
    assert seen.object_id == finished.id
    app.fake.assert_no_violations()


async def test_a_candidate_who_does_not_pass_gets_a_warm_word_and_may_retake_once_reset(
    app: BotHarness,
) -> None:
    admin = await app.admin(ADMIN_ID, language_code="en", first_name="Olga")
    user = await candidate(app, CANDIDATE_ID, "en")
    await user.press("📝 Take the test")
    assert "10 short questions" in user.last_text()
    await user.press("Begin")
    for question in TEST.questions:
        await user.press(option_text(question, wrong(question), "en"))
    done = user.last_text()
    assert "Thank you for your answers" in done and "talk them through with you" in done
    assert not any(ch.isdigit() for ch in done)
    [attempt] = await attempts(app)
    assert (attempt.score, attempt.passed) == (0, False)

    await app.deliver()
    result = next(t for t in admin.texts() if t.startswith("📝 Candidate"))
    assert "Ann finished the test: 0 of 10 (pass mark 7)" in result
    await admin.press("📝 Answers")
    assert "Right answer:" in admin.last_text()

    # Still a candidate: not offered; moved back to candidate later: offered again, a new attempt.
    await user.send_command("start")
    assert "📝 Take the test" not in user.last().button_texts()
    app.clock.advance(days=1)
    await set_status(app, CANDIDATE_ID, MentorStatus.CANDIDATE)
    await user.send_command("start")
    await user.press("📝 Take the test")
    await user.press("Begin")
    assert "Question 1 of 10" in user.last_text()
    first = TEST.questions[0]
    await user.press(option_text(first, first.correct, "en"))
    old, new = await attempts(app)
    assert old.finished_at is not None and new.finished_at is None
    assert new.answers == {first.code: first.correct}
    app.fake.assert_no_violations()


async def test_others_cannot_take_it_and_forged_buttons_change_nothing(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    family_id = await app.add_family(ADMIN_ID, "Ивановы")
    active = await candidate(app, OTHER_ID)
    await set_status(app, OTHER_ID, MentorStatus.ACTIVE)
    parent = await app.joined(3001, await app.invitation(ADMIN_ID, Role.PARENT, family_id))
    user = await candidate(app, CANDIDATE_ID)

    # The candidate's menu button, forged by an active mentor and a parent: refused.
    for other in (active, parent):
        await other.send_command("start")
        assert "📝 Пройти тест" not in other.last().button_texts()
        data, message_id = forged_in_window(other, "mentor_test")
        query = await other.press_forged(data, message_id)
        assert NOT_ALLOWED in str((app.fake.callback_answer(query) or {}).get("text"))

    # A tampered option and an unknown question: nothing stored.
    await user.press("📝 Пройти тест")
    await user.press("Начать")
    first = TEST.questions[0]
    intent, message_id = forged_in_window(user, "option")
    for item in (f"{first.code}:zz", f"nope:{first.correct}"):
        query = await user.press_forged(f"{intent}:{item}", message_id)
        assert "Ничего не сохранено" in str((app.fake.callback_answer(query) or {}).get("text"))
    assert not await attempts(app)
    for question in TEST.questions:
        await user.press(option_text(question, question.correct, "ru"))
    [attempt] = await attempts(app)
    assert attempt.passed

    # The answers button: a candidate is refused; an attempt that does not exist is out of date.
    await app.deliver()
    [result] = [m for m in admin.messages() if m.visible_text.startswith("📝 Кандидат")]
    query = await user.press_forged(f"mt:ans:{attempt.id}", user.last().message_id)
    assert NOT_ALLOWED in str((app.fake.callback_answer(query) or {}).get("text"))
    query = await admin.press_forged(f"mt:ans:{attempt.id + 7}", result.message_id)
    assert "устарела" in str((app.fake.callback_answer(query) or {}).get("text"))
    assert not await audits(app, "mentor_test.answers")
    denied = await audits(app, "access.denied")
    assert {d.details["attempted"] for d in denied if d.details} == {
        "mentor_test.take",
        "mentor_test.view",
    }
    app.fake.assert_no_violations()


async def test_a_double_tap_on_an_answer_answers_one_question(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    user = await candidate(app, CANDIDATE_ID)
    await user.press("📝 Пройти тест")
    await user.press("Начать")
    first = TEST.questions[0]
    await user.press_twice(option_text(first, first.correct, "ru"))
    assert "Вопрос 2 из 10" in user.last_text()
    [attempt] = await attempts(app)
    assert attempt.answers == {first.code: first.correct}
    app.fake.assert_no_violations()
