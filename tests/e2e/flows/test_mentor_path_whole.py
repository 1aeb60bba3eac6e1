"""A mentor's whole path through the bot, as the practice describes it: invited as a candidate,
tested in the chat (a kind word, never the score; the coordinators get the result), moved to
«tested» on the registry's card, trained through /learn (the coordinators confirm the course),
made active and attached to a family without the not-active confirmation."""

from __future__ import annotations

from sqlalchemy import select

from bot.content.course import load_course
from bot.content.mentor_test import load_mentor_test
from bot.db.models import FamilyLink, LessonProgress, MentorProfile, MentorStatusChange
from tests.conftest import ADMIN_ID
from tests.e2e.steps import person_id
from tests.harness import BotHarness

CANDIDATE_ID = 2301
LAST_SUBJECT, LAST_LESSON = "Сопровождение по уровню кризиса", "▫️ Базовый и кризисный уровни"


async def test_a_candidate_becomes_an_active_mentor_of_a_family(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID, first_name="Мария")
    family_id = await app.add_family(ADMIN_ID, "Ивановы")

    # Invited as a candidate.
    await admin.send_command("invite")
    await admin.press("Наставник")
    await admin.press("🎓 Кандидата (пройдёт тест и курс)")
    photo = next(m for m in reversed(admin.messages()) if m.kind == "photo")
    token = (photo.caption or "").split("?start=")[1].split()[0]
    anna = await app.joined(CANDIDATE_ID, token, first_name="Анна")
    pid = await person_id(app, CANDIDATE_ID)

    # The test, every answer right: a kind word, no score; the coordinator gets the result.
    test = load_mentor_test()
    await anna.send_command("start")
    await anna.press("📝 Пройти тест")
    await anna.press("Начать")
    for question in test.questions:
        option = question.option(question.correct)
        assert option is not None
        await anna.press(option.get("ru"))
    done = anna.last_text()
    assert "Спасибо! Ваши ответы переданы координатору" in done
    assert str(len(test.questions)) not in done
    await app.deliver()
    assert any(
        f"{len(test.questions)} из {len(test.questions)}" in t and "Анна" in t
        for t in admin.texts()
    )

    # The coordinator moves her on: tested.
    await admin.send_command("mentors")
    await admin.press("Анна")
    await admin.press("🔄 Изменить статус")
    await admin.press("Прошёл тест")
    await admin.press("Тест пройден")
    await admin.press("Пропустить")  # no note
    assert "✅ Статус теперь «Прошёл тест»." in admin.last_text()

    # The course: all but the last lesson already done, the last one through /learn.
    course = load_course()
    async with app.sessionmaker.begin() as session:
        for subject in course.subjects:
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
    await anna.send_command("learn")
    await anna.press(LAST_SUBJECT)
    await anna.press(LAST_LESSON)
    await anna.press("✅ Готово")
    await anna.press("⬅️ Назад")
    assert "🎉 Вы прошли курс. Спасибо!" in anna.last_text()
    await app.deliver()
    note = admin.last()
    assert "🎓 Анна прошёл(а) курс наставника." in note.text
    await admin.press("✅ Отметить обученным", note.message_id)

    # Active, and attached to a family without being asked to confirm.
    await admin.send_command("mentors")
    await admin.press("Анна")
    assert "Обучен" in admin.last_text()
    await admin.press("🔄 Изменить статус")
    await admin.press("Активен")
    await admin.press("Пропустить")  # the optional reason
    await admin.press("Пропустить")  # no note
    await admin.send_command("families")
    await admin.press(next(t for t in admin.last().button_texts() if t.startswith("Ивановы")))
    await admin.press("👤 Наставники")
    await admin.press("➕ Назначить наставника")
    await admin.press(next(t for t in admin.last().button_texts() if t.startswith("Анна")))
    assert "Анна теперь наставник семьи" in admin.last_text()

    async with app.sessionmaker() as session:
        profile = await session.get(MentorProfile, pid)
        assert profile is not None and profile.status == "active"
        history = list(
            await session.scalars(
                select(MentorStatusChange.to_status)
                .where(MentorStatusChange.person_id == pid)
                .order_by(MentorStatusChange.id)
            )
        )
        assert history == ["candidate", "tested", "trained", "active"]
        linked = await session.scalar(
            select(FamilyLink).where(FamilyLink.person_id == pid, FamilyLink.family_id == family_id)
        )
        assert linked is not None and linked.kind == "mentor"
    app.fake.assert_no_violations()
