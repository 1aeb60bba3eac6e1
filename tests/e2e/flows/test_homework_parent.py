"""A parent answers the week: text, photo and voice, Done, the rating and a comment; two parents
share one week; late and closed weeks; other families' buttons are refused."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.db.models import AuditEntry, HomeworkAnswer
from tests.conftest import ADMIN_ID
from tests.harness import BotHarness
from tests.homework_support import Family, enrol_now, family_with_people, release, send_now, weeks

WEEK_HEAD_RU = "Неделя 1 «Знакомство с семьёй»"


async def week_one(
    app: BotHarness, *, parent_ids: tuple[int, ...] = (3001, 3002), lang: str = "ru"
) -> tuple[Family, int]:
    """A family enrolled a minute ago whose week 1 has just been delivered."""
    await app.admin(ADMIN_ID)
    fam = await family_with_people(app, parent_ids=parent_ids, lang=lang)
    enrollment_id = await enrol_now(app, fam.id)
    await send_now(app)  # the questionnaire invitation
    app.clock.advance(60)
    await release(app)
    await send_now(app)
    return fam, enrollment_id


async def answers(app: BotHarness) -> list[HomeworkAnswer]:
    async with app.sessionmaker() as session:
        return list(await session.scalars(select(HomeworkAnswer).order_by(HomeworkAnswer.id)))


async def test_a_parent_answers_hands_in_rates_and_comments(app: BotHarness) -> None:
    fam, _ = await week_one(app)
    mum, dad = fam.parents
    await mum.press("✍️ Ответить")
    assert WEEK_HEAD_RU in mum.last_text()
    assert "Пришлите ответ: текст, голосовое сообщение, фото или документ" in mum.last_text()
    [week_message] = [m for m in mum.messages() if m.visible_text.startswith("📚")]
    assert week_message.button_texts() == ["✍️ Ответить"]  # kept, to come back to later
    assert "Пока ничего не получено." in mum.last_text()
    await mum.send_text("Мы поговорили за ужином <b>все вместе</b>")
    await mum.send_photo(caption="Страница из тетради")
    await mum.send_voice()
    assert "Уже получено: тексты: 1, фото: 1, голосовые: 1" in mum.last_text()
    await mum.send_sticker()
    assert "Я принимаю текст, голосовое сообщение, фото или документ" in mum.last_text()
    await mum.send_location(55.75, 37.61)
    assert "Я принимаю текст" in mum.last_text()
    await mum.send_text("/homework")  # an unknown command is a slip, not an answer
    assert "Это похоже на команду" in mum.last_text()
    await mum.press("✅ Готово")
    assert "Как прошла эта неделя для вашей семьи?" in mum.last_text()
    await mum.press("8")
    assert "Хотите добавить пару слов о неделе?" in mum.last_text()
    await mum.send_photo()
    assert "Напишите комментарий текстом" in mum.last_text()
    await mum.send_text("Было непросто, но дети радовались")
    assert mum.last_text() == "Спасибо! Наставник увидит ваши ответы."

    stored = await answers(app)
    assert [a.kind for a in stored] == ["text", "photo", "voice"]
    assert stored[0].text == "Мы поговорили за ужином <b>все вместе</b>"
    assert stored[1].text == "Страница из тетради" and stored[1].file_id
    assert stored[2].file_id and not any(a.late for a in stored)
    [week] = await weeks(app)
    assert week.done_at is not None and not week.late
    assert week.rating == 8
    assert week.rating_comment == "Было непросто, но дети радовались"

    # The other parent is told, and finds the week handed in.
    await send_now(app)
    assert "сдано за всю семью" in dad.last_text()
    await dad.press("✍️ Ответить")
    assert WEEK_HEAD_RU in dad.last_text()
    assert "✅ Сдано, спасибо!" in dad.last_text()
    assert "Ваша семья оценила неделю на 8/10." in dad.last_text()
    app.fake.assert_no_violations()


async def test_in_english(app: BotHarness) -> None:
    fam, _ = await week_one(app, parent_ids=(3001,), lang="en")
    [mum] = fam.parents
    await mum.press("✍️ Answer")
    assert "Week 1 «Getting to know your family»" in mum.last_text()
    assert "Send your answer: text, a voice message, photos or a document" in mum.last_text()
    await mum.press("✅ Done")
    assert "Send at least one message first." in mum.last_text()
    await mum.send_document(caption="Our plan")
    assert "Received so far: documents: 1" in mum.last_text()
    await mum.press("✅ Done")
    assert "How was this week for your family?" in mum.last_text()
    await mum.press("10")
    await mum.press("Skip")
    assert mum.last_text() == "Thank you! Your mentor will see your answers."
    [week] = await weeks(app)
    assert week.rating == 10 and week.rating_comment is None
    app.fake.assert_no_violations()


async def test_two_parents_one_week(app: BotHarness) -> None:
    fam, _ = await week_one(app)
    mum, dad = fam.parents
    await mum.press("✍️ Ответить")
    await mum.send_text("Наш ответ")
    await dad.press("✍️ Ответить")
    assert "Уже получено: тексты: 1" in dad.last_text()  # one shared week
    await mum.press("✅ Готово")
    await dad.send_text("И от меня пара слов")
    # Handed in meanwhile: nothing more is taken, and the rating is still missing.
    assert "Ваша семья уже сдала эту неделю. Спасибо!" in dad.last_text()
    assert "Как прошла эта неделя для вашей семьи?" in dad.last_text()
    await dad.press("7")
    await mum.press("8")  # the first rating stays; nothing more is asked
    assert mum.last_text() == "Спасибо! Наставник увидит ваши ответы."
    [week] = await weeks(app)
    assert week.rating == 7
    assert [a.text for a in await answers(app)] == ["Наш ответ"]
    app.fake.assert_no_violations()


async def test_done_tapped_by_both(app: BotHarness) -> None:
    fam, _ = await week_one(app)
    mum, dad = fam.parents
    await mum.press("✍️ Ответить")
    await mum.send_text("Ответ")
    await dad.press("✍️ Ответить")
    await mum.press("✅ Готово")
    await dad.press("✅ Готово")
    assert "Ваша семья уже сдала эту неделю. Спасибо!" in dad.last_text()
    await mum.press("9")
    await mum.press("Пропустить")
    await dad.press("5")
    assert dad.last_text() == "Спасибо! Наставник увидит ваши ответы."
    [week] = await weeks(app)
    assert week.rating == 9 and week.done_by_id is not None
    app.fake.assert_no_violations()


async def test_finish_later_keeps_the_answers(app: BotHarness) -> None:
    fam, _ = await week_one(app, parent_ids=(3001,))
    [mum] = fam.parents
    await mum.press("✍️ Ответить")
    await mum.send_voice()
    await mum.press("Закончу позже")
    assert "всё, что вы прислали, сохранено" in mum.last_text()
    assert [a.kind for a in await answers(app)] == ["voice"]
    await mum.press("✍️ Ответить")
    assert "Уже получено: голосовые: 1" in mum.last_text()
    await mum.send_command("cancel")  # always works, and keeps what was sent
    assert "Остановлено" in mum.last_text()
    # A message sent outside the form is filed with the open week, and can be taken back.
    await mum.send_text("Это уже не ответ")
    assert "Я добавил ваше сообщение к ответу" in mum.last_text()
    assert [a.kind for a in await answers(app)] == ["voice", "text"]
    await mum.press("↩️ Это было не задание: убрать")
    assert "Убрано: это сообщение не войдёт в ответ." in mum.last_text()
    assert "↩️ Это было не задание: убрать" not in mum.last().button_texts()
    assert [a.kind for a in await answers(app)] == ["voice"]
    app.fake.assert_no_violations()


async def test_a_late_answer_is_marked_late(app: BotHarness) -> None:
    fam, _ = await week_one(app, parent_ids=(3001,))
    [mum] = fam.parents
    [week] = await weeks(app)
    app.clock.set(week.due_at + timedelta(hours=2))
    await mum.press("✍️ Ответить")
    assert "Срок уже прошёл, и это ничего" in mum.last_text()
    await mum.send_text("Поздно, но сделали")
    await mum.press("✅ Готово")
    [stored] = await answers(app)
    assert stored.late
    [week] = await weeks(app)
    assert week.late and week.done_at is not None
    app.fake.assert_no_violations()


async def test_a_closed_week_is_refused_kindly(app: BotHarness) -> None:
    fam, _ = await week_one(app, parent_ids=(3001,))
    [mum] = fam.parents
    await mum.press("✍️ Ответить")  # opened in time...
    [week] = await weeks(app)
    app.clock.set(week.late_until + timedelta(minutes=1))
    await mum.send_text("Совсем поздно")  # ...sent after the week closed
    assert "Ответы на эту неделю больше не принимаются" in mum.last_text()
    assert "/progress" in mum.last_text()
    assert await answers(app) == []
    await mum.press("✍️ Ответить")
    assert "неделя закрыта" in mum.last_text()
    app.fake.assert_no_violations()


async def test_another_familys_buttons_are_refused(app: BotHarness) -> None:
    _fam, enrollment_id = await week_one(app, parent_ids=(3001,))
    other = await family_with_people(app, name="Петровы", parent_ids=(3101,), mentor_id=None)
    [stranger] = other.parents
    [week] = await weeks(app)
    seen = stranger.texts()
    message_id = stranger.last().message_id
    async with app.sessionmaker() as session:
        audits_before = len(list(await session.scalars(select(AuditEntry.id))))
    for data in (f"hw:a:{week.id}", f"qn:e:{enrollment_id}", f"hw:later:{week.id}"):
        query = await stranger.press_forged(data, message_id)
        answer = app.fake.callback_answer(query)
        assert answer is not None and "для вашей роли это недоступно" in answer["text"], data
    assert stranger.texts() == seen  # nothing of the other family was shown
    async with app.sessionmaker() as session:
        actions = list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions[audits_before:].count("access.denied") == 3
    for data in ("hw:a:abc", "hw:a:1234567890", "hw:a:", "qn:e:x", "qn:z:1", "hw:later:-1"):
        query = await stranger.press_forged(data, message_id)
        answer = app.fake.callback_answer(query)
        assert answer is not None and answer["text"] == "Эта кнопка устарела.", data
    assert stranger.texts() == seen
    assert await answers(app) == []
    app.fake.assert_no_violations()


async def test_progress_shows_the_weeks(app: BotHarness) -> None:
    fam, _ = await week_one(app, parent_ids=(3001,))
    [mum] = fam.parents
    await mum.press("✍️ Ответить")
    await mum.send_text("Ответ")
    await mum.press("✅ Готово")
    await mum.press("8")
    [week] = await weeks(app)
    app.clock.set(week.released_at + timedelta(days=7, minutes=1))
    await release(app)
    await mum.send_command("progress")
    text = mum.last_text()
    assert "📚 Точка опоры: неделя 2 из 10" in text
    assert "✅ Неделя 1: сдана · оценка 8/10" in text
    assert "⏳ Неделя 2: ответить до " in text
    assert "Следующая неделя придёт " in text
    assert mum.last().button_texts() == ["✍️ Ответить: неделя 2", "📝 Анкета", "🏠 Меню"]
    await mum.press("✍️ Ответить: неделя 2")
    assert "Неделя 2 «" in mum.last_text() and "Пришлите ответ" in mum.last_text()
    await mum.send_command("progress")
    await mum.press("📝 Анкета")
    assert "Как живёт наша семья" in mum.last_text()
    # A week past its due time.
    [_, second] = await weeks(app)
    app.clock.set(second.due_at + timedelta(hours=1))
    await mum.send_command("progress")
    assert "⌛ Неделя 2: срок прошёл, ответы всё ещё ждём" in mum.last_text()
    app.fake.assert_no_violations()


async def test_progress_in_english_and_for_others(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    fam = await family_with_people(app, parent_ids=(3001,), lang="en")
    [mum] = fam.parents
    await mum.send_command("progress")
    assert "Your family is not in a programme yet." in mum.last_text()
    await enrol_now(app, fam.id)
    await send_now(app)
    app.clock.advance(60)
    await release(app)
    await mum.send_command("progress")
    assert "week 1 of 10" in mum.last_text()
    assert "⏳ Week 1: due " in mum.last_text()
    assert "✍️ Answer week 1" in mum.last().button_texts()
    await admin.send_command("progress")
    assert "/programmes" in admin.last_text()
    assert fam.mentor is not None
    await fam.mentor.send_command("progress")
    assert "/programmes" in fam.mentor.last_text()
    app.fake.assert_no_violations()


async def test_homework_sent_without_tapping_answer_is_kept(app: BotHarness) -> None:
    fam, _ = await week_one(app, parent_ids=(3001,))
    [mum] = fam.parents
    await mum.send_photo(caption="Наш рисунок")  # straight after the week's message
    assert "Я добавил ваше сообщение к ответу на задание этой недели" in mum.last_text()
    assert WEEK_HEAD_RU in mum.last_text()
    await mum.send_text("И ещё пара слов")
    assert "Уже получено: тексты: 1, фото: 1" in mum.last_text()
    await mum.press("✅ Готово")
    await mum.press("7")
    stored = await answers(app)
    assert [a.kind for a in stored] == ["photo", "text"]
    # With nothing open any more, a stray message gets the general hint, and is not stored.
    await mum.send_command("cancel")
    await mum.send_text("Спасибо!")
    assert "Я не понял" in mum.last_text() or "/start" in mum.last_text()
    assert len(await answers(app)) == 2
    app.fake.assert_no_violations()
