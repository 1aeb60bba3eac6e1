"""Filling the outbox straight through the service and reading its rows back, for the tests of
delivery under faults, crashes and an unavailable database: one notice to each of a number of
people who use the bot, all under one purpose.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import OutboxMessage, Person
from bot.notifications.invitations import INVITATION_ACCEPTED
from bot.services.outbox import Recipient, enqueue
from tests.faketg import FakeTelegram

PURPOSE = "fault.test"
FIRST_CHAT = 50_000


async def queue_messages(
    sessionmaker: async_sessionmaker[AsyncSession],
    fake: FakeTelegram,
    count: int,
    *,
    first_chat: int = FIRST_CHAT,
) -> list[int]:
    """One notice to each of `count` people who use the bot; returns their chat ids."""
    chats = list(range(first_chat, first_chat + count))
    now = fake.clock.now()
    async with sessionmaker.begin() as session:
        for chat in chats:
            person = Person(
                telegram_id=chat, display_name=f"Ирина{chat}", timezone="UTC", created_at=now
            )
            session.add(person)
            await session.flush()
            fake.user(chat, first_name="Ирина")
            fake.mark_started(chat)
            await enqueue(
                session,
                recipient=Recipient(person.id, chat),
                purpose=PURPOSE,
                kind=INVITATION_ACCEPTED,
                params={"name": f"Олег{chat}", "role": "mentor"},
                now=now,
            )
    return chats


async def rows_by_chat(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[int, OutboxMessage]:
    async with sessionmaker() as session:
        rows = await session.scalars(select(OutboxMessage).where(OutboxMessage.purpose == PURPOSE))
        return {row.chat_id: row for row in rows}
