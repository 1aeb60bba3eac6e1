"""The real bot wired to the fake Telegram in-process, the way production wires it to Telegram."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.base import BaseSession
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app import create_sender
from bot.clock import ManualClock
from bot.config import Settings
from bot.db.engine import create_sessionmaker
from bot.db.models import FsmRecord, Role, SupportLevel
from bot.delivery.sender import OutboxSender
from bot.factory import create_bot, create_dispatcher
from bot.services import families, invitations
from bot.services.access import Actor
from tests.faketg import FakeTelegram, FakeUser

THINK_SECONDS = 2.0


def agree_button(language_code: str | None) -> str:
    return "✅ I agree" if language_code == "en" else "✅ Согласен(на)"


class _ErrorCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class BotHarness:
    def __init__(
        self,
        settings: Settings,
        engine: AsyncEngine,
        clock: ManualClock,
        fake: FakeTelegram,
        session_factory: Callable[[], BaseSession],
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.clock = clock
        self.fake = fake
        self.session_factory = session_factory
        self.sessionmaker: async_sessionmaker[AsyncSession] = create_sessionmaker(engine)
        self.errors = _ErrorCollector()
        self.expect_errors = False
        self.bot: Bot
        self.dp: Dispatcher
        self.sender: OutboxSender

    async def start(self) -> None:
        self.bot = create_bot(self.settings, session=self.session_factory(), clock=self.clock)
        self.dp, self.bg = create_dispatcher(self.settings, self.engine, clock=self.clock)
        self.sender = create_sender(self.bot, self.dp, self.settings)
        self.fake.deliver = self._feed
        logging.getLogger("bot").addHandler(self.errors)

    async def _feed(self, update: dict[str, Any]) -> None:
        # People take a moment between taps; without it every reply would land in one virtual
        # instant and trip the fake's per-chat flood control, which real people never do.
        self.clock.advance(THINK_SECONDS)
        await self.dp.feed_raw_update(self.bot, update)

    async def stop(self) -> None:
        await self.settle()
        logging.getLogger("bot").removeHandler(self.errors)
        await self.dp.storage.close()
        await self.bot.session.close()
        if not self.expect_errors:
            assert not self.errors.records, [r.getMessage() for r in self.errors.records]

    async def restart(self) -> None:
        """A new process: new dispatcher, bot and sender; the database and storage stay."""
        await self.stop()
        await self.start()

    async def settle(self) -> None:
        """Let background jobs (exports, reports, charts) finish."""
        await self.dp["background"].wait()

    async def deliver(self) -> int:
        """Send everything due in the outbox now."""
        return await self.sender.drain()

    async def stored_state(self, user_id: int) -> list[str]:
        """Keys of conversation state kept for a user, in whichever FSM storage is in use."""
        if self.settings.redis_url:
            from redis.asyncio import Redis

            client = Redis.from_url(self.settings.redis_url)
            try:
                keys = [k.decode() async for k in client.scan_iter(f"*:{user_id}:*")]
            finally:
                await client.aclose()
            return keys
        async with self.sessionmaker() as session:
            rows = await session.scalars(select(FsmRecord.key))
            return [key for key in rows if f":{user_id}:" in key]

    # --- shortcuts for arranging a test -----------------------------------------------------

    def user(self, user_id: int, **kwargs: Any) -> FakeUser:
        return self.fake.user(user_id, **kwargs)

    async def admin(self, user_id: int, **kwargs: Any) -> FakeUser:
        """An ADMIN_IDS coordinator who has accepted the consent."""
        user = self.fake.user(user_id, **kwargs)
        await user.send_start()
        await user.press(
            "✅ Согласен(на)" if kwargs.get("language_code", "ru") != "en" else "✅ I agree"
        )
        return user

    async def actor(self, telegram_id: int) -> Actor:
        from bot.db.repositories import people as people_repo

        async with self.sessionmaker() as session:
            person = await people_repo.by_telegram_id(session, telegram_id)
            assert person is not None
            return Actor.of(person)

    async def add_family(self, by: int, name: str = "Ивановы", tz: str = "Europe/Moscow") -> int:
        actor = await self.actor(by)
        async with self.sessionmaker.begin() as session:
            family = await families.add(
                session,
                actor,
                name=name,
                category="tzhs",
                support_level=SupportLevel.BASIC,
                timezone=tz,
                known_categories={"tzhs"},
                now=self.clock.now(),
            )
            return family.id

    async def invitation(
        self, by: int, role: Role, family_id: int | None = None, ttl: timedelta = timedelta(days=7)
    ) -> str:
        actor = await self.actor(by)
        async with self.sessionmaker.begin() as session:
            created = await invitations.create(
                session, actor, role=role, now=self.clock.now(), ttl=ttl, family_id=family_id
            )
            return created.token

    async def joined(self, user_id: int, token: str, **kwargs: Any) -> FakeUser:
        user = self.fake.user(user_id, **kwargs)
        await user.send_start(token)
        await user.press(
            "✅ Согласен(на)" if kwargs.get("language_code", "ru") != "en" else "✅ I agree"
        )
        return user
