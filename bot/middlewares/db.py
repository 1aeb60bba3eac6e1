from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import ErrorEvent, TelegramObject
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.current import current_session

log = logging.getLogger(__name__)

OutageHandler = Callable[[ErrorEvent, dict[str, Any]], Awaitable[Any]]


def is_database_outage(error: BaseException) -> bool:
    """The database could not be reached or dropped the connection (not a bug in a query)."""
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    # OperationalError: server gone, connection refused, SQLite locked or unreadable;
    # InterfaceError: the driver's connection is closed; ConnectionError: asyncpg's connect.
    return isinstance(
        error,
        (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError, ConnectionError),
    )


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
            except BaseException as error:
                await _rollback_quietly(session, error)
                raise
            finally:
                current_session.reset(token)
            await session.commit()
            return result


async def _rollback_quietly(session: AsyncSession, error: BaseException) -> None:
    # With the database gone the rollback fails too; the handler's error is the one to report.
    try:
        await session.rollback()
    except Exception as rollback_error:
        if not is_database_outage(error):
            raise
        log.debug("rollback after a database outage failed: %s", type(rollback_error).__name__)


class DatabaseOutageMiddleware(BaseMiddleware):
    """On the error event, first of all: a database outage gets `on_outage` and nothing else.

    The error handlers behind it open a session and load the person, which would fail again
    while the database is away; `on_outage` answers through Telegram only.
    """

    def __init__(self, on_outage: OutageHandler) -> None:
        self.on_outage = on_outage

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if isinstance(event, ErrorEvent) and is_database_outage(event.exception):
            return await self.on_outage(event, data)
        return await handler(event, data)
