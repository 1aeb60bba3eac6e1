"""The family questionnaire: entry before week 1 and exit after the last week, one per family,
in both languages; the totals are stored and never shown to parents."""

from __future__ import annotations

from bot.db.models import EnrollmentStatus
from tests.conftest import ADMIN_ID
from tests.harness import BotHarness
from tests.homework_support import (
    QUESTIONNAIRE_EN_LABELS,
    QUESTIONNAIRE_RU_LABELS,
    QUESTIONNAIRE_STATEMENTS,
    answer_questionnaire,
    enrol_now,
    enrollment,
    family_with_people,
    release,
    send_now,
)


async def test_entry_questionnaire_in_russian_and_the_second_parent(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    fam = await family_with_people(app, parent_ids=(3001, 3002))
    enrollment_id = await enrol_now(app, fam.id)
    await send_now(app)
    mum, dad = fam.parents
    await mum.press("📝 Заполнить анкету")
    assert "Как живёт наша семья" in mum.last_text()
    assert "Здесь нет правильных и неправильных ответов" in mum.last_text()
    await mum.press("Начать")
    assert mum.last_text().startswith(f"1 из {QUESTIONNAIRE_STATEMENTS}")
    assert "распорядок дня" in mum.last_text()
    assert mum.last().button_texts() == [
        *(f"{v} · {QUESTIONNAIRE_RU_LABELS[v]}" for v in range(1, 6)),
        "⬅️ Назад",
    ]
    await mum.press("4 · скорее про нас")
    assert mum.last_text().startswith(f"2 из {QUESTIONNAIRE_STATEMENTS}")
    await mum.press("⬅️ Назад")  # change the first answer
    assert mum.last_text().startswith(f"1 из {QUESTIONNAIRE_STATEMENTS}")
    values = [3, 4, 2, 3, 5, 4, 3, 2]
    await answer_questionnaire(mum, values, QUESTIONNAIRE_RU_LABELS)
    thanks = mum.last_text()
    assert thanks.startswith("Спасибо! Ответы сохранены.")
    assert str(sum(values)) not in thanks  # no scores for parents
    e = await enrollment(app, enrollment_id)
    assert e.entry_total == sum(values) and e.exit_total is None

    # The other parent: already filled in for the family.
    query = await dad.press("📝 Заполнить анкету")
    answer = app.fake.callback_answer(query)
    assert answer is not None and answer["text"] == "Ваша семья уже заполнила анкету. Спасибо!"
    app.fake.assert_no_violations()


async def test_both_parents_at_once_one_response(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    fam = await family_with_people(app, parent_ids=(3001, 3002))
    enrollment_id = await enrol_now(app, fam.id)
    await send_now(app)
    mum, dad = fam.parents
    for parent in (mum, dad):
        await parent.press("📝 Заполнить анкету")
        await parent.press("Начать")
    await answer_questionnaire(mum, [5] * QUESTIONNAIRE_STATEMENTS, QUESTIONNAIRE_RU_LABELS)
    await dad.press("1 · совсем не про нас")  # the family's answer is in meanwhile
    assert dad.last_text() == "Ваша семья уже заполнила анкету. Спасибо!"
    e = await enrollment(app, enrollment_id)
    assert e.entry_total == 5 * QUESTIONNAIRE_STATEMENTS
    app.fake.assert_no_violations()


async def test_entry_questionnaire_in_english(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    fam = await family_with_people(app, parent_ids=(3001,), lang="en")
    enrollment_id = await enrol_now(app, fam.id)
    await send_now(app)
    [mum] = fam.parents
    await mum.press("📝 Start the questionnaire")
    assert "How our family is doing" in mum.last_text()
    await mum.press("Begin")
    assert mum.last_text().startswith(f"1 of {QUESTIONNAIRE_STATEMENTS}")
    assert "How true is this of your family now?" in mum.last_text()
    await answer_questionnaire(mum, [2] * QUESTIONNAIRE_STATEMENTS, QUESTIONNAIRE_EN_LABELS)
    assert mum.last_text().startswith("Thank you! Your answers are saved.")
    assert (await enrollment(app, enrollment_id)).entry_total == 2 * QUESTIONNAIRE_STATEMENTS
    app.fake.assert_no_violations()


async def test_exit_questionnaire_after_the_last_week(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    fam = await family_with_people(app, parent_ids=(3001,), mentor_id=None)
    enrollment_id = await enrol_now(app, fam.id, "semeyny_pomoshnik")
    await send_now(app)
    [mum] = fam.parents
    await mum.press("📝 Заполнить анкету")
    await mum.press("Начать")
    await answer_questionnaire(mum, [2] * QUESTIONNAIRE_STATEMENTS, QUESTIONNAIRE_RU_LABELS)
    app.clock.advance(60)
    for _ in range(9):  # eight weeks, then the slot that finishes the programme
        await release(app)
        await send_now(app)
        e = await enrollment(app, enrollment_id)
        if e.next_release_at is None:
            break
        app.clock.set(e.next_release_at)
    assert e.status == EnrollmentStatus.COMPLETED
    assert "Вы прошли всю программу «Семейный помощник»" in mum.last_text()
    await mum.press("📝 Заполнить анкету")
    await mum.press("Начать")
    await answer_questionnaire(mum, [4] * QUESTIONNAIRE_STATEMENTS, QUESTIONNAIRE_RU_LABELS)
    assert mum.last_text().startswith("Спасибо! Ответы сохранены.")
    e = await enrollment(app, enrollment_id)
    assert (e.entry_total, e.exit_total) == (
        2 * QUESTIONNAIRE_STATEMENTS,
        4 * QUESTIONNAIRE_STATEMENTS,
    )
    # The entry questionnaire is closed now.
    query = await mum.press_forged(f"qn:e:{enrollment_id}", mum.last().message_id)
    answer = app.fake.callback_answer(query)
    assert answer is not None and answer["text"] == "Эта анкета уже закрыта. Всё равно спасибо!"
    app.fake.assert_no_violations()


async def test_another_family_cannot_open_the_questionnaire(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    fam = await family_with_people(app, parent_ids=(3001,))
    other = await family_with_people(app, name="Петровы", parent_ids=(3101,), mentor_id=None)
    enrollment_id = await enrol_now(app, fam.id)
    await send_now(app)
    [stranger] = other.parents
    seen = stranger.texts()
    for data in (f"qn:e:{enrollment_id}", f"qn:x:{enrollment_id}"):
        query = await stranger.press_forged(data, stranger.last().message_id)
        answer = app.fake.callback_answer(query)
        assert answer is not None and "для вашей роли это недоступно" in answer["text"]
    assert stranger.texts() == seen
    assert (await enrollment(app, enrollment_id)).entry_total is None
    app.fake.assert_no_violations()
