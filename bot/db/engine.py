from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import StaticPool

from bot.db import sqlite_gate

BUSY_TIMEOUT_S = 30


def create_engine(database_url: str, **kwargs: Any) -> AsyncEngine:
    # A logged database error must not carry names or texts from the statement's parameters.
    kwargs.setdefault("hide_parameters", True)
    if database_url.startswith("sqlite"):
        if ":memory:" in database_url or database_url.endswith(":///"):
            kwargs.setdefault("poolclass", StaticPool)
        kwargs.setdefault("connect_args", {"timeout": BUSY_TIMEOUT_S})
        engine = create_async_engine(database_url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        sqlite_gate.install(engine.sync_engine, timeout=BUSY_TIMEOUT_S)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(database_url, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the sender and handlers read while one writes; foreign keys are off by default.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    cursor.close()


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
