"""/learn: a mentor walks the course's lessons (an optional thought, a too-long one kept with a
kind word), sees their own progress; a candidate's last lesson tells the coordinators, whose
«✅ Отметить обученным» moves them to trained (a second press says it is done already); a
coordinator records a session held in person and uploads a file a mentor then opens; where to
turn in a hard moment, in /learn and after a visit with a child-safety concern. Parents are
refused, forged buttons change nothing, both languages."""

from __future__ import annotations

from sqlalchemy import select

from bot.content import Content
from bot.db.models import (
    LessonProgress,
    MentorMaterial,
    MentorProfile,
    MentorStatus,
    MentorStatusChange,
    Role,
    TrainingSession,
)
from bot.services.learning import NOTE_MAX
from tests.conftest import ADMIN_ID
from tests.e2e.steps import audits, forged_in_window, mentor_with, person_id, set_status
from tests.faketg import FakeUser
from tests.harness import BotHarness

COURSE = Content().course
TOTAL = len(COURSE.lesson_codes())
MENTOR_ID, CANDIDATE_ID = 2001, 2101
NOT_ALLOWED = "для вашей роли это недоступно"
TO_TRAINED = MentorStatusChange.to_status == MentorStatus.TRAINED.value
FIRST_CONTACT = "Первый контакт и преодоление сопротивления"


async def done_rows(app: BotHarness) -> list[LessonProgress]:
    async with app.sessionmaker() as session:
        return list(await session.scalars(select(LessonProgress).order_by(LessonProgress.id)))


async def test_a_mentor_walks_a_subject_with_thoughts_and_sees_their_progress(
    app: BotHarness,
) -> None:
    await app.admin(ADMIN_ID)
    mentor, _ids = await mentor_with(app, "Ивановы")
    other = await app.joined(2002, await app.invitation(ADMIN_ID, Role.MENTOR))

    await mentor.send_command("learn")
    assert f"Пройдено уроков: 0 из {TOTAL}, засчитано около 0 ч." in mentor.last_text()
    assert "🧑‍🏫 Записать занятие" not in mentor.last().button_texts()  # coordinators only
    await mentor.press(FIRST_CONTACT)
    assert "▫️ Первая встреча" in mentor.last().button_texts()
    await mentor.press("▫️ Первая встреча")
    text = mentor.last_text()
    assert "Первая встреча задаёт тон" in text and "Как вы представитесь" in text
    await mentor.send_text("Скажу, что я <наставник> и пришёл помочь")
    assert "Ваша мысль: Скажу, что я <наставник> и пришёл помочь" in mentor.last_text()
    await mentor.send_text("Очень " * 300)  # 1800 characters
    assert "Мысль получилась длинной, поэтому я сохранил первые 1000 символов" in (
        mentor.last_text()
    )
    await mentor.press("✅ Готово")
    assert "✅ Урок пройден. Спасибо!" in mentor.last_text()
    assert "✅ Первая встреча" in mentor.last().button_texts()
    await mentor.press("▫️ Когда дверь не открывают")
    await mentor.press("✅ Готово")  # no thought this time
    await mentor.press("⬅️ Назад")
    text = mentor.last_text()
    assert f"Пройдено уроков: 2 из {TOTAL}, засчитано около 0,8 ч." in text
    assert f"✅ {FIRST_CONTACT}" in mentor.last().button_texts()

    rows = await done_rows(app)
    assert [(r.lesson_code, r.minutes) for r in rows] == [
        ("first_contact_basics", 30),
        ("first_contact_resistance", 20),
    ]
    assert rows[0].note is not None and len(rows[0].note) == NOTE_MAX
    assert rows[1].note is None

    # Another mentor sees their own progress only.
    await other.send_command("learn")
    assert f"Пройдено уроков: 0 из {TOTAL}" in other.last_text()
    assert f"✅ {FIRST_CONTACT}" not in other.last().button_texts()

    # A forged lesson or subject changes nothing.
    await mentor.press(f"✅ {FIRST_CONTACT}")
    intent, message_id = forged_in_window(mentor, "lesson")
    await mentor.press_forged(f"{intent}:crisis_levels_basics", message_id)  # not this subject
    await mentor.press_forged(f"{intent}:nope", message_id)
    assert "Выберите урок" in mentor.last_text()
    assert len(await done_rows(app)) == 2


async def candidate_one_lesson_left(app: BotHarness, language: str = "ru") -> FakeUser:
    user = await app.joined(
        CANDIDATE_ID,
        await app.invitation(ADMIN_ID, Role.MENTOR),
        language_code=language,
        first_name="Анна",
    )
    await set_status(app, CANDIDATE_ID, MentorStatus.CANDIDATE)
    pid = await person_id(app, CANDIDATE_ID)
    async with app.sessionmaker.begin() as session:
        for subject in COURSE.subjects:
            for lesson in subject.lessons:
                if lesson.code != "crisis_levels_basics":
                    session.add(
                        LessonProgress(
                            person_id=pid,
                            lesson_code=lesson.code,
                            subject_code=subject.code,
                            minutes=lesson.minutes,
                            done_at=app.clock.now(),
                        )
                    )
    return user


async def test_the_last_lesson_of_a_candidate_and_the_coordinators_confirm(
    app: BotHarness,
) -> None:
    admin = await app.admin(ADMIN_ID)
    user = await candidate_one_lesson_left(app)
    await user.send_command("learn")
    await user.press("Сопровождение по уровню кризиса")
    await user.press("▫️ Базовый и кризисный уровни")
    await user.press("✅ Готово")
    await user.press("⬅️ Назад")
    assert "🎉 Вы прошли курс. Спасибо!" in user.last_text()
    await app.deliver()
    note = admin.last()
    assert "🎓 Анна прошёл(а) курс наставника." in note.text
    data = next(b["callback_data"] for b in note.buttons() if b["text"] == "✅ Отметить обученным")

    # The candidate cannot confirm themselves; a forged person changes nothing.
    query = await user.press_forged(data, user.last().message_id)
    assert NOT_ALLOWED in str((app.fake.callback_answer(query) or {}).get("text"))
    await admin.press_forged("lt:tr:abc", note.message_id)

    await admin.press("✅ Отметить обученным", note.message_id)
    pid = await person_id(app, CANDIDATE_ID)
    async with app.sessionmaker() as session:
        profile = await session.get(MentorProfile, pid)
        changes = list(await session.scalars(select(MentorStatusChange).where(TO_TRAINED)))
    assert profile is not None and profile.status == MentorStatus.TRAINED
    assert [(c.from_status, c.to_status, c.reason) for c in changes] == [
        ("candidate", "trained", None)
    ]
    assert changes[0].changed_by_id == await person_id(app, ADMIN_ID)
    assert "✅ Отмечен(а) как обученный(ая)." in app.fake.chat_messages(ADMIN_ID)[-1].text
    assert len(await audits(app, "mentor.trained")) == 1

    # A stale press (the status moved meanwhile) says so and writes nothing.
    query = await admin.press_forged(data, note.message_id)
    assert "уже изменился" in str((app.fake.callback_answer(query) or {}).get("text"))
    async with app.sessionmaker() as session:
        assert len(list(await session.scalars(select(MentorStatusChange).where(TO_TRAINED)))) == 1


async def test_an_active_mentor_finishing_does_not_ask_the_coordinators(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    user = await candidate_one_lesson_left(app, language="en")
    await set_status(app, CANDIDATE_ID, MentorStatus.ACTIVE)
    await user.send_command("learn")
    assert f"Lessons done: {TOTAL - 1} of {TOTAL}" in user.last_text()
    await user.press("Support by level of crisis")
    await user.press("▫️ Basic and crisis levels")
    assert "At the basic level" in user.last_text()
    await user.press("✅ Done")
    assert "✅ Lesson done. Thank you!" in user.last_text()
    await app.deliver()
    assert "курс наставника" not in app.fake.chat_messages(ADMIN_ID)[-1].text


async def test_a_coordinator_records_a_session_held_in_person(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    mentor = await app.joined(
        MENTOR_ID, await app.invitation(ADMIN_ID, Role.MENTOR), first_name="Пётр"
    )
    await admin.send_command("learn")
    await admin.press("🧑‍🏫 Записать занятие")
    assert "Кто участвовал?" in admin.last_text()
    await admin.press("Пётр")
    await admin.send_text("01.01.2030")
    assert "Дата занятия ещё не наступила" in admin.last_text()
    await admin.send_text("20.11.2026")
    await admin.press("Социальная диагностика")
    await admin.send_text("много")
    assert "от 0,5 до 12" in admin.last_text()
    await admin.send_text("1,5")
    await admin.send_text("Разбирали <карту> связей")
    assert "🧑‍🏫 Занятие записано." in admin.last_text()
    async with app.sessionmaker() as session:
        (row,) = list(await session.scalars(select(TrainingSession)))
    assert row.person_id == await person_id(app, MENTOR_ID)
    assert (row.held_on.isoformat(), row.subject_code, row.minutes) == (
        "2026-11-20",
        "social_diagnosis",
        90,
    )
    assert row.note == "Разбирали <карту> связей"
    assert len(await audits(app, "training.session")) == 1

    await mentor.send_command("learn")
    assert "засчитано около 1,5 ч." in mentor.last_text()
    # A mentor cannot reach the recording, even by a forged button.
    data, message_id = forged_in_window(mentor, "record")
    query = await mentor.press_forged(data, message_id)
    async with app.sessionmaker() as session:
        assert len(list(await session.scalars(select(TrainingSession)))) == 1
    del query


async def test_a_material_uploaded_as_a_document_and_opened_by_a_mentor(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    mentor, _ids = await mentor_with(app, "Ивановы")
    await admin.send_command("learn")
    await admin.press("📚 Материалы")
    await admin.press("➕ Добавить файл")
    await admin.send_text("вот")
    assert "не могу принять" in admin.last_text().lower() or "документом" in admin.last_text()
    await admin.send_document(file_name="guide.pdf")
    assert "короткое название" in admin.last_text()
    await admin.send_text("Методичка <для наставников>")
    assert "📎 Файл добавлен в материалы." in admin.last_text()
    assert len(await audits(app, "material.add")) == 1

    await mentor.send_command("learn")
    await mentor.press("📚 Материалы")
    assert "➕ Добавить файл" not in mentor.last().button_texts()
    await mentor.press("Памятка к визиту")
    assert "Перед визитом" in mentor.last_text()
    await mentor.press("⬅️ Назад")
    await mentor.press("📎 Методичка <для наставников>")
    sent = [m for m in app.fake.chat_messages(MENTOR_ID) if m.kind == "document"]
    assert len(sent) == 1 and sent[0].caption == "Методичка <для наставников>"
    assert "Материалы" in mentor.last_text()  # the list again, below the file

    await admin.press("🗑 Удалить файл")
    await admin.press("Методичка <для наставников>")
    assert "🗑 Файл удалён." in admin.last_text()
    async with app.sessionmaker() as session:
        (row,) = list(await session.scalars(select(MentorMaterial)))
    assert row.removed_at is not None
    await mentor.press("⬅️ Назад")
    await mentor.press("📚 Материалы")
    assert "📎 Методичка <для наставников>" not in mentor.last().button_texts()


async def test_contacts_for_a_hard_moment_in_learn_and_after_a_concern(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    mentor, _ids = await mentor_with(app, "Лебедевы")
    await mentor.send_command("learn")
    await mentor.press("☎️ Куда обратиться")
    text = mentor.last_text()
    assert "8-800-2000-122" in text and "Наша служба" not in text
    app.settings.service_crisis_contacts = "Дежурный: +7 900 000-00-00 <круглосуточно>"
    try:
        await mentor.press("⬅️ Назад")
        await mentor.press("☎️ Куда обратиться")
        assert "Наша служба: Дежурный: +7 900 000-00-00 <круглосуточно>" in mentor.last_text()

        await mentor.send_command("visit")
        await mentor.press("📅 Сегодня")
        await mentor.press("Визит домой")
        await mentor.press("60 мин")
        await mentor.press("▫️ Интервенция")
        await mentor.press("➡️ Далее")
        await mentor.press("➡️ Далее")
        await mentor.press("1 — очень тяжело")
        await mentor.press("⚠️ Да")
        await mentor.send_text("Синяки у младшего")
        await mentor.press("Пропустить")
        await mentor.press("Пока не запланирован")
        await mentor.press("✅ Сохранить")
        text = mentor.last_text()
        assert "Координаторы сразу получат" in text
        assert "8-800-2000-122" in text and "Дежурный: +7 900 000-00-00" in text
    finally:
        app.settings.service_crisis_contacts = ""


async def test_a_visit_without_a_concern_shows_no_contacts(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    mentor, _ids = await mentor_with(app, "Лебедевы")
    await mentor.send_command("visit")
    await mentor.press("📅 Сегодня")
    await mentor.press("Визит домой")
    await mentor.press("60 мин")
    await mentor.press("▫️ Наблюдение")
    await mentor.press("➡️ Далее")
    await mentor.press("➡️ Далее")
    await mentor.press("4 — лучше")
    await mentor.press("Нет")
    await mentor.press("Пропустить")
    await mentor.press("Пока не запланирован")
    await mentor.press("✅ Сохранить")
    assert "Визит сохранён" in mentor.last_text()
    assert "8-800-2000-122" not in mentor.last_text()


async def test_learn_in_english(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    mentor, _ids = await mentor_with(app, "Smiths", language_code="en")
    await mentor.send_command("learn")
    assert f"Lessons done: 0 of {TOTAL}, about 0 h counted." in mentor.last_text()
    await mentor.press("☎️ Where to turn")
    assert "Children's helpline: 8-800-2000-122" in mentor.last_text()
