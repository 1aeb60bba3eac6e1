"""Mentors log visits with /visit: each step, both languages, drafts, dates, access."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from bot.db.models import AuditEntry, Role, SafetyConcern, Visit
from tests.conftest import ADMIN_ID
from tests.e2e.steps import MENTOR_ID, attach, fill_to_summary_ru, mentor_with, visits_in_db
from tests.harness import BotHarness


async def test_mentor_logs_a_full_visit_in_russian(app: BotHarness) -> None:
    mentor, (family_id, _other) = await mentor_with(app, "Ивановы <b>", "Петровы")
    await mentor.send_command("visit")
    assert "Какую семью вы навестили?" in mentor.last_text()
    await mentor.press("Ивановы <b>")
    text = mentor.last_text()
    assert "Визит: Ивановы <b>" in text and "23.11.2026" in text
    assert "Ноябрь 2026" in mentor.last().button_texts()
    await mentor.press("[23]")  # today is marked in the calendar
    assert "Какой это был контакт?" in mentor.last_text()
    await mentor.press("Встреча в другом месте")
    await mentor.press("45 мин")
    await mentor.press("➡️ Далее")  # nothing ticked yet
    assert "отметьте хотя бы один метод" in mentor.last_text()
    await mentor.press("▫️ Наблюдение")
    await mentor.press("▫️ Коррекция")
    await mentor.press("✅ Коррекция")  # ticked off again
    await mentor.press("▫️ Психологическая помощь")
    await mentor.press("➡️ Далее")
    await mentor.press("▫️ Трудоустройство")
    await mentor.press("▫️ Материальная помощь")
    await mentor.press("➡️ Далее")
    await mentor.press("3 — без изменений")
    await mentor.press("Нет")
    assert "текст или голосовое сообщение" in mentor.last_text()
    await mentor.send_sticker()
    assert "Заметки можно оставить текстом или голосом" in mentor.last_text()
    await mentor.send_text("Поговорили о бюджете <семьи> & планах")
    assert "Когда вы планируете следующий визит?" in mentor.last_text()
    await mentor.press("20")  # 20 Nov: already passed
    assert "20.11.2026 уже прошло" in mentor.last_text()
    await mentor.press("30")
    summary = mentor.last_text()
    for expected in (
        "Проверьте, пожалуйста",
        "Семья: Ивановы <b>",
        "Дата: 23.11.2026",
        "Формат: Встреча в другом месте",
        "Длительность: 45 мин",
        "Методы: Наблюдение, Психологическая помощь",
        "Оказанная помощь: Трудоустройство, Материальная помощь",
        "Положение семьи: 3 — без изменений",
        "Тревога о безопасности ребёнка: нет",
        "Заметки: Поговорили о бюджете <семьи> & планах",
        "Следующий визит: 30.11.2026",
    ):
        assert expected in summary, expected
    await mentor.press("✅ Сохранить")
    assert "Визит сохранён" in mentor.last_text()
    (visit,) = await visits_in_db(app)
    assert visit.family_id == family_id
    assert visit.visit_date == date(2026, 11, 23)
    assert visit.format == "elsewhere" and visit.duration_minutes == 45
    assert visit.methods == ["observation", "psychological"]
    assert visit.help_given == ["employment", "material"]
    assert visit.situation == 3 and not visit.concern and visit.concern_text is None
    assert visit.notes_text == "Поговорили о бюджете <семьи> & планах"
    assert visit.next_visit_date == date(2026, 11, 30)
    assert visit.recorded_at == app.clock.now()  # nothing happened after «Save»
    assert visit.mentor_id == (await app.actor(MENTOR_ID)).person_id


async def test_mentor_logs_a_visit_in_english_with_a_voice_note(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    mentor, (family_id,) = await mentor_with(app, "Smirnov family", language_code="en")
    await mentor.send_command("visit")
    # one family: no family step
    assert "Visit: Smirnov family" in mentor.last_text()
    assert "November 2026" in mentor.last().button_texts()
    await mentor.press("📅 Today")
    await mentor.press("Phone or video call")
    await mentor.press("30 min")
    await mentor.press("▫️ Curation")
    await mentor.press("➡️ Next")
    await mentor.press("▫️ Financial literacy")
    await mentor.press("➡️ Next")
    await mentor.press("5 — good")
    await mentor.press("No")
    await mentor.send_voice(duration=12)
    await mentor.press("Not planned yet")
    summary = mentor.last_text()
    for expected in (
        "Check the visit, please",
        "Family: Smirnov family",
        "Date: 23.11.2026",
        "Format: Phone or video call",
        "Duration: 30 min",
        "Methods: Curation",
        "Help given: Financial literacy",
        "Family's situation: 5 — good",
        "Child-safety concern: no",
        "Notes: 🎤 a voice message",
        "Next visit: not planned",
    ):
        assert expected in summary, expected
    await mentor.press("✅ Save")
    assert "The visit is saved" in mentor.last_text()
    (visit,) = await visits_in_db(app)
    assert visit.family_id == family_id
    assert visit.notes_voice_file_id and visit.notes_text is None
    assert visit.next_visit_date is None


async def test_edit_from_the_summary_comes_back_to_it(app: BotHarness) -> None:
    mentor, _ids = await mentor_with(app, "Кузнецовы")
    await mentor.send_command("visit")
    await fill_to_summary_ru(mentor)
    await mentor.press("✏️ Изменить")
    await mentor.press("Длительность")
    await mentor.press("90 мин")
    assert "Длительность: 90 мин" in mentor.last_text()
    await mentor.press("✏️ Изменить")
    await mentor.press("Тревога о безопасности")
    await mentor.press("⚠️ Да")
    await mentor.send_text("Ребёнок один дома вечером")
    summary = mentor.last_text()
    assert "Тревога о безопасности ребёнка: Ребёнок один дома вечером" in summary
    await mentor.press("✅ Сохранить")
    (visit,) = await visits_in_db(app)
    assert visit.duration_minutes == 90 and visit.concern


async def test_double_save_stores_one_visit(app: BotHarness) -> None:
    mentor, _ids = await mentor_with(app, "Зайцевы")
    await mentor.send_command("visit")
    await fill_to_summary_ru(mentor)
    summary = mentor.last()
    save = next(b for b in summary.buttons() if b["text"] == "✅ Сохранить")
    await mentor.press_forged(save["callback_data"], summary.message_id)
    await mentor.press_forged(save["callback_data"], summary.message_id)
    assert len(await visits_in_db(app)) == 1


async def test_restart_mid_flow_resumes_the_draft(app: BotHarness) -> None:
    mentor, _ids = await mentor_with(app, "Морозовы")
    await mentor.send_command("visit")
    await mentor.press("📅 Сегодня")
    await mentor.press("Визит домой")
    await mentor.press("30 мин")
    await mentor.press("▫️ Наблюдение")
    await app.restart()
    await mentor.press("▫️ Реабилитация")
    await mentor.press("➡️ Далее")
    await mentor.press("➡️ Далее")
    await mentor.press("2 — тяжело")
    await mentor.press("Нет")
    await mentor.press("Пропустить")
    await mentor.press("Пока не запланирован")
    assert "Методы: Наблюдение, Реабилитация" in mentor.last_text()
    await app.restart()
    await mentor.press("✅ Сохранить")
    (visit,) = await visits_in_db(app)
    assert visit.format == "home" and visit.methods == ["observation", "rehabilitation"]


async def test_future_date_is_refused_with_a_clear_message(app: BotHarness) -> None:
    mentor, _ids = await mentor_with(app, "Соколовы")
    await mentor.send_command("visit")
    await mentor.press("24")
    text = mentor.last_text()
    assert "24.11.2026 ещё не наступило" in text and "23.11.2026 или раньше" in text
    assert "Когда он был?" in text  # still the date step
    await mentor.press("▶️")
    assert "Декабрь 2026" in mentor.last().button_texts()
    await mentor.press("1")
    assert "01.12.2026 ещё не наступило" in mentor.last_text()
    assert await visits_in_db(app) == []


async def test_future_date_refused_in_english(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    mentor, _ids = await mentor_with(app, "Orlov family", language_code="en")
    await mentor.send_command("visit")
    await mentor.press("25")
    assert "25.11.2026 is still ahead" in mentor.last_text()


async def test_today_follows_the_family_time_zone(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    # 23 Nov 20:00 UTC: still the 23rd in Moscow, already the 24th in Kemerovo (UTC+7)
    app.clock.advance(hours=13)
    family_id = await app.add_family(ADMIN_ID, "Кемеровские", tz="Asia/Novokuznetsk")
    mentor = await app.joined(MENTOR_ID, await app.invitation(ADMIN_ID, Role.MENTOR))
    await attach(app, MENTOR_ID, family_id)
    await mentor.send_command("visit")
    assert "«Сегодня» (24.11.2026)" in mentor.last_text()
    await mentor.press("[24]")
    assert "Какой это был контакт?" in mentor.last_text()


async def test_a_date_long_ago_asks_to_confirm(app: BotHarness) -> None:
    mentor, _ids = await mentor_with(app, "Волковы")
    await mentor.send_command("visit")
    await mentor.press("◀️")
    assert "Октябрь 2026" in mentor.last().button_texts()
    await mentor.press("24")  # 30 days back: no question
    assert "Какой это был контакт?" in mentor.last_text()
    await mentor.press("⬅️ Назад")
    assert "Октябрь 2026" in mentor.last().button_texts()  # the month last shown
    await mentor.press("1")  # 1 Oct: 53 days back
    assert "01.10.2026 было 53 дн. назад" in mentor.last_text()
    await mentor.press("📅 Выбрать другой день")
    assert "Когда он был?" in mentor.last_text()
    await mentor.press("2")
    await mentor.press("✅ Да, дата верна")
    await mentor.press("Визит домой")
    await mentor.press("15 мин")
    await mentor.press("▫️ Наблюдение")
    await mentor.press("➡️ Далее")
    await mentor.press("➡️ Далее")
    await mentor.press("4 — лучше")
    await mentor.press("Нет")
    await mentor.press("Пропустить")
    await mentor.press("Пока не запланирован")
    assert "Дата: 02.10.2026" in mentor.last_text()
    await mentor.press("✅ Сохранить")
    (visit,) = await visits_in_db(app)
    assert visit.visit_date == date(2026, 10, 2)


async def test_visit_with_a_concern_creates_one_safety_concern(app: BotHarness) -> None:
    mentor, (family_id,) = await mentor_with(app, "Лебедевы")
    await mentor.send_command("visit")
    await mentor.press("📅 Сегодня")
    await mentor.press("Визит домой")
    await mentor.press("60 мин")
    await mentor.press("▫️ Интервенция")
    await mentor.press("➡️ Далее")
    await mentor.press("➡️ Далее")
    await mentor.press("1 — очень тяжело")
    await mentor.press("⚠️ Да")
    await mentor.send_voice()
    assert "напишите текстом" in mentor.last_text()
    await mentor.send_text("Синяки у младшего, <мама> не объясняет")
    await mentor.press("Пропустить")
    await mentor.press("Пока не запланирован")
    assert "⚠️ Тревога о безопасности ребёнка: Синяки у младшего, <мама> не объясняет" in (
        mentor.last_text()
    )
    summary = mentor.last()
    save = next(b for b in summary.buttons() if b["text"] == "✅ Сохранить")
    await mentor.press_forged(save["callback_data"], summary.message_id)
    await mentor.press_forged(save["callback_data"], summary.message_id)
    assert "Координаторы сразу получат" in mentor.last_text()
    async with app.sessionmaker() as session:
        concerns = list(await session.scalars(select(SafetyConcern)))
        visit = await session.scalar(select(Visit))
    assert visit is not None and visit.concern
    assert len(concerns) == 1
    (concern,) = concerns
    assert concern.visit_id == visit.id and concern.family_id == family_id
    # the first alert was queued with the visit itself: no wait for the scheduler's scan
    assert concern.alerts_sent == 1
    assert concern.next_alert_at == concern.raised_at + timedelta(minutes=60)
    await app.deliver()
    assert "Синяки у младшего, <мама> не объясняет" in app.fake.chat_messages(ADMIN_ID)[-1].text


async def test_mentor_without_families_is_told_kindly(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    mentor = await app.joined(MENTOR_ID, await app.invitation(ADMIN_ID, Role.MENTOR))
    await mentor.send_command("visit")
    assert "К вам пока не прикреплены семьи" in mentor.last_text()


async def test_parent_cannot_use_visit(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    family_id = await app.add_family(ADMIN_ID, "Смирновы")
    parent = await app.joined(3001, await app.invitation(ADMIN_ID, Role.PARENT, family_id))
    for command in ("visit", "myvisits"):
        await parent.send_command(command)
        assert "для вашей роли это недоступно" in parent.last_text()
    assert await visits_in_db(app) == []


async def test_mentor_cannot_log_for_a_family_not_theirs_even_forged(app: BotHarness) -> None:
    mentor, (own_id, _second) = await mentor_with(app, "Свои", "Тоже свои")
    foreign_id = await app.add_family(ADMIN_ID, "Чужие")
    await mentor.send_command("visit")
    message = mentor.last()
    assert "Чужие" not in message.visible_text and "Чужие" not in message.button_texts()
    own = next(b for b in message.buttons() if b["text"] == "Свои")
    forged = own["callback_data"].replace(f":{own_id}", f":{foreign_id}")
    assert forged != own["callback_data"]
    await mentor.press_forged(forged, message.message_id)
    answer = app.fake.calls_of("answerCallbackQuery")[-1]
    assert "для вашей роли это недоступно" in answer.params["text"]
    # the form did not move on to the foreign family
    await mentor.press("Свои")
    assert "Визит: Свои" in mentor.last_text()
    async with app.sessionmaker() as session:
        denied = await session.scalar(
            select(func.count()).where(AuditEntry.action == "access.denied")
        )
    assert denied == 1
    assert await visits_in_db(app) == []
