"""Parents' reminders: at the due time and two days later, none after Done, none at night, not
twice after a restart, and «remind me tomorrow»."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.db.models import HomeworkWeek, OutboxStatus
from tests.conftest import ADMIN_ID
from tests.harness import BotHarness
from tests.homework_support import (
    Family,
    enrol_now,
    family_with_people,
    outbox_rows,
    release,
    remind,
    send_now,
    weeks,
)

MOSCOW = ZoneInfo("Europe/Moscow")
FIRST = "Мягкое напоминание: неделя 1"
SECOND = "Неделя 1, «Знакомство с семьёй», всё ещё ждёт вас"


async def released(
    app: BotHarness, *, parent_ids: tuple[int, ...] = (3001, 3002), in_minutes: int = 1
) -> tuple[Family, HomeworkWeek]:
    await app.admin(ADMIN_ID)
    fam = await family_with_people(app, parent_ids=parent_ids)
    await enrol_now(app, fam.id, in_minutes=in_minutes)
    await send_now(app)
    app.clock.advance(in_minutes * 60)
    await release(app)
    await send_now(app)
    [week] = await weeks(app)
    return fam, week


def count(user_texts: list[str], fragment: str) -> int:
    return sum(fragment in text for text in user_texts)


async def test_overdue_reminders_once_then_once_more(app: BotHarness) -> None:
    fam, week = await released(app)
    app.clock.set(week.due_at - timedelta(minutes=1))
    assert await remind(app) == 0  # not due yet
    app.clock.set(week.due_at + timedelta(minutes=1))
    assert await remind(app) == 2  # one per parent
    assert await remind(app) == 0
    await send_now(app)
    for parent in fam.parents:
        assert FIRST in parent.last_text()
        assert parent.last().button_texts() == ["✍️ Ответить", "⏰ Напомнить завтра"]
    # A restart does not send it again.
    await app.restart()
    assert await remind(app) == 0
    await send_now(app)
    app.clock.set(week.due_at + timedelta(days=2, minutes=1))
    assert await remind(app) == 2
    await send_now(app)
    for parent in fam.parents:
        assert SECOND in parent.last_text()
        assert count(parent.texts(), FIRST) == 1
    app.clock.advance(days=1)
    assert await remind(app) == 0
    app.fake.assert_no_violations()


async def test_no_reminder_after_done_and_a_queued_one_is_cancelled(app: BotHarness) -> None:
    fam, week = await released(app)
    mum, dad = fam.parents
    app.clock.set(week.due_at + timedelta(minutes=1))
    assert await remind(app) == 2  # queued, not sent yet
    await mum.press("✍️ Ответить")
    await mum.send_text("Сделали!")
    await mum.press("✅ Готово")
    await send_now(app)
    assert count(mum.texts(), FIRST) == 0 and count(dad.texts(), FIRST) == 0
    assert "сдано за всю семью" in dad.last_text()
    statuses = {row.status for row in await outbox_rows(app, "homework_reminder")}
    assert statuses == {OutboxStatus.CANCELLED}
    app.clock.set(week.due_at + timedelta(days=2, minutes=1))
    assert await remind(app) == 0
    app.fake.assert_no_violations()


async def test_no_reminder_for_a_week_handed_in_before_the_due_time(app: BotHarness) -> None:
    fam, week = await released(app, parent_ids=(3001,))
    [mum] = fam.parents
    await mum.press("✍️ Ответить")
    await mum.send_photo()
    await mum.press("✅ Готово")
    app.clock.set(week.due_at + timedelta(minutes=1))
    assert await remind(app) == 0
    app.fake.assert_no_violations()


async def test_a_due_time_at_night_is_reminded_in_the_morning(app: BotHarness) -> None:
    # The week comes at 23:00 Moscow time, so it is due three days later at 23:00.
    fam, week = await released(app, parent_ids=(3001,), in_minutes=13 * 60)
    [mum] = fam.parents
    assert week.due_at.astimezone(MOSCOW).hour == 23
    morning = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)  # 09:00 Moscow: the week itself comes
    app.clock.set(morning)
    await send_now(app)
    assert "неделя 1 из 10" in mum.last_text()
    app.clock.set(week.due_at + timedelta(minutes=1))
    assert await remind(app) == 1
    await send_now(app)
    assert count(mum.texts(), FIRST) == 0  # not at night
    await app.restart()
    assert await remind(app) == 0  # still queued, not queued twice
    next_morning = (week.due_at + timedelta(days=1)).astimezone(MOSCOW).replace(hour=8, minute=59)
    app.clock.set(next_morning)
    await send_now(app)
    assert count(mum.texts(), FIRST) == 0
    app.clock.set(next_morning + timedelta(minutes=1))
    await send_now(app)
    assert count(mum.texts(), FIRST) == 1
    [row] = await outbox_rows(app, "homework_reminder")
    assert row.sent_at is not None and row.sent_at.astimezone(MOSCOW).hour == 9
    app.fake.assert_no_violations()


async def test_remind_me_tomorrow(app: BotHarness) -> None:
    fam, week = await released(app, parent_ids=(3001,))
    [mum] = fam.parents
    app.clock.set(week.due_at + timedelta(minutes=1))
    await remind(app)
    await send_now(app)
    reminder = mum.last()
    query = await mum.press("⏰ Напомнить завтра")
    answer = app.fake.callback_answer(query)
    assert answer is not None and answer["text"] == "Хорошо: напомню завтра."
    assert mum.last().message_id == reminder.message_id
    assert mum.last().button_texts() == ["✍️ Ответить"]  # the snooze button is gone
    pressed_at = app.clock.now()
    [snooze] = await outbox_rows(app, "homework_snooze")
    assert abs(snooze.due_at - (pressed_at + timedelta(days=1))) < timedelta(minutes=1)
    # A repeated (forged) press queues nothing more.
    await mum.press_forged(f"hw:later:{week.id}", reminder.message_id)
    assert len(await outbox_rows(app, "homework_snooze")) == 1
    app.clock.set(pressed_at + timedelta(hours=23))
    await send_now(app)
    assert count(mum.texts(), FIRST) == 1
    app.clock.set(pressed_at + timedelta(days=1, minutes=1))
    await send_now(app)
    assert count(mum.texts(), FIRST) == 2
    app.fake.assert_no_violations()


async def test_remind_me_tomorrow_after_done(app: BotHarness) -> None:
    fam, week = await released(app, parent_ids=(3001, 3002))
    mum, dad = fam.parents
    app.clock.set(week.due_at + timedelta(minutes=1))
    await remind(app)
    await send_now(app)
    await dad.press("⏰ Напомнить завтра")  # queued for tomorrow...
    await mum.press("✍️ Ответить")
    await mum.send_text("Готово")
    await mum.press("✅ Готово")  # ...and cancelled by Done
    [snooze] = await outbox_rows(app, "homework_snooze")
    assert snooze.status == OutboxStatus.CANCELLED
    query = await mum.press("⏰ Напомнить завтра")
    answer = app.fake.callback_answer(query)
    assert answer is not None and answer["text"] == "Уже сдано: напоминание не нужно."
    app.clock.advance(days=1, hours=1)
    await send_now(app)
    assert count(dad.texts(), FIRST) == 1
    app.fake.assert_no_violations()
