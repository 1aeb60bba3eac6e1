"""The family questionnaire: entry before week 1 and exit after the last week, one per family,
in both languages; the totals are stored and never shown to parents."""

from __future__ import annotations

from bot.db.models import EnrollmentStatus
from tests.conftest import ADMIN_ID
from tests.faketg import FakeUser
from tests.harness import BotHarness
from tests.homework_support import (
    enrol_now,
    enrollment,
    family_with_people,
    release,
    send_now,
)

STATEMENTS = 8


async def answer_all(user: FakeUser, values: list[int], labels: dict[int, str]) -> None:
    for value in values:
        await user.press(f"{value} · {labels[value]}")


RU_LABELS = {
    1: "совсем не про нас",
    2: "скорее не про нас",
    3: "иногда",
    4: "скорее про нас",
    5: "точно про нас",
}
EN_LABELS = {1: "not us at all", 2: "not really us", 3: "sometimes", 4: "mostly us", 5: "that's us"}


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
    assert mum.last_text().startswith(f"1 из {STATEMENTS}")
    assert "распорядок дня" in mum.last_text()
    assert mum.last().button_texts() == [
        *(f"{v} · {RU_LABELS[v]}" for v in range(1, 6)),
        "⬅️ Назад",
    ]
    await mum.press("4 · скорее про нас")
    assert mum.last_text().startswith(f"2 из {STATEMENTS}")
    await mum.press("⬅️ Назад")  # change the first answer
    assert mum.last_text().startswith(f"1 из {STATEMENTS}")
    values = [3, 4, 2, 3, 5, 4, 3, 2]
    await answer_all(mum, values, RU_LABELS)
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
    await answer_all(mum, [5] * STATEMENTS, RU_LABELS)
    await dad.press("1 · совсем не про нас")  # the family's answer is in meanwhile
    assert dad.last_text() == "Ваша семья уже заполнила анкету. Спасибо!"
    e = await enrollment(app, enrollment_id)
    assert e.entry_total == 5 * STATEMENTS
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
    assert mum.last_text().startswith(f"1 of {STATEMENTS}")
    assert "How true is this of your family now?" in mum.last_text()
    await answer_all(mum, [2] * STATEMENTS, EN_LABELS)
    assert mum.last_text().startswith("Thank you! Your answers are saved.")
    assert (await enrollment(app, enrollment_id)).entry_total == 2 * STATEMENTS
    app.fake.assert_no_violations()


async def test_exit_questionnaire_after_the_last_week(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    fam = await family_with_people(app, parent_ids=(3001,), mentor_id=None)
    enrollment_id = await enrol_now(app, fam.id, "semeyny_pomoshnik")
    await send_now(app)
    [mum] = fam.parents
    await mum.press("📝 Заполнить анкету")
    await mum.press("Начать")
    await answer_all(mum, [2] * STATEMENTS, RU_LABELS)
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
    await answer_all(mum, [4] * STATEMENTS, RU_LABELS)
    assert mum.last_text().startswith("Спасибо! Ответы сохранены.")
    e = await enrollment(app, enrollment_id)
    assert (e.entry_total, e.exit_total) == (2 * STATEMENTS, 4 * STATEMENTS)
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
