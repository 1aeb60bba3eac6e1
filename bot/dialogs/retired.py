"""Messages the bot has taken away from a chat: deleted, at most once each.

A tap on a stale button replaces the message under it with a fresh menu (bot/handlers/errors.py),
and aiogram-dialog deletes that message through its message manager. A quick double tap sends two
callback queries on the same message before the first is answered; the bot handles them one
after the other (bot/middlewares/serial.py), and the second would delete the message again,
which Telegram refuses ("message to delete not found"). aiogram-dialog swallows that answer, but
the call was wasted and the second tap sent yet another menu, leaving the first fresh one with
buttons that belong to no dialog.

So every deletion is recorded here before it is made, and a message recorded once is never
deleted again: `OnceDeletingMessageManager` is aiogram-dialog's message manager with that check,
for every deletion it makes (a stale tap's DELETE_AND_SEND or any other). A message too old to
delete (Telegram's 48 hours) turns into the menu instead; the stale-tap handler records that too,
so a second tap does not edit it again ("message is not modified"). A tap on a recorded message
only gets the stale-button notice.

The record lives in the FSM storage, per chat, so webhook replicas behind a balancer and a
restarted process see the same one. It holds message ids and when they were recorded, nothing
else: the last `KEEP` of a chat, each for `KEEP_FOR` (a double tap comes within seconds, a client
that has not caught up within hours); older ones count for nothing and go with the chat's next
record, and a withdrawal of consent drops the whole record. Recording comes first: if the
deletion's request then fails, the message is not deleted twice either; it keeps its stale
buttons, and a tap on them gets the notice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from aiogram import Bot
from aiogram.fsm.storage.base import BaseStorage, StorageKey
from aiogram_dialog.api.entities import NewMessage, OldMessage
from aiogram_dialog.manager.message_manager import MessageManager

from bot.clock import Clock

DESTINY = "retired_messages"
KEEP = 20  # a chat's last retired message ids; taps on older ones stopped coming long ago
KEEP_FOR = timedelta(days=7)
# Telegram deletes a bot's message only within 48 hours of sending; an hour's margin covers the
# time between the tap and the request, and clocks that differ a little.
DELETE_WINDOW = timedelta(hours=47)


class RetiredMessages:
    """Per chat, the ids of the bot's messages it has deleted (or stripped of buttons for good)."""

    def __init__(self, storage: BaseStorage, clock: Clock) -> None:
        self.storage = storage
        self.clock = clock

    @staticmethod
    def _key(bot_id: int, chat_id: int) -> StorageKey:
        return StorageKey(bot_id=bot_id, chat_id=chat_id, user_id=chat_id, destiny=DESTINY)

    async def _entries(self, bot_id: int, chat_id: int) -> list[tuple[int, int]]:
        """(message id, when recorded as a Unix time), the ones younger than KEEP_FOR."""
        data = await self.storage.get_data(self._key(bot_id, chat_id))
        since = (self.clock.now() - KEEP_FOR).timestamp()
        return [(int(m), int(t)) for m, t in data.get("messages", []) if t >= since]

    async def contains(self, bot_id: int, chat_id: int, message_id: int) -> bool:
        return any(m == message_id for m, _ in await self._entries(bot_id, chat_id))

    async def add(self, bot_id: int, chat_id: int, message_id: int) -> bool:
        """Record a message; False when it was recorded already (nothing changes)."""
        entries = await self._entries(bot_id, chat_id)
        if any(m == message_id for m, _ in entries):
            return False
        entries = [*entries, (message_id, int(self.clock.now().timestamp()))][-KEEP:]
        await self.storage.set_data(
            self._key(bot_id, chat_id), {"messages": [list(e) for e in entries]}
        )
        return True

    async def forget(self, bot_id: int, chat_id: int) -> None:
        """Drop a chat's record (consent withdrawn: nothing of theirs stays in the storage)."""
        await self.storage.set_data(self._key(bot_id, chat_id), {})


def deletable(sent_at: datetime, now: datetime) -> bool:
    """Whether Telegram still lets the bot delete a message it sent at `sent_at`."""
    return now - sent_at < DELETE_WINDOW


class OnceDeletingMessageManager(MessageManager):
    """aiogram-dialog 2.6's message manager, deleting each message at most once.

    `remove_message_safe` is where every deletion of aiogram-dialog goes through (DELETE_AND_SEND,
    a window that cannot be edited into the next one, closing a dialog in DELETE_AND_SEND mode).
    """

    def __init__(self, retired: RetiredMessages) -> None:
        self.retired = retired

    async def remove_message_safe(
        self,
        bot: Bot,
        old_message: OldMessage,
        new_message: NewMessage | None,
    ) -> None:
        if old_message.business_connection_id:
            await super().remove_message_safe(bot, old_message, new_message)  # never deletes
            return
        if not await self.retired.add(bot.id, old_message.chat.id, old_message.message_id):
            return  # deleted before (a double tap): Telegram would refuse a second deletion
        await super().remove_message_safe(bot, old_message, new_message)
