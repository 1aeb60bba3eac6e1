"""/stats through the production entry point and the fake Telegram over real HTTP, by long polling
and by webhook: the coordinator opens /stats, picks this month and all families, sees a section."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db.engine import create_engine, create_sessionmaker
from bot.db.models import AuditEntry, SupportLevel
from bot.db.repositories import people as people_repo
from bot.services import families
from bot.services.access import Actor
from tests.conftest import ADMIN_ID, TOKEN
from tests.e2e.http_steps import (
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


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_stats_over_http(mode: str, tmp_path: Path) -> None:
    clock = calm_clock()
    fake = FakeTelegram(clock, token=TOKEN, allow_http_webhook=True)
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
                    await families.add(
                        session,
                        Actor.of(person),
                        name="Ивановы",
                        category="tzhs",
                        support_level=SupportLevel.BASIC,
                        timezone="Europe/Moscow",
                        known_categories={"tzhs"},
                        now=clock.now(),
                    )
                await unhurried(fake, ADMIN_ID, room=1)
                await admin.send_command("stats")
                await reply(fake, admin, lambda t: "За какой период?" in t)
                await unhurried(fake, ADMIN_ID, room=1)
                await press(fake, admin, "Этот месяц")
                await reply(fake, admin, lambda t: "По каким семьям?" in t)
                await press(fake, admin, "Все семьи")
                await reply(fake, admin, lambda t: "Встречи" in t)
                await press(fake, admin, "Семьи")
                await reply(fake, admin, lambda t: "Семей в работе: 1" in t)
                assert "Новых за период: 1" in admin.last_text()

                # The view is audited when the update commits, after its dialog state is saved:
                # wait for that (bounded) so the bot is not stopped in the middle of the update.
                async def audited() -> list[str]:
                    async with sessions() as session:
                        rows = await session.scalars(
                            select(AuditEntry.details).where(AuditEntry.action == "stats.view")
                        )
                        return [str((d or {}).get("section")) for d in rows]

                for _ in range(100):
                    if "families" in await audited():
                        break
                    await asyncio.sleep(0.05)
                assert await audited() == ["meetings", "families"]
            finally:
                await engine.dispose()
        await end_abandoned_long_poll(fake)
    fake.assert_no_violations()
    assert not [c for c in fake.calls if c.status == 429], "flood control was hit"
