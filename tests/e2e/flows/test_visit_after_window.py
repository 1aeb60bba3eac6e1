"""A visit as its mentor sees it: after the edit window they are told that the time has passed
and a coordinator can correct it (not just left without the buttons); and what happens to a
child-safety concern when an edited visit is saved, in plain words.

The harness clock starts on Monday 23 Nov 2026, 07:00 UTC (10:00 in Moscow).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from bot.db.models import OutboxMessage, SafetyConcern
from bot.scheduler.jobs import run_concern_alerts
from bot.services import concerns, visits
from bot.services.visits import VisitDraft
from tests.conftest import ADMIN_ID
from tests.e2e.steps import MENTOR_ID, fill_to_summary_ru, mentor_with
from tests.faketg import FakeUser
from tests.harness import BotHarness

PASSED_RU = "Время на изменения (48 ч) прошло: исправить визит может координатор."
PASSED_EN = "The 48 hours for changes have passed: a coordinator can correct the visit."
WITHIN_RU = "Изменить или удалить визит можно в течение 48 ч после записи."
CHANGE_BUTTONS = {"✏️ Изменить", "🗑 Удалить"}


def no_change_buttons(user: FakeUser) -> bool:
    return not CHANGE_BUTTONS & set(user.last().button_texts())


async def test_after_48_hours_the_mentor_is_told_a_coordinator_can_correct_it(
    app: BotHarness,
) -> None:
    admin = await app.admin(ADMIN_ID)
    mentor, _ids = await mentor_with(app, "Зайцевы")
    await mentor.send_command("visit")
    await fill_to_summary_ru(mentor)
    await mentor.press("✅ Сохранить")
    await mentor.press("📋 Мои визиты")
    await mentor.press("23.11.2026 · Зайцевы · Визит домой")
    detail = mentor.last_text()
    assert WITHIN_RU in detail and PASSED_RU not in detail
    assert set(mentor.last().button_texts()) >= CHANGE_BUTTONS

    # An edit saved just before the window closes; «Back» after it shows the details again.
    app.clock.advance(hours=47, minutes=58)
    await mentor.press("✏️ Изменить")
    await mentor.press("✏️ Изменить")
    await mentor.press("Длительность")
    await mentor.press("90 мин")
    await mentor.press("✅ Сохранить")
    assert "Изменения сохранены" in mentor.last_text()
    app.clock.advance(minutes=3)
    await mentor.press("⬅️ Назад")
    detail = mentor.last_text()
    assert "Длительность: 90 мин" in detail
    assert PASSED_RU in detail and WITHIN_RU not in detail
    assert no_change_buttons(mentor)

    # /myvisits
    await mentor.send_command("myvisits")
    await mentor.press("23.11.2026 · Зайцевы · Визит домой")
    assert PASSED_RU in mentor.last_text() and no_change_buttons(mentor)

    # The family's card («Мои семьи») opens the same details.
    await mentor.send_command("start")
    await mentor.press("👪 Мои семьи")
    await mentor.press("Зайцевы")
    await mentor.press(next(t for t in mentor.last().button_texts() if t.startswith("🔎 23.11")))
    assert PASSED_RU in mentor.last_text() and no_change_buttons(mentor)

    # The coordinator can still change it: no such line for them.
    await admin.send_command("families")
    await admin.press(next(t for t in admin.last().button_texts() if t.startswith("Зайцевы")))
    await admin.press(next(t for t in admin.last().button_texts() if t.startswith("🔎 23.11")))
    assert "✏️ Изменить" in admin.last().button_texts()
    assert PASSED_RU not in admin.last_text()


async def test_after_48_hours_in_english(app: BotHarness) -> None:
    mentor, (family_id,) = await mentor_with(app, "Smirnov family", language_code="en")
    actor = await app.actor(MENTOR_ID)
    async with app.sessionmaker.begin() as session:
        await visits.create_visit(
            session,
            actor,
            VisitDraft(
                family_id=family_id,
                visit_date=date(2026, 11, 23),
                format="call",
                duration_minutes=15,
                methods=("curation",),
                situation=3,
            ),
            now=app.clock.now(),
            draft_key="window-en-1",
        )
    app.clock.advance(hours=49)
    await mentor.send_command("myvisits")
    await mentor.press("23.11.2026 · Smirnov family · Phone or video call")
    assert PASSED_EN in mentor.last_text()
    assert not {"✏️ Edit", "🗑 Delete"} & set(mentor.last().button_texts())


# --- the concern's words after an edit -------------------------------------------------------

ALERTED_RU = "Координаторы сразу получат вашу запись о безопасности ребёнка."
KEPT_RU = (
    "Координаторы уже получили вашу запись о безопасности ребёнка; изменённый текст сохранён "
    "в визите."
)
TAKEN_ON_RU = "Координатор уже занимается этой тревогой; изменённая запись сохранена в визите."
REMOVED_RU = (
    "Запись о безопасности ребёнка убрана: напоминаний о ней координаторам больше не будет."
)
REMOVED_TAKEN_ON_RU = (
    "Координатор уже взял эту тревогу в работу. Если повода для неё больше нет, пожалуйста, "
    "скажите ему."
)
TAKEN_ON_EN = (
    "A coordinator is already looking into this concern; the changed note is kept with the visit."
)
REMOVED_EN = (
    "The note about the child's safety is removed: the coordinators will not be reminded of it "
    "any more."
)
LABEL_RU = "23.11.2026 · Орловы · Звонок или видеосвязь ⚠️"
LABEL_EN = "23.11.2026 · Orlov family · Phone or video call ⚠️"


async def visit_with_concern(app: BotHarness, family_id: int, text: str) -> int:
    """A visit with a concern, its first alert queued and delivered (what «Save» does)."""
    actor = await app.actor(MENTOR_ID)
    async with app.sessionmaker.begin() as session:
        visit = await visits.create_visit(
            session,
            actor,
            VisitDraft(
                family_id=family_id,
                visit_date=date(2026, 11, 23),
                format="call",
                duration_minutes=15,
                methods=("curation",),
                situation=2,
                concern=True,
                concern_text=text,
            ),
            now=app.clock.now(),
            draft_key=f"concern-{family_id}",
        )
        await concerns.alert_for_visit(session, visit.id, app.clock.now(), app.settings)
    await app.deliver()
    return visit.id


async def alerts_queued(app: BotHarness) -> int:
    async with app.sessionmaker() as session:
        found = await session.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.purpose == "concern_alert")
        )
    return int(found or 0)


async def concern_row(app: BotHarness) -> SafetyConcern:
    async with app.sessionmaker() as session:
        found = await session.scalar(select(SafetyConcern))
    assert found is not None
    return found


async def edit_concern_ru(mentor: FakeUser, label: str, text: str | None) -> str:
    """/myvisits → the visit → change the concern (None: no concern now) → save."""
    await mentor.send_command("myvisits")
    await mentor.press(label)
    await mentor.press("✏️ Изменить")
    await mentor.press("✏️ Изменить")
    await mentor.press("Тревога о безопасности")
    if text is None:
        await mentor.press("Нет")
    else:
        await mentor.press("⚠️ Да")
        await mentor.send_text(text)
    await mentor.press("✅ Сохранить")
    return mentor.last_text()


async def edit_concern_en(mentor: FakeUser, label: str, text: str | None) -> str:
    await mentor.send_command("myvisits")
    await mentor.press(label)
    await mentor.press("✏️ Edit")
    await mentor.press("✏️ Edit")
    await mentor.press("Child-safety concern")
    if text is None:
        await mentor.press("No")
    else:
        await mentor.press("⚠️ Yes")
        await mentor.send_text(text)
    await mentor.press("✅ Save")
    return mentor.last_text()


async def test_a_concern_edited_before_it_is_taken_on_is_not_announced_as_a_new_alert(
    app: BotHarness,
) -> None:
    await app.admin(ADMIN_ID)
    mentor, (family_id,) = await mentor_with(app, "Орловы")
    await visit_with_concern(app, family_id, "Синяк на руке")
    sent = await alerts_queued(app)
    app.clock.advance(minutes=10)  # the next reminder is due in an hour
    saved = await edit_concern_ru(mentor, LABEL_RU, "Синяк на руке, мама не объясняет")
    assert KEPT_RU in saved and ALERTED_RU not in saved
    assert await alerts_queued(app) == sent


async def test_a_concern_taken_on_then_edited_or_removed_says_a_coordinator_is_on_it(
    app: BotHarness,
) -> None:
    admin = await app.admin(ADMIN_ID)
    mentor, (family_id,) = await mentor_with(app, "Орловы")
    await visit_with_concern(app, family_id, "Синяк на руке")
    await admin.press("✅ Взято в работу")
    sent = await alerts_queued(app)
    saved = await edit_concern_ru(mentor, LABEL_RU, "Синяк на руке, мама не объясняет")
    assert TAKEN_ON_RU in saved and ALERTED_RU not in saved
    saved = await edit_concern_ru(mentor, LABEL_RU, None)
    assert REMOVED_TAKEN_ON_RU in saved and ALERTED_RU not in saved
    assert await alerts_queued(app) == sent
    assert (await concern_row(app)).acknowledged_at is not None


async def test_a_removed_concern_stops_its_reminders_and_a_restored_one_alerts_again(
    app: BotHarness,
) -> None:
    await app.admin(ADMIN_ID)
    mentor, (family_id,) = await mentor_with(app, "Орловы")
    await visit_with_concern(app, family_id, "Синяк на руке")
    sent = await alerts_queued(app)
    saved = await edit_concern_ru(mentor, LABEL_RU, None)
    assert REMOVED_RU in saved and ALERTED_RU not in saved
    assert (await concern_row(app)).next_alert_at is None
    app.clock.advance(hours=2)
    await run_concern_alerts(app.sessionmaker, app.clock, app.settings)
    assert await alerts_queued(app) == sent  # no reminder of a concern that is no longer there

    # Ticked again: the coordinators hear of it again.
    saved = await edit_concern_ru(
        mentor, "23.11.2026 · Орловы · Звонок или видеосвязь", "Всё-таки тревожно"
    )
    assert ALERTED_RU in saved
    assert await alerts_queued(app) > sent


async def test_concern_words_in_english(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    mentor, (family_id,) = await mentor_with(app, "Orlov family", language_code="en")
    await visit_with_concern(app, family_id, "A bruise")
    saved = await edit_concern_en(mentor, LABEL_EN, None)
    assert REMOVED_EN in saved
    saved = await edit_concern_en(mentor, LABEL_EN.removesuffix(" ⚠️"), "A bruise after all")
    assert "The coordinators will get your note about the child's safety right away." in saved
    await app.deliver()
    await admin.press("✅ Взято в работу")
    saved = await edit_concern_en(mentor, LABEL_EN, "A bruise on the arm")
    assert TAKEN_ON_EN in saved
