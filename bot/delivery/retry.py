"""A direct reply the person is waiting for (a file, a picture) that Telegram throttles is tried
again after the retry_after it names, on the injected clock, a few times at most."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiogram.exceptions import TelegramRetryAfter

from bot.clock import Clock

T = TypeVar("T")
ATTEMPTS = 3


async def with_retry_after(clock: Clock, call: Callable[[], Awaitable[T]]) -> T:
    for attempt in range(ATTEMPTS):
        try:
            return await call()
        except TelegramRetryAfter as exc:
            if attempt == ATTEMPTS - 1:
                raise
            await clock.sleep(exc.retry_after)
    raise AssertionError("unreachable")
