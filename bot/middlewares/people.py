from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.repositories import people as people_repo
from bot.services.access import Actor


class PersonMiddleware(BaseMiddleware):
    """Loads the person and their roles once per update; private chats only.

    Puts `person` (None for strangers) and `actor` into the handler data.
    """

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        chat = data.get("event_chat")
        user = data.get("event_from_user")
        if isinstance(event, Update) and event.my_chat_member is not None:
            pass  # block / unblock notices are handled by their own handler
        elif chat is not None and chat.type != "private":
            return None  # groups and channels: the bot works only in private chats
        session: AsyncSession = data["session"]
        person = await people_repo.by_telegram_id(session, user.id) if user else None
        if person is not None and person.blocked_at is not None and chat is not None:
            person.blocked_at = None  # they write to us again, so they unblocked the bot
        data["person"] = person
        data["actor"] = Actor.of(person) if person else None
        data["person_locale"] = (
            person.locale if person else None
        )  # plain value: outlives the session
        return await handler(event, data)
