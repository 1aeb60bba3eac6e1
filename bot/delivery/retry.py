"""Telegram's flood control on what the bot sends outside the outbox.

A reply the person is waiting for (a screen after a tap, a file, a picture) that Telegram
throttles with 429 is tried again after the retry_after it names, on the injected clock, a few
times at most; a long retry_after is not waited for (the update then fails and is reported as
usual). The outbox sender handles 429 itself (it re-queues the row and pauses all sending), so
its calls pass through untouched.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType

from bot.clock import Clock

T = TypeVar("T")
ATTEMPTS = 3
LONGEST_WAIT = 10  # seconds: a person waiting for a screen should not wait longer

_caller_handles: ContextVar[bool] = ContextVar("retry_after_handled_by_caller", default=False)


@contextlib.contextmanager
def caller_handles_retry_after() -> Iterator[None]:
    """Within this block a 429 reaches the caller at once (the outbox sender's own handling)."""
    token = _caller_handles.set(True)
    try:
        yield
    finally:
        _caller_handles.reset(token)


async def with_retry_after(clock: Clock, call: Callable[[], Awaitable[T]]) -> T:
    for attempt in range(ATTEMPTS):
        try:
            return await call()
        except TelegramRetryAfter as exc:
            if attempt == ATTEMPTS - 1:
                raise
            await clock.sleep(exc.retry_after)
    raise AssertionError("unreachable")


class RetryAfterMiddleware(BaseRequestMiddleware):
    """Every Bot API call of the bot's session, except where the caller handles 429 itself."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        if _caller_handles.get():
            return await make_request(bot, method)
        for attempt in range(ATTEMPTS):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if attempt == ATTEMPTS - 1 or exc.retry_after > LONGEST_WAIT:
                    raise
                await self.clock.sleep(exc.retry_after)
        raise AssertionError("unreachable")
