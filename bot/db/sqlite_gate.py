"""SQLite writers of one process take turns in the order they came.

SQLite lets one connection write at a time. A connection that finds the file locked sleeps in
SQLite's busy handler (1, 2, 5 … 100 ms) and tries again, so with many writers at once the
lock goes to whoever happens to wake at the right moment: most wait little, some seconds
(bench/memory.py, 40 people at once: p50 0.7 s, p99 3.5 s; with turns 0.9 s and 2.2 s).

Here a connection about to make its transaction's first write first waits its turn in an
asyncio queue of this engine's writers, and hands the turn on when the transaction ends. Reads
never wait (WAL). Writers of another process (a backup, a second engine) still meet SQLite's own
lock and busy handler, as before; a turn not given within the busy timeout raises the same
"database is locked" error SQLite would.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.util import await_only

# Statements that make SQLite take its write lock (the driver opens the transaction before
# INSERT, UPDATE, DELETE and REPLACE; DDL comes with migrations).
_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE)


class WriteTurns:
    """Whose turn it is to write: one DBAPI connection at a time, first come first served."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._lock = asyncio.Lock()
        self._holder: Any = None
        self.waiting = 0  # writers waiting for their turn now

    @property
    def taken(self) -> bool:
        return self._holder is not None

    def holds(self, dbapi_connection: Any) -> bool:
        return self._holder is dbapi_connection

    async def take(self, dbapi_connection: Any) -> None:
        self.waiting += 1
        try:
            async with asyncio.timeout(self.timeout):
                await self._lock.acquire()
        finally:
            self.waiting -= 1
        self._holder = dbapi_connection

    def hand_on(self, dbapi_connection: Any) -> None:
        if self._holder is dbapi_connection and dbapi_connection is not None:
            self._holder = None
            self._lock.release()


_INSTALLED: WeakKeyDictionary[Engine, WriteTurns] = WeakKeyDictionary()


def install(engine: Engine, timeout: float) -> WriteTurns:
    """Make `engine`'s (the sync face of an async SQLite engine) writers take turns."""
    turns = _INSTALLED[engine] = WriteTurns(timeout)

    @event.listens_for(engine, "before_cursor_execute")
    def _before_write(
        conn: Connection,
        _cursor: Any,
        statement: str,
        _parameters: Any,
        _context: Any,
        _executemany: bool,
    ) -> None:
        dbapi_connection = _dbapi(conn.connection)
        if turns.holds(dbapi_connection) or not _WRITE.match(statement):
            return
        try:
            await_only(turns.take(dbapi_connection))  # we run inside SQLAlchemy's greenlet
        except TimeoutError as error:
            # Without the parameters: they may hold names and texts, and errors get logged.
            raise sa_exc.OperationalError(statement, None, error) from error

    # The turn passes on as the transaction ends: the next writer wakes (a turn of the event
    # loop) while the driver commits. SQLite's own lock still guards the file, so at worst that
    # writer meets it for the moment the commit takes; waiting for the commit's answer first
    # kept the turn through two turns of a busy loop instead (bench/memory.py: 330 s, not 304).
    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _ending(conn: Connection) -> None:
        if not conn.invalidated:  # an invalidated one ended its turn with the pool's event
            turns.hand_on(_dbapi(conn.connection))

    # A connection given back, reset, closed or invalidated (a lost database) ends its turn too.
    for name in ("checkin", "reset", "close", "invalidate", "soft_invalidate"):
        event.listen(engine.pool, name, _ender(turns))
    return turns


def turns_of(engine: Engine) -> WriteTurns | None:
    return _INSTALLED.get(engine)


def _dbapi(connection: Any) -> Any:
    # Connection events see the pool's proxy for the DBAPI connection; the pool events, itself.
    return getattr(connection, "dbapi_connection", connection)


def _ender(turns: WriteTurns) -> Any:
    def ended(dbapi_connection: Any, *_args: Any) -> None:
        turns.hand_on(dbapi_connection)

    return ended
