"""Weekly homework through the production entry point and the fake Telegram over real HTTP, by
long polling and by webhook: the week reaches the parent, who answers (text + photo), hands in
and rates; the mentor's digest opens the answers and copies the photo; the reply reaches the
parent.

The release and digest jobs are called directly (with the bot's clock: real seconds on a calm
weekday afternoon, see `calm_clock`) instead of waiting for APScheduler's next run; the bot's own
delivery job sends what they queue.
"""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from bot.clock import SystemClock
from bot.content.programmes import load_programmes
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.models import HomeworkWeek, Role, SupportLevel
from bot.db.repositories import families as families_repo
from bot.db.repositories import people as people_repo
from bot.scheduler.jobs import homework_release, run_homework_digest
from bot.services import families, invitations, programmes
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

PARENT_ID = 3001
MENTOR_ID = 2001


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_homework_round_trip_over_http(mode: str, tmp_path: Path) -> None:
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
                    ttl = timedelta(days=7)
                    parent_link = await invitations.create(
                        session,
                        boss,
                        role=Role.PARENT,
                        now=clock.now(),
                        ttl=ttl,
                        family_id=family.id,
                    )
                    mentor_link = await invitations.create(
                        session, boss, role=Role.MENTOR, now=clock.now(), ttl=ttl
                    )
                parent = fake.user(PARENT_ID, first_name="Анна")
                mentor = fake.user(MENTOR_ID, first_name="Олег")
                await join(fake, parent, parent_link.token)
                await join(fake, mentor, mentor_link.token)

                async with sessions.begin() as session:
                    mentor_person = await people_repo.by_telegram_id(session, MENTOR_ID)
                    assert mentor_person is not None
                    await families_repo.link(
                        session, family.id, mentor_person.id, "mentor", clock.now()
                    )
                    today = clock.now().astimezone(ZoneInfo("Europe/Moscow")).date()
                    enrollment = await programmes.enrol(
                        session,
                        boss,
                        family.id,
                        "tochka_opory",
                        start_date=today,
                        release_weekday=today.weekday(),
                        release_time=time(0, 0),  # today's slot has passed: released at once
                        now=clock.now(),
                        known_programmes=load_programmes(),
                    )
                    enrollment.next_release_at = clock.now()
                run_homework_release = homework_release(load_programmes())
                assert await run_homework_release(sessions, clock, settings) >= 1

                await fake.wait_for(
                    lambda: any(t.startswith("📚 Точка опоры · неделя 1") for t in parent.texts()),
                    DELIVERY_TIMEOUT,
                )
                await unhurried(fake, PARENT_ID, room=2)
                await press(fake, parent, "✍️ Ответить")
                await reply(fake, parent, lambda t: "Пока ничего не получено." in t)
                await unhurried(fake, PARENT_ID, room=2)
                await parent.send_text("Поужинали вместе, все рассказали про день")
                await reply(fake, parent, lambda t: "Уже получено: тексты: 1" in t)
                await unhurried(fake, PARENT_ID, room=2)
                await parent.send_photo(caption="Рисунок семьи")
                await reply(fake, parent, lambda t: "фото: 1" in t)
                await unhurried(fake, PARENT_ID, room=2)
                await press(fake, parent, "✅ Готово")
                await reply(fake, parent, lambda t: "Как прошла эта неделя" in t)
                await unhurried(fake, PARENT_ID, room=2)
                await press(fake, parent, "9")
                await unhurried(fake, PARENT_ID, room=2)
                await press(fake, parent, "Пропустить")
                await reply(fake, parent, lambda t: "Наставник увидит ваши ответы" in t)

                # The hand-in belongs to a finished digest period (as an hour later).
                async with sessions.begin() as session:
                    await session.execute(
                        update(HomeworkWeek).values(done_at=clock.now() - timedelta(hours=2))
                    )
                assert await run_homework_digest(sessions, clock, settings) == 1
                await fake.wait_for(
                    lambda: any(t.startswith("📬 Сданы домашние задания") for t in mentor.texts()),
                    DELIVERY_TIMEOUT,
                )
                await unhurried(fake, MENTOR_ID, room=3)
                await press(fake, mentor, "Ивановы · неделя 1")
                await reply(fake, mentor, lambda t: "Поужинали вместе" in t)
                await fake.wait_for(
                    lambda: any(m.kind == "photo" for m in mentor.messages()), DELIVERY_TIMEOUT
                )
                await unhurried(fake, MENTOR_ID, room=2)
                await press(fake, mentor, "💬 Ответить")
                await reply(fake, mentor, lambda t: "Напишите ответ родителям" in t)
                await unhurried(fake, MENTOR_ID, room=2)
                await mentor.send_text("Спасибо, очень тёплый рисунок!")
                await reply(fake, mentor, lambda t: "✅ Отправлено родителям." in t)
                await fake.wait_for(
                    lambda: any("очень тёплый рисунок" in t for t in parent.texts()),
                    DELIVERY_TIMEOUT,
                )
            finally:
                await engine.dispose()
        await end_abandoned_long_poll(fake)
    fake.assert_no_violations()
    assert not [c for c in fake.calls if c.status == 429], "flood control was hit"
