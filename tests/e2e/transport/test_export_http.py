"""/export over real HTTP, with the bot running as production does by long polling and by
webhook: the coordinator joins through the transport, then start_export (which the review
dialog calls once the period is chosen) uploads the workbook as multipart to the fake served
over HTTP, and the "preparing…" note is edited."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.background import BackgroundWork
from bot.clock import SystemClock
from bot.content import Content
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.repositories import people as people_repo
from bot.factory import create_bot
from bot.handlers.export import start_export
from bot.handlers.review_files import FileRequest
from bot.i18n.telegram import create_i18n
from bot.services.access import Actor
from bot.services.stats import Scope
from tests.conftest import ADMIN_ID, TOKEN
from tests.e2e.http_steps import (
    DELIVERY_TIMEOUT,
    calm_clock,
    end_abandoned_long_poll,
    join,
    running,
    settings_for,
    unhurried,
)
from tests.faketg import FakeTelegram, serve_http
from tests.stats_world import NOVEMBER, build


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_export_over_http(mode: str, tmp_path: Path) -> None:
    fake = FakeTelegram(SystemClock(), token=TOKEN, allow_http_webhook=True)
    clock = calm_clock()
    async with serve_http(fake) as server:
        settings = settings_for(mode, tmp_path, server.url)
        async with running(settings, clock):
            engine = create_engine(settings.database_url)
            sessions = create_sessionmaker(engine)
            bot = create_bot(settings)
            try:
                admin = fake.user(ADMIN_ID, first_name="Мария")
                await join(fake, admin)
                async with sessions.begin() as session:
                    await build(session)
                    person = await people_repo.by_telegram_id(session, ADMIN_ID)
                    assert person is not None
                    boss = Actor.of(person)
                await unhurried(fake, ADMIN_ID, room=3)
                background = BackgroundWork()
                await start_export(
                    FileRequest(
                        bot=bot,
                        chat_id=ADMIN_ID,
                        actor=boss,
                        period=NOVEMBER,
                        scope=Scope(),
                        locale="ru",
                        sessionmaker=sessions,
                        clock=clock,
                        i18n=create_i18n("ru"),
                        content=Content(),
                        background=background,
                    )
                )
                await background.wait(grace=DELIVERY_TIMEOUT)
            finally:
                await bot.session.close()
                await engine.dispose()
        await end_abandoned_long_poll(fake)
    documents = [m for m in admin.messages() if m.kind == "document"]
    assert len(documents) == 1
    stored = fake.files.get(documents[0].content["document"]["file_id"])
    assert stored.file_name == "export_2026-11-01_2026-11-30.xlsx"
    book = load_workbook(io.BytesIO(stored.data))
    assert book["Визиты"].max_row == 1 + 5
    assert any(t.startswith("Готово: выгрузка за 01.11.2026 – 30.11.2026") for t in admin.texts())
    fake.assert_no_violations()
    assert not [c for c in fake.calls if c.status == 429], "flood control was hit"
