"""Hostile input through the production entry point and the fake Telegram over real HTTP, by
long polling and by webhook: a sticker, HTML with a NUL and a stray command in the middle of
the add-a-family form each get a hint (the command is not taken as the name); a stranger's
forged buttons are answered and store nothing; nothing the bot sends breaks Telegram's rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.clock import SystemClock
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.models import Family, Person
from tests.conftest import ADMIN_ID, TOKEN
from tests.e2e.http_steps import (
    REPLY_TIMEOUT,
    end_abandoned_long_poll,
    join,
    press,
    running,
    settings_for,
    unhurried,
)
from tests.faketg import FakeTelegram, FakeUser, serve_http

STRANGER_ID = 9301


async def answered(fake: FakeTelegram, user: FakeUser, sent_id: int) -> str:
    """Wait for the bot's next message after the user's message `sent_id`; return its text."""
    await fake.wait_for(lambda: any(m.message_id > sent_id for m in user.messages()), REPLY_TIMEOUT)
    await unhurried(fake, user.id, room=2)
    return user.last_text()


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_hostile_input_over_http(mode: str, tmp_path: Path) -> None:
    fake = FakeTelegram(SystemClock(), token=TOKEN, allow_http_webhook=True)
    async with serve_http(fake) as server:
        settings = settings_for(mode, tmp_path, server.url)
        async with running(settings):
            admin = fake.user(ADMIN_ID, first_name="Мария")
            await join(fake, admin)
            await unhurried(fake, ADMIN_ID, room=2)
            sent = await admin.send_command("families")
            await answered(fake, admin, sent.message_id)
            await press(fake, admin, "➕ Добавить семью")
            await unhurried(fake, ADMIN_ID, room=2)
            sent = await admin.send_sticker()
            assert "отправьте название текстом" in await answered(fake, admin, sent.message_id)
            sent = await admin.send_command("unknown")
            assert "похоже на команду" in await answered(fake, admin, sent.message_id)
            sent = await admin.send_text("<b>Орловы</b> & \x00 </a>")
            assert "Категория семьи «<b>Орловы</b> & \ufffd </a>»" in await answered(
                fake, admin, sent.message_id
            )

            stranger = fake.user(STRANGER_ID)
            sent = await stranger.send_start()
            await answered(fake, stranger, sent.message_id)
            for data in ("cs:y:admin", "md:d:1", "hw:a:-1", "x" * 64):
                query = await stranger.press_forged(data, stranger.last().message_id)
                await fake.wait_for(lambda q=query: fake.callback_answer(q) is not None, 10)

            engine = create_engine(settings.database_url)
            try:
                async with create_sessionmaker(engine)() as session:
                    ids = set(await session.scalars(select(Person.telegram_id)))
                    assert STRANGER_ID not in ids
                    assert await session.scalar(select(Family.id)) is None  # nothing half-saved
            finally:
                await engine.dispose()
        await end_abandoned_long_poll(fake)
    fake.assert_no_violations()
