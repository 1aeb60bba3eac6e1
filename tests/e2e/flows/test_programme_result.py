"""The progress window of /programmes: weeks with their status, questionnaire totals, "completed
with positive dynamics"; opening a handed-in week from there; a coordinator's override of the
result with a required note (audited); mentors cannot override, not even with a forged press.

The harness clock starts on Monday 23 Nov 2026, 07:00 UTC (10:00 in Moscow).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.db.models import AuditEntry, Enrollment
from bot.services import questionnaire
from bot.services.errors import AccessDenied
from tests.conftest import ADMIN_ID
from tests.e2e.steps import (
    after_the_hour,
    audits,
    forged_in_window,
    hand_in_week,
    open_progress,
    parent_files,
)
from tests.harness import BotHarness
from tests.homework_support import (
    enrol_now,
    enrollment,
    family_with_people,
    release,
    send_now,
    weeks,
)

NOTE = "Семья сама отметила перемены; анкету в конце не заполнили <по болезни>"


async def _weeks(app: BotHarness) -> list[int]:
    return [w.id for w in await weeks(app)]


async def set_totals(app: BotHarness, enrollment_id: int, entry: int, exit_: int) -> None:
    async with app.sessionmaker.begin() as session:
        await session.execute(
            update(Enrollment)
            .where(Enrollment.id == enrollment_id)
            .values(entry_total=entry, exit_total=exit_)
        )


async def test_progress_shows_weeks_totals_and_opens_a_handed_in_week_in_english(
    app: BotHarness,
) -> None:
    await app.admin(ADMIN_ID)
    fam = await family_with_people(app, name="Smiths", lang="en")
    assert fam.mentor is not None
    mentor = fam.mentor
    enrollment_id = await enrol_now(app, fam.id)
    app.clock.advance(60)
    await release(app)
    [week_one] = await _weeks(app)
    app.clock.advance(days=4)  # past the due date: handed in late
    await hand_in_week(app, fam.parents[0], week_one, ["We talked at dinner."], parent_files(app))
    e = await enrollment(app, enrollment_id)
    assert e.next_release_at is not None
    app.clock.set(e.next_release_at + timedelta(seconds=5))
    await release(app)
    await send_now(app)
    await set_totals(app, enrollment_id, 20, 25)

    await open_progress(mentor, "Smiths")
    card = mentor.last_text()
    assert "Week 2 of 10" in card
    assert "✅ Week 1: handed in late · rating 8/10" in card
    assert "⏳ Week 2: open, due 03.12 10:0" in card
    assert "📝 Questionnaire at the start: 20; at the end: 25" in card
    assert "🌱 Completed with positive dynamics: yes" in card
    buttons = mentor.last().button_texts()
    assert "📖 Week 1" in buttons and "📖 Week 2" not in buttons
    assert "🏁 Result" not in buttons  # coordinators only

    await mentor.press("📖 Week 1")
    window = mentor.last_text()
    assert "We talked at dinner." in window and "· late" in window
    assert mentor.last().button_texts() == ["💬 Reply", "⬅️ Back"]
    await mentor.press("⬅️ Back")
    assert "✅ Week 1: handed in late" in mentor.last_text()
    views = await audits(app, "homework.view")
    assert [v.object_id for v in views] == [week_one]
    app.fake.assert_no_violations()


async def test_coordinator_overrides_the_result_with_a_note(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    fam = await family_with_people(app)
    enrollment_id = await enrol_now(app, fam.id)
    app.clock.advance(60)
    await release(app)
    await open_progress(admin, "Ивановы")
    card = admin.last_text()
    assert "⏳ Неделя 1: открыта, срок 26.11 10:0" in card
    assert "📝 Анкета в начале: не заполнена; в конце: после последней недели" in card
    assert "🌱 Положительная динамика: пока неизвестно (нужны обе анкеты)" in card

    await admin.press("🏁 Итог")
    assert "Завершена с положительной динамикой?" in admin.last_text()
    await admin.press("✅ Да")
    assert "Решение: да" in admin.last_text()
    await admin.send_photo()  # no note
    assert "Пожалуйста, напишите пояснение текстом" in admin.last_text()
    await admin.send_text("x" * 501)
    assert "Пожалуйста, уложите пояснение в 500 символов." in admin.last_text()
    e = await enrollment(app, enrollment_id)
    assert e.positive_override is None
    await admin.send_text(NOTE)
    card = admin.last_text()
    assert "✅ Сохранено: завершена с положительной динамикой — да." in card
    assert "🌱 Завершена с положительной динамикой: да" in card
    assert f"Решение координатора: «{NOTE}»" in card
    e = await enrollment(app, enrollment_id)
    coordinator = await app.actor(ADMIN_ID)
    assert (e.positive_override, e.override_note, e.override_by_id) == (
        True,
        NOTE,
        coordinator.person_id,
    )
    [entry] = await audits(app, "programme.result")
    assert (entry.actor_id, entry.object_id) == (coordinator.person_id, fam.id)
    assert entry.details is not None and NOTE not in str(entry.details)

    # Back to the questionnaire totals.
    await admin.press("🏁 Итог")
    await admin.press("📊 По анкете")
    assert "Итог снова определяется по баллам анкеты." in admin.last_text()
    e = await enrollment(app, enrollment_id)
    assert (e.positive_override, e.override_note) == (None, None)
    assert len(await audits(app, "programme.result")) == 2
    app.fake.assert_no_violations()


async def test_a_mentor_cannot_set_the_result(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    fam = await family_with_people(app)
    assert fam.mentor is not None
    mentor = fam.mentor
    enrollment_id = await enrol_now(app, fam.id)
    await open_progress(mentor, "Ивановы")
    assert "🏁 Итог" not in mentor.last().button_texts()
    data, message_id = forged_in_window(mentor, "result")
    await mentor.press_forged(data, message_id)
    answer = app.fake.calls_of("answerCallbackQuery")[-1]
    assert "для вашей роли это недоступно" in answer.params["text"]
    denied = await audits(app, "access.denied")
    assert denied and (denied[-1].details or {}).get("attempted") == "programme.result"
    # The service refuses on its own too.
    actor = await app.actor(mentor.id)
    async with app.sessionmaker() as session:
        with pytest.raises(AccessDenied):
            await questionnaire.set_result(session, actor, fam.id, True, "note", app.clock.now())
    e = await enrollment(app, enrollment_id)
    assert e.positive_override is None
    async with app.sessionmaker() as session:
        rows = await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "programme.result")
        )
        assert list(rows) == []
    app.fake.assert_no_violations()


async def test_the_digest_still_opens_after_the_result_is_set(app: BotHarness) -> None:
    """The review opened from the progress window and from the digest are the same dialog."""
    admin = await app.admin(ADMIN_ID)
    fam = await family_with_people(app)
    assert fam.mentor is not None
    await enrol_now(app, fam.id)
    app.clock.advance(60)
    await release(app)
    [week_id] = await _weeks(app)
    await hand_in_week(app, fam.parents[0], week_id, ["Ответ"], None)
    await after_the_hour(app)
    await open_progress(admin, "Ивановы")
    await admin.press("📖 Неделя 1")
    assert "Ответ" in admin.last_text()
    await admin.press("💬 Ответить")
    await admin.send_text("Спасибо!")
    assert "✅ Отправлено родителям." in admin.last_text()
    await admin.press("⬅️ Назад")
    assert "✅ Неделя 1: сдана" in admin.last_text()
    app.fake.assert_no_violations()
