"""Enrolling a family in a weekly programme: from the card and by /programmes, both languages,
access with forged callback data, pause/resume/stop, a double Save, a past start date."""

from __future__ import annotations

from sqlalchemy import select

from bot.db.models import AuditEntry, Enrollment, FamilyLink, Role
from tests.conftest import ADMIN_ID
from tests.faketg import FakeUser
from tests.harness import BotHarness

# The harness clock starts on Monday 23.11.2026 07:00 UTC (10:00 in Moscow).


async def attach(app: BotHarness, telegram_id: int, family_id: int) -> None:
    actor = await app.actor(telegram_id)
    async with app.sessionmaker.begin() as session:
        session.add(
            FamilyLink(
                family_id=family_id,
                person_id=actor.person_id,
                kind="mentor",
                created_at=app.clock.now(),
            )
        )


async def mentor(app: BotHarness, user_id: int, family_id: int, lang: str = "ru") -> FakeUser:
    user = await app.joined(
        user_id, await app.invitation(ADMIN_ID, Role.MENTOR), language_code=lang
    )
    await app.deliver()
    await attach(app, user_id, family_id)
    return user


async def enrollments(app: BotHarness) -> list[Enrollment]:
    async with app.sessionmaker() as session:
        return list(await session.scalars(select(Enrollment).order_by(Enrollment.id)))


async def open_card(user: FakeUser, name: str) -> None:
    await user.send_command("families")
    await user.press(next(t for t in user.last().button_texts() if t.startswith(name)))


async def test_coordinator_enrols_from_the_card_in_russian(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    family_id = await app.add_family(ADMIN_ID, "Орловы <b>", tz="Asia/Omsk")
    await open_card(admin, "Орловы")
    await admin.press("📚 Программа")
    assert "Семья пока не проходит программу." in admin.last_text()
    assert "Программа семьи «Орловы <b>»" in admin.last_text()
    await admin.press("➕ Записать")
    assert "Точка опоры" in admin.last_text()
    await admin.press("Точка опоры")
    # A past date typed by hand is refused kindly, a wrong format too; nothing lost.
    await admin.send_text("01.11.2026")
    assert "Эта дата уже прошла" in admin.last_text()
    await admin.send_text("завтра")
    assert "ДД.ММ.ГГГГ" in admin.last_text()
    await admin.press("Сегодня, 23.11.2026")
    await admin.press("понедельник")
    await admin.press("18:00")
    await admin.press("3")
    summary = admin.last_text()
    assert "Точка опоры" in summary and "Первая неделя придёт: 23.11.2026 18:00" in summary
    await admin.press("✅ Сохранить")
    text = admin.last_text()
    assert "✅ Семья записана на программу." in text
    assert "Неделя 0 из 10" in text and "Следующая неделя: 23.11.2026 18:00" in text
    rows = await enrollments(app)
    assert len(rows) == 1
    e = rows[0]
    assert (e.family_id, e.programme_code, e.release_weekday, e.due_days) == (
        family_id,
        "tochka_opory",
        0,
        3,
    )
    assert e.next_release_at is not None and e.next_release_at.hour == 12  # 18:00 Omsk = 12 UTC
    assert "➕ Записать" not in admin.last().button_texts()


async def test_mentor_enrols_own_family_in_english_and_pauses_resumes_stops(
    app: BotHarness,
) -> None:
    await app.admin(ADMIN_ID)
    family_id = await app.add_family(ADMIN_ID, "Smiths")
    await app.add_family(ADMIN_ID, "Others")
    peter = await mentor(app, 2001, family_id, lang="en")
    await peter.send_command("programmes")
    assert peter.last().button_texts()[0] == "Smiths"
    assert "Others" not in peter.last().button_texts()
    await peter.press("Smiths")
    await peter.press("➕ Enrol")
    await peter.press("Family Helper")
    await peter.press(next(t for t in peter.last().button_texts() if t.startswith("Next Monday")))
    await peter.press("Wednesday")
    await peter.press("19:00")
    await peter.press("2")
    assert "First release: 02.12.2026 19:00" in peter.last_text()
    confirm = peter.last()
    save = next(b for b in confirm.buttons() if b["text"] == "✅ Save")
    await peter.press_forged(save["callback_data"], confirm.message_id)
    await peter.press_forged(save["callback_data"], confirm.message_id)  # a double tap
    assert len(await enrollments(app)) == 1
    assert "Week 0 of 8" in peter.last_text()
    await peter.press("⏸ Pause")
    assert "paused" in peter.last_text()
    assert (await enrollments(app))[0].status == "paused"
    await peter.press("▶️ Resume")
    assert (await enrollments(app))[0].status == "active"
    await peter.press("⏹ Stop")
    await peter.press("Keep")
    assert (await enrollments(app))[0].status == "active"
    await peter.press("⏹ Stop")
    await peter.press("⏹ Stop", peter.last().message_id)
    assert (await enrollments(app))[0].status == "stopped"
    assert "➕ Enrol" in peter.last().button_texts()
    async with app.sessionmaker() as session:
        actions = list(await session.scalars(select(AuditEntry.action)))
    assert {"programme.enrol", "programme.pause", "programme.resume", "programme.stop"} <= set(
        actions
    )


async def test_a_mentor_of_another_family_is_refused(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    mine = await app.add_family(ADMIN_ID, "Мои")
    other = await app.add_family(ADMIN_ID, "Чужие")
    peter = await mentor(app, 2001, mine)
    await peter.send_command("programmes")
    listing = peter.last()
    data = next(b["callback_data"] for b in listing.buttons() if b["text"] == "Мои")
    await peter.press_forged(data.rsplit(":", 1)[0] + f":{other}", listing.message_id)
    answer = app.fake.calls_of("answerCallbackQuery")[-1]
    assert "для вашей роли это недоступно" in answer.params["text"]
    assert not any("Чужие" in t for t in peter.texts())
    # Inside their own family's dialog, a forged save for the other family has nothing to grab:
    # the family id lives in the dialog data, set by the server after the check.
    await peter.press("Мои")
    await peter.press("➕ Записать")
    await peter.press("Точка опоры")
    assert await enrollments(app) == []


async def test_a_parent_cannot_use_programmes(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    family_id = await app.add_family(ADMIN_ID)
    parent = await app.joined(3001, await app.invitation(ADMIN_ID, Role.PARENT, family_id))
    await parent.send_command("programmes")
    assert "недоступно" in parent.last_text()


async def test_past_start_is_refused_when_saving_later(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    await app.add_family(ADMIN_ID, "Лебедевы")
    await open_card(admin, "Лебедевы")
    await admin.press("📚 Программа")
    await admin.press("➕ Записать")
    await admin.press("Точка опоры")
    await admin.press("Сегодня, 23.11.2026")
    await admin.press("понедельник")
    await admin.press("10:00")
    await admin.press("3")
    app.clock.advance(hours=24)  # the form waited overnight: today is now in the past
    await admin.press("✅ Сохранить")
    assert "Эта дата уже прошла" in admin.last_text()
    assert await enrollments(app) == []
