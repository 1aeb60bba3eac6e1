"""Keeps aiogram's parsed-response models alive between calls.

aiogram parses every Bot API answer with `Response[method.__returning__]`, a pydantic generic
model. pydantic caches such models in a WeakValueDictionary, so once a garbage collection frees
one, the next call rebuilds its whole schema: 5–10 ms of CPU for a single `editMessageText`,
measured as the bot's worst latencies (bench/updates.py). Holding one strong reference per
returned type keeps each model built once per process.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

_pinned: dict[Any, type] = {}


class PinResponseModels(BaseRequestMiddleware):
    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        returning = method.__returning__
        if returning not in _pinned:
            _pinned[returning] = Response[returning]  # type: ignore[valid-type]
        return await make_request(bot, method)
