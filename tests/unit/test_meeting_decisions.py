"""Decisions of a network meeting at the service level: coordinators only, validation, the
due-date and follow-up reminders at the reminder time in the coordinator's zone, no duplicates on
a re-run, nothing for a decision done."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import bot.notifications  # noqa: F401  (registers the message kinds)
from bot.config import Settings
from bot.content import Content
from bot.db.models import MeetingStatus, OutboxMessage, Person, Role
from bot.delivery.render import Outgoing, registry
from bot.i18n import Translator
from bot.i18n.telegram import create_i18n
from bot.services import meeting_decisions, meetings
from bot.services.errors import AccessDenied
from bot.services.meeting_decisions import DUE_PURPOSE, FOLLOW_UP_PURPOSE
from tests.factories import make_person
from tests.unit.meeting_setup import NOW, draft, raises, setup

MEETING_DAY = date(2026, 12, 1)  # 17:00 Moscow


CONTENT = Content()


def render(kind: str, params: dict[str, object], locale: str) -> Outgoing:
    return registry.render(kind, dict(params), Translator(create_i18n("ru"), locale), CONTENT)


async def planned(session: AsyncSession):  # type: ignore[no-untyped-def]
    boss, family_id = await setup(session)
    meeting = await meetings.create(session, boss, family_id, draft(), draft_key="d", now=NOW)
    return boss, meeting


async def rows(session: AsyncSession, purpose: str) -> list[OutboxMessage]:
    found = await session.scalars(
        select(OutboxMessage).where(OutboxMessage.purpose == purpose).order_by(OutboxMessage.id)
    )
    return list(found)


async def test_only_coordinators_and_texts_and_dates_are_checked(session: AsyncSession) -> None:
    boss, meeting = await planned(session)
    mentor = await make_person(session, 2, Role.MENTOR, now=NOW)
    with pytest.raises(AccessDenied):
        await meeting_decisions.add(session, mentor, meeting.id, "x", "y", MEETING_DAY, NOW)
    add = meeting_decisions.add
    await raises(
        "decision_what_empty", add(session, boss, meeting.id, "  ", "мама", MEETING_DAY, NOW)
    )
    await raises(
        "decision_what_long", add(session, boss, meeting.id, "х" * 301, "мама", MEETING_DAY, NOW)
    )
    await raises(
        "decision_who_empty", add(session, boss, meeting.id, "Что", "\n", MEETING_DAY, NOW)
    )
    await raises(
        "decision_due_before_meeting",
        add(session, boss, meeting.id, "Что", "мама", MEETING_DAY - timedelta(days=1), NOW),
    )
    await raises(
        "decision_due_far",
        add(session, boss, meeting.id, "Что", "мама", MEETING_DAY + timedelta(days=400), NOW),
    )
    await raises("meeting_not_found", add(session, boss, 999999, "Что", "мама", MEETING_DAY, NOW))
    decision = await add(
        session, boss, meeting.id, "  Найти   репетитора ", " мама ", MEETING_DAY, NOW
    )
    assert (decision.what, decision.who) == ("Найти репетитора", "мама")
    with pytest.raises(AccessDenied):
        await meeting_decisions.mark_done(session, mentor, decision.id, NOW)
    with pytest.raises(AccessDenied):
        await meeting_decisions.for_meeting(session, mentor, meeting.id)
    assert await meeting_decisions.mark_done(session, boss, decision.id, NOW) is True
    assert await meeting_decisions.mark_done(session, boss, decision.id, NOW) is False
    await raises("decision_not_found", meeting_decisions.mark_done(session, boss, 999999, NOW))
    await meetings.cancel(session, boss, meeting.id, NOW)
    await raises(
        "meeting_not_planned", add(session, boss, meeting.id, "Что", "мама", MEETING_DAY, NOW)
    )


async def test_due_reminder_at_the_coordinators_time_once_and_not_when_done(
    session: AsyncSession,
) -> None:
    boss, meeting = await planned(session)
    settings = Settings()
    first = await meeting_decisions.add(
        session, boss, meeting.id, "Найти репетитора <мат>", "мама", date(2026, 12, 3), NOW
    )
    second = await meeting_decisions.add(
        session, boss, meeting.id, "Навещать бабушку", "папа", date(2026, 12, 3), NOW
    )
    other = await meeting_decisions.add(
        session, boss, meeting.id, "Записаться в секцию", "Маша", date(2026, 12, 4), NOW
    )
    await meeting_decisions.mark_done(session, boss, second.id, NOW)
    # The coordinator lives in Moscow: 10:00 there is 07:00 UTC.
    before = datetime(2026, 12, 3, 6, 59, tzinfo=UTC)
    assert await meeting_decisions.enqueue_due(session, before, settings) == 0
    due = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)
    assert await meeting_decisions.enqueue_due(session, due, settings) == 1
    assert await meeting_decisions.enqueue_due(session, due + timedelta(minutes=2), settings) == 0
    queued = await rows(session, DUE_PURPOSE)
    assert [r.object_id for r in queued] == [first.id]
    assert queued[0].person_id == boss.person_id
    out = render(queued[0].kind, queued[0].params, "en")
    first_line = out.text.split("\n")[0]
    assert "Маша" not in first_line and "мама" not in first_line
    assert "&lt;мат&gt;" in out.text and "03.12.2026" in out.text
    assert out.reply_markup is not None
    assert out.reply_markup.inline_keyboard[0][0].callback_data == f"md:d:{first.id}"
    # Marked done before its day: no reminder at all.
    await meeting_decisions.mark_done(session, boss, other.id, NOW)
    next_day = datetime(2026, 12, 4, 7, 0, tzinfo=UTC)
    assert await meeting_decisions.enqueue_due(session, next_day, settings) == 0


async def test_a_coordinator_in_another_zone_and_a_gone_creator(session: AsyncSession) -> None:
    boss, meeting = await planned(session)
    settings = Settings()
    first = await meeting_decisions.add(
        session, boss, meeting.id, "Что", "кто", date(2026, 12, 3), NOW
    )
    person = await session.get(Person, boss.person_id)
    assert person is not None
    person.timezone = "Asia/Vladivostok"  # UTC+10: 10:00 there is 00:00 UTC
    await session.flush()
    assert (
        await meeting_decisions.enqueue_due(
            session, datetime(2026, 12, 2, 23, 59, tzinfo=UTC), settings
        )
        == 0
    )
    assert (
        await meeting_decisions.enqueue_due(
            session, datetime(2026, 12, 3, 0, 0, tzinfo=UTC), settings
        )
        == 1
    )
    # The creator is gone: every coordinator hears of the next one.
    await meeting_decisions.mark_done(session, boss, first.id, NOW)
    other = await make_person(session, 3, Role.COORDINATOR, now=NOW)
    await meeting_decisions.add(session, boss, meeting.id, "Ещё", "кто", date(2026, 12, 5), NOW)
    meeting.created_by_id = None
    await session.flush()
    assert (
        await meeting_decisions.enqueue_due(
            session, datetime(2026, 12, 5, 7, 0, tzinfo=UTC), settings
        )
        == 2
    )
    assert {r.person_id for r in await rows(session, DUE_PURPOSE)} >= {
        boss.person_id,
        other.person_id,
    }


async def test_follow_up_two_weeks_after_a_held_meeting(session: AsyncSession) -> None:
    boss, meeting = await planned(session)
    settings = Settings()
    await meeting_decisions.add(session, boss, meeting.id, "Что", "кто", date(2026, 12, 20), NOW)
    follow_up = datetime(2026, 12, 15, 7, 0, tzinfo=UTC)  # 01.12 + 14 days, 10:00 Moscow
    # Planned (not held): no follow-up.
    assert await meeting_decisions.enqueue_due(session, follow_up, settings) == 0
    meeting.status = MeetingStatus.HELD.value
    await session.flush()
    assert (
        await meeting_decisions.enqueue_due(session, follow_up - timedelta(minutes=1), settings)
        == 0
    )
    assert await meeting_decisions.enqueue_due(session, follow_up, settings) == 1
    assert (
        await meeting_decisions.enqueue_due(session, follow_up + timedelta(hours=3), settings) == 0
    )
    queued = await rows(session, FOLLOW_UP_PURPOSE)
    assert len(queued) == 1 and queued[0].person_id == boss.person_id
    out = render(queued[0].kind, queued[0].params, "ru")
    assert "Маша" not in out.text.split("\n")[0]
    assert "1 из 1" in out.text
