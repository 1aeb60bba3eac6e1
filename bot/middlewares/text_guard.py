"""NUL characters in anything people send become U+FFFD before any handler sees the update.

PostgreSQL text cannot hold NUL ("invalid byte sequence for encoding UTF8: 0x00"): one such
character in a name, a note or a search box failed the whole update there, while SQLite took
it. Every string of the update is cleaned, not only a message's text and caption: the sender's
first and last name (stored as the person's name when they join), a shared contact's names, a
document's file name, a venue's title and address, a poll's texts, an inline query, callback
data. U+FFFD has the same UTF-16 length, so the offsets of the message's entities stay right.
An update without NUL (nearly all of them) is passed on as it came, not copied.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.middlewares.user_context import (
    EVENT_CHAT_KEY,
    EVENT_CONTEXT_KEY,
    EVENT_FROM_USER_KEY,
    UserContextMiddleware,
)
from aiogram.types import TelegramObject, Update
from pydantic import BaseModel

NUL = "\x00"
REPLACEMENT = "\ufffd"
# Nested objects (a reply's reply, a pinned message…) are shallow in practice; this only guards
# against a pathological update.
MAX_DEPTH = 32


def _fields(model: BaseModel) -> list[tuple[str, Any]]:
    """The fields the update actually carried (parsed from JSON: only those set), not None."""
    values = model.__dict__
    return [
        (name, values[name])
        for name in model.model_fields_set
        if name in values and values[name] is not None
    ]


def has_nul(update: Any) -> bool:
    """Whether any string inside holds NUL: the per-update check, kept cheap (no copies)."""
    stack = [update]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if NUL in value:
                return True
        elif isinstance(value, BaseModel):
            stack.extend(item for _name, item in _fields(value))
        elif isinstance(value, (list, tuple)):
            stack.extend(value)
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
    return False


def clean(value: Any, depth: int = 0) -> Any:
    """The value with NUL replaced in every string inside; the same object when nothing changed."""
    if isinstance(value, str):
        return value.replace(NUL, REPLACEMENT) if NUL in value else value
    if depth > MAX_DEPTH:
        return value
    if isinstance(value, BaseModel):
        changes: dict[str, Any] = {}
        for name, item in _fields(value):
            cleaned = clean(item, depth + 1)
            if cleaned is not item:
                changes[name] = cleaned
        return value.model_copy(update=changes) if changes else value
    if isinstance(value, (list, tuple)):
        items = [clean(item, depth + 1) for item in value]
        if any(new is not old for new, old in zip(items, value, strict=True)):
            return type(value)(items) if isinstance(value, tuple) else items
        return value
    if isinstance(value, dict):
        pairs = {clean(k, depth + 1): clean(v, depth + 1) for k, v in value.items()}
        changed = any(k not in value or value[k] is not v for k, v in pairs.items())
        return pairs if changed or len(pairs) != len(value) else value
    return value


class TextGuardMiddleware(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if isinstance(event, Update) and has_nul(event):
            cleaned = clean(event)
            if cleaned is not event:
                event = cleaned
                # aiogram resolved the sender and the chat before this middleware: the
                # handlers' `event_from_user` and `event_chat` must be the cleaned ones too.
                context = UserContextMiddleware.resolve_event_context(event=cleaned)
                data[EVENT_CONTEXT_KEY] = context
                if context.user is not None:
                    data[EVENT_FROM_USER_KEY] = context.user
                if context.chat is not None:
                    data[EVENT_CHAT_KEY] = context.chat
        return await handler(event, data)
