from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
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
        if chat is not None and chat.type != "private":
            # Groups and channels: the bot works only in private chats. That includes being
            # added to or removed from a group, which says nothing about a block of the bot.
            return None
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
