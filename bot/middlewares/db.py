from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.current import current_session


class DbSessionMiddleware(BaseMiddleware):
    """One session and one transaction per update: committed when the handler returns.

    On the error event (`fresh=True`) the update's session has been rolled back and closed, so
    error handlers get a new one.
    """

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], fresh: bool = False) -> None:
        self.sessionmaker = sessionmaker
        self.fresh = fresh

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if not self.fresh and current_session.get() is not None:
            return await handler(event, data)  # a background update re-entering a running one
        async with self.sessionmaker() as session:
            data["session"] = session
            token = current_session.set(session)
            try:
                result = await handler(event, data)
            except BaseException:
                await session.rollback()
                raise
            finally:
                current_session.reset(token)
            await session.commit()
            return result
