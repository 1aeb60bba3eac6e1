"""A network meeting invitation through the production entry point and the fake Telegram over
real HTTP, by long polling and by webhook: the coordinator (through the services) plans the
meeting and makes a personal link; the participant opens it, consents, sees the invitation,
answers «Приду» and then «Не смогу»; the coordinator's board shows it."""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import SystemClock
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.models import MeetingFormat, Relation, SupportLevel
from bot.db.repositories import people as people_repo
from bot.services import families, meetings
from bot.services.access import Actor
from tests.conftest import ADMIN_ID, TOKEN
from tests.e2e.http_steps import (
    DELIVERY_TIMEOUT,
    calm_clock,
    end_abandoned_long_poll,
    join,
    press,
    reply,
    running,
    settings_for,
    unhurried,
)
from tests.faketg import FakeTelegram, serve_http

PARTICIPANT_ID = 5001


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_meeting_invitation_round_trip_over_http(mode: str, tmp_path: Path) -> None:
    fake = FakeTelegram(SystemClock(), token=TOKEN, allow_http_webhook=True)
    clock = calm_clock()
    async with serve_http(fake) as server:
        settings = settings_for(mode, tmp_path, server.url)
        async with running(settings, clock):
            engine = create_engine(settings.database_url)
            sessions = create_sessionmaker(engine)
            try:
                admin = fake.user(ADMIN_ID, first_name="Мария")
                await join(fake, admin)
                next_week = clock.now().astimezone(ZoneInfo("Europe/Moscow")) + timedelta(days=7)
                async with sessions.begin() as session:
                    person = await people_repo.by_telegram_id(session, ADMIN_ID)
                    assert person is not None
                    boss = Actor.of(person)
                    family = await families.add(
                        session,
                        boss,
                        name="Ивановы",
                        category="tzhs",
                        support_level=SupportLevel.BASIC,
                        timezone="Europe/Moscow",
                        known_categories={"tzhs"},
                        now=clock.now(),
                    )
                    meeting = await meetings.create(
                        session,
                        boss,
                        family.id,
                        meetings.MeetingDraft(
                            child_name="Маша",
                            topic="Я хочу жить с мамой",
                            format=MeetingFormat.FAMILY_COUNCIL,
                            starts_local=datetime.combine(next_week.date(), time(17, 0)),
                            place="Центр «Семья»",
                            duration_minutes=90,
                            facilitators="Ольга",
                            contact="+7 900 000-00-00",
                            note="Маше важна поддержка близких.",
                        ),
                        draft_key="http",
                        now=clock.now(),
                    )
                    row = await meetings.add_participant(
                        session,
                        boss,
                        meeting.id,
                        name="Ирина Петровна",
                        relation=Relation.TEACHER,
                        approved_by_child=True,
                        phone=None,
                        now=clock.now(),
                    )
                    invited = await meetings.invite(
                        session, boss, row.id, clock.now(), ttl=timedelta(days=7)
                    )
                    assert invited.token
                teacher = fake.user(PARTICIPANT_ID, first_name="Ирина")
                await teacher.send_start(invited.token)
                await reply(fake, teacher, lambda t: "Прежде чем начать" in t)
                await press(fake, teacher, "✅ Согласен(на)")
                await reply(fake, teacher, lambda t: t.startswith("📩 Приглашение на встречу"))
                text = teacher.last_text()
                assert "Маша" in text and "Я хочу жить с мамой" in text and "Ивановы" not in text
                await unhurried(fake, PARTICIPANT_ID, room=2)
                await press(fake, teacher, "Приду")
                await fake.wait_for(
                    lambda: "✅ Приду" in teacher.last().button_texts(), DELIVERY_TIMEOUT
                )
                await unhurried(fake, PARTICIPANT_ID, room=2)
                await press(fake, teacher, "Не смогу")
                await fake.wait_for(
                    lambda: "✅ Не смогу" in teacher.last().button_texts(), DELIVERY_TIMEOUT
                )

                # The answer commits right after the reply is drawn: wait for the row (bounded).
                async def answered() -> tuple[bool, bool, str | None]:
                    async with sessions() as session:
                        board = await meetings.board(session, boss, meeting.id, clock.now())
                    [line] = board.lines
                    return line.opened, line.joined, line.rsvp

                for _ in range(100):
                    if (await answered())[2] == "no":
                        break
                    await asyncio.sleep(0.05)
                assert await answered() == (True, True, "no")
            finally:
                await engine.dispose()
        await end_abandoned_long_poll(fake)
    fake.assert_no_violations()
    assert not [c for c in fake.calls if c.status == 429], "flood control was hit"
