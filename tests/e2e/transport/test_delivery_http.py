"""The sender through aiogram's real HTTP session against the fake served over HTTP.

Time is still virtual (ManualClock drives both the sender's limiter and the fake's flood
control), so nothing here really sleeps; the network stack and aiogram's error mapping are real.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import ManualClock
from bot.config import Settings
from bot.content import Content
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.migrate import upgrade_async
from bot.db.models import OutboxMessage, OutboxStatus, Person
from bot.delivery import KindRegistry, OutboxSender, Outgoing, PassthroughTranslator, Translator
from bot.services.outbox import Recipient, enqueue
from tests.faketg import FakeTelegram, serve_http

KIND = "test.delivery.http"


def _render(params: dict[str, Any], t: Translator) -> Outgoing:
    return Outgoing(text=t.gettext("Over HTTP <i>#{n}</i>").format(n=params["n"]))


@pytest.fixture
async def sessionmaker(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'http.sqlite3'}"
    await upgrade_async(url)
    engine = create_engine(url)
    try:
        yield create_sessionmaker(engine)
    finally:
        await engine.dispose()


async def test_delivery_over_http(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    clock = ManualClock()
    fake = FakeTelegram(clock)
    kinds = KindRegistry()
    kinds.register(KIND, _render)
    blocked_chat = 20_005
    people: dict[int, int] = {}
    async with sessionmaker() as session, session.begin():
        for chat in range(20_000, 20_020):
            person = Person(
                telegram_id=chat,
                display_name="x",
                timezone="Asia/Barnaul",
                created_at=clock.now(),
            )
            session.add(person)
            await session.flush()
            people[chat] = person.id
            user = fake.user(chat)
            await user.send_start()
            if chat == blocked_chat:
                await user.block()
            for n in range(3):
                await enqueue(
                    session,
                    recipient=Recipient(person.id, chat),
                    purpose="http",
                    kind=KIND,
                    params={"n": chat * 10 + n},
                    now=clock.now(),
                    occurrence=str(n),
                )

    async with serve_http(fake) as server:
        bot = Bot(
            token=fake.token,
            session=AiohttpSession(api=TelegramAPIServer.from_base(server.url)),
            default=DefaultBotProperties(parse_mode=ParseMode.HTML),
        )
        sender = OutboxSender(
            bot,
            sessionmaker,
            clock,
            Settings(_env_file=None),  # type: ignore[call-arg]
            PassthroughTranslator,
            "http-worker",
            content=Content(),
            registry=kinds,
        )
        try:
            await sender.drain()
        finally:
            await bot.session.close()

    async with sessionmaker() as session:
        rows = list(await session.scalars(select(OutboxMessage)))
        blocked_person = await session.get(Person, people[blocked_chat])
    assert Counter(r.status for r in rows) == {OutboxStatus.SENT: 57, OutboxStatus.BLOCKED: 3}
    assert blocked_person is not None
    assert blocked_person.blocked_at is not None
    delivered = Counter(m.visible_text for chat in people for m in fake.chat_messages(chat))
    expected = Counter(
        f"Over HTTP #{chat * 10 + n}" for chat in people if chat != blocked_chat for n in range(3)
    )
    assert delivered == expected
    assert [c.status for c in fake.calls_of("sendMessage") if c.chat_id == blocked_chat] == [403]
    assert not [c for c in fake.calls_of("sendMessage") if c.status == 429]
    fake.assert_no_violations()
