"""Mentors' reminders at 10:00 in the mentor's own zone: a planned visit today, a family with no
visit for 14 days (once a week, "remind me tomorrow"); never for closed families, never twice.

The clock starts on Monday 23 Nov 2026, 07:00 UTC: 10:00 in Moscow, 14:00 in Novokuznetsk.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update

from bot.db.models import Family, OutboxMessage, OutboxStatus, Role
from bot.scheduler.jobs import run_mentor_reminders
from tests.conftest import ADMIN_ID
from tests.e2e.steps import add_visit, link, person_id, set_zone
from tests.faketg import FakeUser
from tests.harness import BotHarness

MOSCOW_MENTOR = 2001
KUZBASS_MENTOR = 2002
OTHER_MENTOR = 2003

PLANNED = "📅 На сегодня запланирован визит в семью «{family}»."
SNOOZE = "⏰ Напомнить завтра"


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


async def jobs(app: BotHarness) -> int:
    """The reminder scan, then a sender round for what is due now (not what is due later:
    app.deliver() would move the clock to tomorrow's queued reminder)."""
    queued = await run_mentor_reminders(app.sessionmaker, app.clock, app.settings)
    await app.sender.drain(max_idle_wait=0)
    return queued


async def close(app: BotHarness, family_id: int) -> None:
    async with app.sessionmaker.begin() as session:
        await session.execute(
            update(Family)
            .where(Family.id == family_id)
            .values(closed_at=app.clock.now(), closed_reason="improvement")
        )


def count(user: FakeUser, fragment: str) -> int:
    return sum(fragment in text for text in user.texts())


async def mentors(app: BotHarness) -> tuple[FakeUser, FakeUser]:
    await app.admin(ADMIN_ID)
    moscow = await app.joined(MOSCOW_MENTOR, await app.invitation(ADMIN_ID, Role.MENTOR))
    kuzbass = await app.joined(
        KUZBASS_MENTOR, await app.invitation(ADMIN_ID, Role.MENTOR), language_code="en"
    )
    await set_zone(app, KUZBASS_MENTOR, "Asia/Novokuznetsk")
    await app.sender.drain(max_idle_wait=0)
    return moscow, kuzbass


async def test_planned_visit_reminder_at_ten_local_in_two_zones_once(app: BotHarness) -> None:
    moscow, kuzbass = await mentors(app)
    orlovy = await app.add_family(ADMIN_ID, "Орловы")
    zaitsevy = await app.add_family(ADMIN_ID, "Зайцевы", tz="Asia/Novokuznetsk")
    await link(app, orlovy, MOSCOW_MENTOR, "mentor")
    await link(app, zaitsevy, KUZBASS_MENTOR, "mentor")
    tuesday = date(2026, 11, 24)
    await add_visit(app, orlovy, MOSCOW_MENTOR, date(2026, 11, 17), next_visit_date=tuesday)
    await add_visit(app, zaitsevy, KUZBASS_MENTOR, date(2026, 11, 17), next_visit_date=tuesday)
    assert await jobs(app) == 0  # Monday: nothing planned

    app.clock.set(utc(24, 2, 59))  # 05:59 Moscow, 09:59 Novokuznetsk
    assert await jobs(app) == 0
    app.clock.set(utc(24, 3, 0))  # 10:00 Novokuznetsk
    assert await jobs(app) == 1
    assert kuzbass.last_text().startswith("📅 A visit to «Зайцевы» is planned for today.")
    await app.restart()
    assert await jobs(app) == 0  # a restart, a second run: nothing twice
    app.clock.set(utc(24, 6, 59))
    assert await jobs(app) == 0
    assert count(moscow, "запланирован визит") == 0
    app.clock.set(utc(24, 7, 0))  # 10:00 Moscow
    assert await jobs(app) == 1
    assert moscow.last_text().startswith(PLANNED.format(family="Орловы"))
    app.clock.set(utc(24, 15, 0))
    await app.restart()
    assert await jobs(app) == 0
    app.clock.set(utc(25, 7, 0))  # the day after: nothing
    assert await jobs(app) == 0
    assert count(moscow, "запланирован визит") == 1
    assert count(kuzbass, "is planned for today") == 1
    async with app.sessionmaker() as session:
        rows = list(await session.scalars(select(OutboxMessage.due_at)))
    assert sorted(r.astimezone(UTC) for r in rows if r >= utc(24, 0)) == [utc(24, 3), utc(24, 7)]


async def test_no_planned_reminder_when_logged_or_replanned_or_closed(app: BotHarness) -> None:
    moscow, _kuzbass = await mentors(app)
    logged = await app.add_family(ADMIN_ID, "Отмеченные")
    replanned = await app.add_family(ADMIN_ID, "Перенесённые")
    closed = await app.add_family(ADMIN_ID, "Закрытые")
    for family in (logged, replanned, closed):
        await link(app, family, MOSCOW_MENTOR, "mentor")
    tuesday = date(2026, 11, 24)
    for family in (logged, replanned, closed):
        await add_visit(app, family, MOSCOW_MENTOR, date(2026, 11, 17), next_visit_date=tuesday)
    # A later visit planned another day: its plan counts, not the older one.
    await add_visit(
        app, replanned, MOSCOW_MENTOR, date(2026, 11, 20), next_visit_date=date(2026, 11, 27)
    )
    await close(app, closed)
    app.clock.set(utc(24, 6, 0))
    await add_visit(app, logged, MOSCOW_MENTOR, tuesday)  # done early in the morning
    app.clock.set(utc(24, 7, 0))
    assert await jobs(app) == 0
    assert count(moscow, "запланирован визит") == 0


async def test_nudge_once_a_week_and_remind_me_tomorrow_once(app: BotHarness) -> None:
    moscow, _kuzbass = await mentors(app)
    other = await app.joined(OTHER_MENTOR, await app.invitation(ADMIN_ID, Role.MENTOR))
    family = await app.add_family(ADMIN_ID, "Орловы <&>")
    await link(app, family, MOSCOW_MENTOR, "mentor", at=utc(1, 7))
    await add_visit(app, family, MOSCOW_MENTOR, date(2026, 11, 3))  # 20 days ago
    await add_visit(app, family, MOSCOW_MENTOR, date(2026, 11, 20), deleted=True)  # not a visit
    assert await jobs(app) == 1  # Monday 10:00 Moscow
    text = moscow.last_text()
    assert text.startswith("🕊 В семье «Орловы <&>» не было визита 20 дн.: последний — 03.11.2026.")
    assert moscow.last().button_texts() == [SNOOZE]
    assert await jobs(app) == 0
    await app.restart()
    assert await jobs(app) == 0

    query = await moscow.press(SNOOZE)
    answer = app.fake.callback_answer(query)
    assert answer is not None and answer["text"] == "Хорошо, напомню завтра в 10:00."
    assert moscow.last().button_texts() == []  # pressed: the button goes
    nudge_id = moscow.last().message_id
    query = await moscow.press_forged(f"rm:later:{family}", nudge_id)  # a double tap
    assert app.fake.callback_answer(query) is not None
    # Somebody else's family: refused.
    query = await other.press_forged(f"rm:later:{family}", other.last().message_id)
    answer = app.fake.callback_answer(query)
    assert answer is not None and "недоступно" in answer["text"]

    app.clock.set(utc(24, 6, 59))
    assert await jobs(app) == 0
    assert count(moscow, "не было визита") == 1
    app.clock.set(utc(24, 7, 0))  # Tuesday 10:00 Moscow: the one more reminder
    await jobs(app)
    assert count(moscow, "не было визита") == 2
    assert "не было визита 21 дн." in moscow.last_text()
    await app.restart()
    app.clock.set(utc(25, 7, 0))  # Wednesday, same week: no more
    await jobs(app)
    assert count(moscow, "не было визита") == 2
    app.clock.set(utc(30, 7, 0))  # next Monday, still no visit: this week's nudge
    assert await jobs(app) == 1
    assert count(moscow, "не было визита") == 3
    assert count(other, "не было визита") == 0


async def test_remind_me_tomorrow_over_a_week_boundary_is_still_one(app: BotHarness) -> None:
    moscow, _kuzbass = await mentors(app)
    family = await app.add_family(ADMIN_ID, "Орловы")
    await link(app, family, MOSCOW_MENTOR, "mentor", at=utc(1, 7))
    await add_visit(app, family, MOSCOW_MENTOR, date(2026, 11, 15))
    assert await jobs(app) == 0  # Monday 23rd: 8 days only
    app.clock.set(utc(29, 7, 0))  # Sunday 29th: 14 days
    assert await jobs(app) == 1
    await moscow.press(SNOOZE)
    app.clock.set(utc(30, 7, 0))  # Monday: the snoozed reminder is also this week's nudge
    await jobs(app)
    await app.sender.drain(max_idle_wait=0)
    assert count(moscow, "не было визита") == 2


async def test_remind_me_tomorrow_is_dropped_when_a_visit_is_logged(app: BotHarness) -> None:
    moscow, _kuzbass = await mentors(app)
    family = await app.add_family(ADMIN_ID, "Орловы")
    await link(app, family, MOSCOW_MENTOR, "mentor", at=utc(1, 7))
    assert await jobs(app) == 1
    assert "ещё не было визита, а закреплена она за вами с 01.11.2026" in moscow.last_text()
    await moscow.press(SNOOZE)
    app.clock.advance(hours=5)
    await add_visit(app, family, MOSCOW_MENTOR, date(2026, 11, 23))
    await jobs(app)
    async with app.sessionmaker() as session:
        statuses = list(
            await session.scalars(
                select(OutboxMessage.status).where(OutboxMessage.purpose == "no_visit_snooze")
            )
        )
    assert statuses == [OutboxStatus.CANCELLED]
    app.clock.set(utc(24, 8, 0))
    await app.deliver()
    assert count(moscow, "не было визита") == 1


async def test_no_reminders_for_closed_families(app: BotHarness) -> None:
    moscow, kuzbass = await mentors(app)
    family = await app.add_family(ADMIN_ID, "Орловы")
    await link(app, family, MOSCOW_MENTOR, "mentor", at=utc(1, 7))
    await link(app, family, KUZBASS_MENTOR, "mentor", at=utc(1, 7))
    await add_visit(
        app, family, MOSCOW_MENTOR, date(2026, 11, 2), next_visit_date=date(2026, 11, 24)
    )
    assert await jobs(app) == 2  # both mentors nudged: no visit since 02.11
    await kuzbass.press("⏰ Remind me tomorrow")
    await close(app, family)
    app.clock.advance(minutes=5)
    assert await jobs(app) == 0
    # The queued "tomorrow" is cancelled, a press on an old button is answered kindly.
    query = await kuzbass.press_forged(f"rm:later:{family}", kuzbass.last().message_id)
    answer = app.fake.callback_answer(query)
    assert answer is not None and "case is closed" in answer["text"]
    for day in (24, 25, 30):  # the planned visit day, the snoozed day, next week
        app.clock.set(utc(day, 8, 0))
        assert await jobs(app) == 0
    await app.deliver()
    assert count(moscow, "не было визита") == 1
    assert count(moscow, "запланирован") == 0
    assert count(kuzbass, "No visit") == 1
    async with app.sessionmaker() as session:
        pid = await person_id(app, KUZBASS_MENTOR)
        pending = await session.scalar(
            select(OutboxMessage.id).where(
                OutboxMessage.person_id == pid, OutboxMessage.status == OutboxStatus.PENDING
            )
        )
    assert pending is None


async def test_job_window_is_today_at_ten_or_later(app: BotHarness) -> None:
    """A bot that was down at 10:00 still reminds the same day, later; never the next day."""
    moscow, _kuzbass = await mentors(app)
    family = await app.add_family(ADMIN_ID, "Орловы")
    await link(app, family, MOSCOW_MENTOR, "mentor")
    await add_visit(
        app, family, MOSCOW_MENTOR, date(2026, 11, 20), next_visit_date=date(2026, 11, 24)
    )
    app.clock.set(utc(24, 16, 30))  # 19:30 Moscow
    assert await jobs(app) == 1
    assert moscow.last_text().startswith(PLANNED.format(family="Орловы"))
    assert timedelta(0) < app.clock.now() - utc(24, 16, 30) < timedelta(minutes=1)
