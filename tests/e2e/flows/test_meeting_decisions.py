"""Decisions of a network meeting through the board ("📋 Decisions"): adding them (what → who →
by when), the coordinator's reminder on the due date with «✅ Done», the follow-up two weeks
after a held meeting, and refusals (a mentor, forged "md:d:<id>")."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from bot.db.models import AuditEntry, MeetingDecision, Role
from bot.scheduler.jobs import run_meeting_decisions
from bot.services import meeting_decisions, srs
from tests.conftest import ADMIN_ID
from tests.e2e.steps import open_board, plan_council
from tests.harness import BotHarness
from tests.homework_support import send_now

DUE_MOMENT = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)  # 26.11 10:00 in Moscow

WORDS = {
    "en": {
        "decisions": "📋 Decisions",
        "add": "➕ Decision",
        "before": "That day is before the meeting",
        "saved": "The decision is saved",
        "due_line": "A reminder about a decision of a network meeting.",
        "done": "✅ Done",
        "marked": "Marked as done.",
        "follow_up": "Two weeks have passed since a network meeting",
        "open": "Decisions still open: 1 of 2.",
    },
    "ru": {
        "decisions": "📋 Решения",
        "add": "➕ Решение",
        "before": "Этот день раньше встречи",
        "saved": "Решение сохранено",
        "due_line": "Напоминание о решении сетевой встречи.",
        "done": "✅ Готово",
        "marked": "Отмечено как выполненное.",
        "follow_up": "Прошло две недели после сетевой встречи",
        "open": "Не выполнено решений: 1 из 2.",
    },
}


async def run_job(app: BotHarness) -> int:
    return await run_meeting_decisions(app.sessionmaker, app.clock, app.settings)


async def decisions(app: BotHarness) -> list[MeetingDecision]:
    async with app.sessionmaker() as session:
        return list(await session.scalars(select(MeetingDecision).order_by(MeetingDecision.id)))


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_decisions_through_the_board_and_their_reminders(app: BotHarness, lang: str) -> None:
    w = WORDS[lang]
    admin = await app.admin(ADMIN_ID, language_code=lang)
    family_id = await app.add_family(ADMIN_ID, "Ивановы")
    meeting_id = await plan_council(app, family_id, "decisions")  # 24.11.2026 17:00 Moscow
    await open_board(admin)
    await admin.press(next(t for t in admin.last().button_texts() if t.startswith(w["decisions"])))
    assert ("No decisions recorded yet." if lang == "en" else "Решений пока не записано.") in (
        admin.last_text()
    )
    await admin.press(w["add"])
    await admin.send_text("Найти репетитора <по математике> & чтению")
    await admin.send_text("мама")
    assert "«Найти репетитора &lt;по математике&gt; &amp; чтению» — мама" in (
        admin.last().html or ""
    )
    await admin.send_text("23.11.2026")  # before the meeting
    assert w["before"] in admin.last_text()
    await admin.send_text("26.11.2026")
    assert w["saved"] in admin.last_text()
    await admin.press(w["add"])
    await admin.send_text("Навещать бабушку по воскресеньям")
    await admin.send_text("папа")
    await admin.press("24.11.2026")  # the meeting's day, a button
    listing = admin.last_text()
    assert "⏳ Навещать бабушку по воскресеньям — папа" in listing
    assert "⏳ Найти репетитора <по математике> & чтению — мама" in listing
    first, second = await decisions(app)
    assert (first.due_date, second.due_date) == (date(2026, 11, 26), date(2026, 11, 24))
    await admin.press("⬅️ К встрече" if lang == "ru" else "⬅️ To the meeting")
    assert f"{w['decisions']} (2)" in admin.last().button_texts()

    # The meeting's day at 10:00 in Moscow: the reminder of the second one, once.
    app.clock.set(datetime(2026, 11, 24, 7, 0, tzinfo=UTC))
    assert await run_job(app) == 1
    assert await run_job(app) == 0
    await send_now(app)
    reminder = admin.last()
    assert reminder.text.split("\n")[0].endswith(w["due_line"])
    assert "Навещать бабушку" in reminder.text and "24.11.2026" in reminder.text
    query = await admin.press(w["done"], reminder.message_id)
    answer = app.fake.callback_answer(query)
    assert answer is not None and w["marked"] in answer["text"]
    assert (await decisions(app))[1].done_at is not None
    pressed = app.fake.message(admin.id, reminder.message_id)
    assert pressed is not None and not pressed.button_texts()
    # The other one on its own date; marked done on the board by a tap.
    app.clock.set(DUE_MOMENT)
    assert await run_job(app) == 1
    await send_now(app)
    assert "Найти репетитора" in admin.last_text()
    # The meeting was held: the follow-up two weeks after its day (08.12 10:00 Moscow).
    boss = await app.actor(ADMIN_ID)
    async with app.sessionmaker.begin() as session:
        await srs.mark_held(session, boss, meeting_id, set(), app.clock.now())
    app.clock.set(datetime(2026, 12, 8, 6, 59, tzinfo=UTC))
    assert await run_job(app) == 0
    app.clock.set(datetime(2026, 12, 8, 7, 0, tzinfo=UTC))
    assert await run_job(app) == 1
    await send_now(app)
    follow_up = admin.last_text()
    assert follow_up.split("\n")[0].startswith("🗓") and w["follow_up"] in follow_up
    assert w["open"] in follow_up
    assert await run_job(app) == 0
    app.fake.assert_no_violations()


async def test_marking_done_on_the_board_and_no_reminder_after(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID, language_code="en")
    family_id = await app.add_family(ADMIN_ID, "Ивановы")
    meeting_id = await plan_council(app, family_id, "decisions-done")
    boss = await app.actor(ADMIN_ID)
    async with app.sessionmaker.begin() as session:
        decision = await meeting_decisions.add(
            session,
            boss,
            meeting_id,
            "Записаться в секцию",
            "Маша",
            date(2026, 11, 26),
            app.clock.now(),
        )
    other_meeting = await plan_council(
        app, family_id, "decisions-other", datetime(2026, 11, 25, 17, 0)
    )
    async with app.sessionmaker.begin() as session:
        foreign = await meeting_decisions.add(
            session, boss, other_meeting, "Чужое", "кто", date(2026, 11, 26), app.clock.now()
        )
    await open_board(admin)
    await admin.press("📋 Decisions (1)")
    # Another meeting's decision id in this list's button: forged, nothing changes.
    tap = next(b for b in admin.last().buttons() if "Записаться" in b["text"])
    forged = tap["callback_data"][: -len(str(decision.id))] + str(foreign.id)
    await admin.press_forged(forged, admin.last().message_id)
    assert "This button is out of date." in admin.last_text()
    await admin.press(next(t for t in admin.last().button_texts() if "Записаться" in t))
    assert "Marked as done: «Записаться в секцию»." in admin.last_text()
    assert "✅ Записаться в секцию — Маша, by 26.11.2026" in admin.last_text()
    assert not any("Записаться" in t for t in admin.last().button_texts())
    async with app.sessionmaker() as session:
        found = await session.get(MeetingDecision, decision.id)
        assert found is not None and found.done_at is not None
        untouched = await session.get(MeetingDecision, foreign.id)
        assert untouched is not None and untouched.done_at is None
    app.clock.set(DUE_MOMENT)
    assert await run_job(app) == 1  # only the other meeting's open one
    app.fake.assert_no_violations()


async def test_a_mentor_cannot_and_a_forged_done_is_refused(app: BotHarness) -> None:
    await app.admin(ADMIN_ID, language_code="en")
    family_id = await app.add_family(ADMIN_ID, "Ивановы")
    meeting_id = await plan_council(app, family_id, "decisions-forged")
    boss = await app.actor(ADMIN_ID)
    async with app.sessionmaker.begin() as session:
        decision = await meeting_decisions.add(
            session, boss, meeting_id, "Что", "кто", date(2026, 11, 26), app.clock.now()
        )
    mentor = await app.joined(2001, await app.invitation(ADMIN_ID, Role.MENTOR), language_code="en")
    await app.deliver()
    message_id = mentor.last().message_id
    for data in (f"md:d:{decision.id}", "md:d:abc", "md:d:1234567890", "md:d:999999"):
        await mentor.press_forged(data, message_id)
    async with app.sessionmaker() as session:
        found = await session.get(MeetingDecision, decision.id)
        assert found is not None and found.done_at is None
        refusals = list(
            await session.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == "access.denied", AuditEntry.actor_telegram_id == 2001
                )
            )
        )
    assert len(refusals) >= 1
    app.fake.assert_no_violations(unanswered_callbacks_ok=True)
