"""One update at a time per person, within a process.

Polling and the webhook handle updates concurrently. Without this, a quick second tap can be
read against the form state the first tap has not committed yet, and lands on the wrong step
(the bot answers the button as stale). Updates of one person now run one after the other, each
with its transaction committed before the next starts; different people still run in parallel.
Across replicas the FSM storage and the database rows stay the arbiters.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User

# Set while a person's update runs: aiogram-dialog's background updates re-enter the
# dispatcher from inside it and must not wait for their own lock.
_holding: ContextVar[int | None] = ContextVar("serial_holding", default=None)


class PerUserSerialMiddleware(BaseMiddleware):
    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user = data.get("event_from_user")
        if not isinstance(user, User) or _holding.get() is not None:
            return await handler(event, data)
        key = user.id
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                token = _holding.set(key)
                try:
                    return await handler(event, data)
                finally:
                    _holding.reset(token)
        finally:
            # Forget the lock once nobody holds or waits for it: memory stays flat.
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key]
                self._locks.pop(key, None)
