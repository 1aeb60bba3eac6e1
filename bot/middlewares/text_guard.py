"""NUL characters in what people send become U+FFFD before any handler sees the text.

PostgreSQL text cannot hold NUL ("invalid byte sequence for encoding UTF8: 0x00"): one such
character in a name, a note or a search box failed the whole update there, while SQLite took
it. U+FFFD has the same UTF-16 length, so the offsets of the message's entities stay right.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Message, TelegramObject, Update

NUL = "\x00"
REPLACEMENT = "\ufffd"
MESSAGE_FIELDS = ("message", "edited_message")


def _clean_message(message: Message) -> Message | None:
    changes = {
        name: value.replace(NUL, REPLACEMENT)
        for name in ("text", "caption")
        if NUL in (value := getattr(message, name) or "")
    }
    return message.model_copy(update=changes) if changes else None


class TextGuardMiddleware(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if isinstance(event, Update):
            for field in MESSAGE_FIELDS:
                message = getattr(event, field)
                cleaned = _clean_message(message) if message is not None else None
                if cleaned is not None:
                    event = event.model_copy(update={field: cleaned})
        return await handler(event, data)
