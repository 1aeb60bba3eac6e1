"""The case's reviews through /case: a consilium planned (reminded to the curator at 10:00 the
day before, once), held (who took part, a change of level with its reason, the next review
planned and reminded in its turn), its decision made a plan task in one tap; the plan approved by
a consilium and by a coordinator on the card, each recording who and when; the parting planned
ahead and reminded, and the family's own words at it. Mentors read, never record; a consilium of
another family is refused."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.db.models import Consilium, LevelChange, OutboxMessage, PlanTask, Role
from bot.scheduler.jobs import run_case_reviews
from tests.conftest import ADMIN_ID
from tests.faketg import FakeUser
from tests.harness import BotHarness
from tests.homework_support import link

MENTOR_ID = 2001
FAMILY = "Ивановы"


def utc(month: int, day: int, hour: int) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


async def world(app: BotHarness) -> tuple[FakeUser, FakeUser, int]:
    admin = await app.admin(ADMIN_ID, first_name="Ольга")
    family_id = await app.add_family(ADMIN_ID, FAMILY)
    mentor = await app.joined(
        MENTOR_ID, await app.invitation(ADMIN_ID, Role.MENTOR), first_name="Пётр"
    )
    await link(app, MENTOR_ID, family_id, "mentor")
    await link(app, ADMIN_ID, family_id, "curator")
    await app.deliver()
    return admin, mentor, family_id


async def open_case(user: FakeUser) -> None:
    await user.send_command("case")
    await user.press(next(t for t in user.last().button_texts() if t.startswith(FAMILY)))


async def reminders(app: BotHarness, purpose: str) -> list[OutboxMessage]:
    async with app.sessionmaker() as session:
        rows = await session.scalars(select(OutboxMessage).where(OutboxMessage.purpose == purpose))
        return list(rows)


async def test_a_consilium_planned_reminded_held_and_its_decision_in_the_plan(
    app: BotHarness,
) -> None:
    admin, mentor, family_id = await world(app)  # Monday 23.11, 10:00 in Moscow

    await open_case(admin)
    await admin.press("⚖️ Консилиумы")
    assert "Пока ни одного." in admin.last_text()
    await admin.press("➕ Запланировать консилиум")
    await admin.send_text("01.01.2020")
    assert "Этот день уже прошёл" in admin.last_text()
    await admin.press("30.11")
    assert "✅ Консилиум запланирован на 30.11.2026." in admin.last_text()

    # The day before at 10:00 in the curator's zone, once.
    app.clock.set(utc(11, 29, 6))
    assert await run_case_reviews(app.sessionmaker, app.clock, app.settings) == 0
    app.clock.set(utc(11, 29, 7))
    assert await run_case_reviews(app.sessionmaker, app.clock, app.settings) == 1
    assert await run_case_reviews(app.sessionmaker, app.clock, app.settings) == 0
    await app.deliver()
    assert "🗓 Завтра консилиум по случаю семьи." in admin.last_text()
    assert f"Семья «{FAMILY}», 30.11.2026." in admin.last_text()

    # Held: who took part, a change of level with its reason, the next review.
    app.clock.set(utc(11, 30, 12))
    await open_case(admin)
    await admin.press("⚖️ Консилиумы")
    await admin.press("🗓 30.11.2026 · запланирован")
    await admin.press("✅ Записать итоги")
    await admin.press("30.11")
    await admin.press("▫️ Пётр · наставник")
    await admin.send_text("психолог ЦСОН")
    assert "Ещё: психолог ЦСОН" in admin.last_text()
    await admin.press("➡️ Далее")
    await admin.press("изменить уровень сопровождения")
    await admin.press("кризисный")
    await admin.send_text("мама перестала выходить на связь")
    await admin.press("➡️ Пропустить")
    await admin.press("30.12")
    text = admin.last_text()
    assert "✅ Итоги консилиума записаны." in text
    assert "Участвовали: Пётр, психолог ЦСОН" in text
    assert "Решение: изменить уровень сопровождения" in text
    assert "Следующий пересмотр: 30.12.2026" in text

    # A decision for the plan, then one tap makes it a task.
    await admin.press("➕ Решение")
    await admin.send_text("Оформить социальный контракт")
    await admin.send_text("куратор")
    await admin.press("14.12")
    assert "✅ Решение записано." in admin.last_text()
    await admin.press("➕ В план: Оформить социальный контракт")
    assert "✅ Теперь в плане, срок 14.12.2026" in admin.last_text()
    assert not any(t.startswith("➕ В план") for t in admin.last().button_texts())
    assert "Оформить социальный контракт — куратор — 14.12.2026 ✓" in admin.last_text()

    await admin.press("⬅️ Назад")
    assert "🗓 30.12.2026 · запланирован" in admin.last().button_texts()
    assert "✅ 30.11.2026 · изменить уровень сопровождения" in admin.last().button_texts()
    await admin.press("⬅️ К делу")
    text = admin.last_text()
    assert (
        "Уровень «кризисный» установлен 30.11.2026, консилиумом: "
        "«мама перестала выходить на связь»" in text
    )
    assert "Последний консилиум: 30.11.2026 — изменить уровень сопровождения" in text
    assert "Следующий консилиум: 30.12.2026" in text

    async with app.sessionmaker() as session:
        task = await session.scalar(select(PlanTask))
        assert task is not None and task.source_type == "consilium_decision"
        assert task.responsible_text == "куратор" and task.family_id == family_id
        change = await session.scalar(select(LevelChange))
        assert change is not None
        assert (change.from_level, change.to_level, change.source) == (
            "basic",
            "crisis",
            "consilium",
        )
        held = await session.scalar(select(Consilium).where(Consilium.held_on.is_not(None)))
        assert held is not None and held.participants_text == "психолог ЦСОН"
        assert len(held.participant_ids) == 1 and held.outcome == "change_level"

    # The next review is reminded in its turn; the consilium approves the plan.
    app.clock.set(utc(12, 29, 7))
    assert await run_case_reviews(app.sessionmaker, app.clock, app.settings) == 1
    app.clock.set(utc(12, 30, 9))
    await open_case(admin)
    await admin.press("⚖️ Консилиумы")
    await admin.press("🗓 30.12.2026 · запланирован")
    await admin.press("✅ Записать итоги")
    await admin.press("30.12")
    await admin.press("➡️ Далее")
    await admin.press("утвердить план")
    await admin.send_text("План согласован со всеми")
    await admin.press("✅ Сохранить без следующего пересмотра")
    await admin.press("⬅️ Назад")
    await admin.press("⬅️ К делу")
    text = admin.last_text()
    assert "Этап: план утверждён" in text
    assert "План утверждён 30.12.2026, утвердил(а): консилиум" in text

    # The mentor reads it all and records nothing.
    await open_case(mentor)
    buttons = mentor.last().button_texts()
    assert "⚖️ Консилиумы" in buttons and "🗓 Итоговая встреча" not in buttons
    assert "🗣 Слова семьи" not in buttons
    await mentor.press("⚖️ Консилиумы")
    assert "➕ Запланировать консилиум" not in mentor.last().button_texts()
    await mentor.press("✅ 30.11.2026 · изменить уровень сопровождения")
    assert "Участвовали: Пётр, психолог ЦСОН" in mentor.last_text()
    assert "✅ Записать итоги" not in mentor.last().button_texts()
    assert not any(t.startswith("➕") for t in mentor.last().button_texts())


async def test_the_parting_planned_reminded_and_the_familys_words(app: BotHarness) -> None:
    admin, _mentor, _family_id = await world(app)
    await open_case(admin)
    await admin.press("🗓 Итоговая встреча")
    assert "Итоговая встреча" in admin.last_text()
    await admin.press("07.12")
    assert "✅ Итоговая встреча запланирована на 07.12.2026." in admin.last_text()
    assert "Итоговая встреча запланирована на 07.12.2026" in admin.last_text()

    app.clock.set(utc(12, 6, 7))
    assert await run_case_reviews(app.sessionmaker, app.clock, app.settings) == 1
    await app.deliver()
    assert "🗓 Завтра итоговая встреча с семьёй" in admin.last_text()
    assert len(await reminders(app, "final_meeting_soon")) == 1

    app.clock.set(utc(12, 7, 12))
    await open_case(admin)
    await admin.press("🗣 Слова семьи")
    await admin.send_sticker()
    assert "пришлите слова семьи текстом" in admin.last_text()
    await admin.send_text("Было страшно, что заберут детей <совсем>")
    await admin.send_text("Сейчас справляемся сами")
    text = admin.last_text()
    assert "✅ Слова семьи сохранены." in text
    assert "Было: «Было страшно, что заберут детей <совсем>»" in text
    assert "Сейчас: «Сейчас справляемся сами»" in text


async def test_a_coordinator_approving_the_plan_on_the_card_is_recorded(app: BotHarness) -> None:
    admin, _mentor, _family_id = await world(app)
    await admin.send_command("families")
    await admin.press(next(t for t in admin.last().button_texts() if t.startswith(FAMILY)))
    await admin.press("🧭 Этап")
    await admin.press("план утверждён")
    await admin.press("🗂 Дело семьи")
    assert "План утверждён 23.11.2026, утвердил(а): Ольга" in admin.last_text()


async def test_another_familys_consilium_is_refused(app: BotHarness) -> None:
    admin, _mentor, _family_id = await world(app)
    other = await app.add_family(ADMIN_ID, "Петровы")
    async with app.sessionmaker.begin() as session:
        stranger = Consilium(
            family_id=other,
            planned_on=app.clock.now().date(),
            participant_ids=[],
            created_at=app.clock.now(),
        )
        session.add(stranger)
        await session.flush()
        stranger_id = stranger.id
    await open_case(admin)
    await admin.press("⚖️ Консилиумы")
    await admin.press("➕ Запланировать консилиум")
    await admin.press("30.11")
    await admin.press("⬅️ Назад")
    listing = admin.last()
    own = next(b for b in listing.buttons() if b["text"].startswith("🗓 30.11"))
    forged = own["callback_data"].rsplit(":", 1)[0] + f":{stranger_id}"
    await admin.press_forged(forged, listing.message_id)
    assert "Эта кнопка устарела." in admin.last_text()
    assert "Петровы" not in admin.last_text()
