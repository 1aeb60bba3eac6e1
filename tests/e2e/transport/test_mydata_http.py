"""/mydata through the production entry point and the fake Telegram over real HTTP, by long
polling and by webhook: the coordinator opens /mydata and downloads the JSON file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.clock import SystemClock
from tests.conftest import ADMIN_ID, TOKEN
from tests.e2e.http_steps import (
    DELIVERY_TIMEOUT,
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
async def test_mydata_download_over_http(mode: str, tmp_path: Path) -> None:
    fake = FakeTelegram(SystemClock(), token=TOKEN, allow_http_webhook=True)
    async with serve_http(fake) as server:
        settings = settings_for(mode, tmp_path, server.url)
        async with running(settings):
            admin = fake.user(ADMIN_ID, first_name="Мария")
            await join(fake, admin)
            await unhurried(fake, ADMIN_ID, room=2)
            await admin.send_command("mydata")
            await reply(fake, admin, lambda t: "Что бот хранит о вас" in t)
            await unhurried(fake, ADMIN_ID, room=2)
            await press(fake, admin, "📥 Скачать мои данные")

            def documents() -> list[object]:
                return [
                    m for m in fake.chat_messages(ADMIN_ID) if m.from_bot and m.kind == "document"
                ]

            await fake.wait_for(lambda: bool(documents()), DELIVERY_TIMEOUT)
            [document] = [
                m for m in fake.chat_messages(ADMIN_ID) if m.from_bot and m.kind == "document"
            ]
            data = json.loads(fake.files.get(document.content["document"]["file_id"]).data)
            assert data["person"]["telegram_id"] == ADMIN_ID
            assert data["person"]["name"] == "Мария"
            assert [r["role"] for r in data["roles"]] == ["coordinator"]
            # The summary comes again below the file: the update is over before the bot stops.
            await fake.wait_for(
                lambda: sum("Что бот хранит о вас" in t for t in admin.texts()) == 2,
                DELIVERY_TIMEOUT,
            )
            # aiogram-dialog saves the stack after the reply is drawn, and a polling bot does not
            # wait for updates in flight when it stops (reported to the lead): leave it the time
            # a person takes to read before the bot stops.
            await unhurried(fake, ADMIN_ID, room=3)
        await end_abandoned_long_poll(fake)
    fake.assert_no_violations()
    assert not [c for c in fake.calls if c.status == 429], "flood control was hit"
