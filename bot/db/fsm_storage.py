"""FSM storage in our own database: the embedded default keeps half-filled forms across restarts.

A dialog step reads the form's state and two aiogram-dialog keys (stack, context) and writes two,
so this storage is on every update's path. It keeps it cheap:
- one statement per write: an upsert, or a delete when state and data are both empty (finished
  forms leave no row behind: nothing about a user is kept longer than needed);
- on SQLite, where one process owns the file, a read-through cache of committed rows, so reads
  cost no query. A write becomes visible in the cache only when its transaction commits; a rolled
  back update leaves the cache as the database is. On PostgreSQL several replicas may share the
  table, so every read goes to the database.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StorageKey
from sqlalchemy import bindparam, delete, event, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from bot.clock import Clock, SystemClock
from bot.db.current import current_session
from bot.db.models import FsmRecord
from bot.db.upsert import dialect_insert

StateType = str | State | None
# (state, data as JSON text): text, so a caller changing a returned dict never changes the cache.
Row = tuple[str | None, str | None]
EMPTY: Row = (None, None)
CACHE_SIZE = 20_000  # rows, ~1 KB at most each; the least recently used are read again on need
_PENDING = "fsm_txn"  # Session.info key: {id(storage): _Txn} for the open transaction


class SqlStorage(BaseStorage):
    def __init__(
        self, engine: AsyncEngine, clock: Clock | None = None, *, cache: bool | None = None
    ) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._dialect = engine.dialect.name
        self._keys = DefaultKeyBuilder(with_destiny=True, with_bot_id=True)
        self._clock = clock or SystemClock()
        self._cache_on = self._dialect == "sqlite" if cache is None else cache
        self._cache: OrderedDict[str, Row] = OrderedDict()
        # Built once: constructing a statement costs more than executing it on SQLite.
        self._select = select(FsmRecord.state, FsmRecord.data).where(
            FsmRecord.key == bindparam("key")
        )
        self._delete = delete(FsmRecord).where(FsmRecord.key == bindparam("key"))
        upsert = dialect_insert(self._dialect)(FsmRecord)
        self._upsert = upsert.on_conflict_do_update(
            index_elements=[FsmRecord.key],
            set_={name: upsert.excluded[name] for name in ("state", "data", "updated_at")},
        )

    # --- reading -------------------------------------------------------------------------------

    async def _row(self, key: str) -> Row:
        joined = current_session.get()
        txn = self._txn(joined) if joined is not None else None
        if txn is not None:
            # Within one update a person's keys change only through this storage (one update
            # per person at a time), so what it read or wrote stays true until the commit.
            if key in txn.written:
                return txn.written[key]
            if key in txn.read:
                return txn.read[key]
        if self._cache_on and key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        if joined is not None:
            found = (await joined.execute(self._select, {"key": key})).first()
        else:
            async with self._sessions() as session:
                found = (await session.execute(self._select, {"key": key})).first()
        row = EMPTY if found is None else (found.state, _dump(found.data))
        if txn is not None:
            txn.read[key] = row
        self._remember(key, row)
        return row

    async def get_state(self, key: StorageKey) -> str | None:
        return (await self._row(self._keys.build(key)))[0]

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        data = (await self._row(self._keys.build(key)))[1]
        return json.loads(data) if data else {}

    # --- writing -------------------------------------------------------------------------------

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        built = self._keys.build(key)
        value = state.state if isinstance(state, State) else state
        await self._write(built, (value, (await self._row(built))[1]))

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        built = self._keys.build(key)
        await self._write(built, ((await self._row(built))[0], _dump(dict(data))))

    async def _write(self, key: str, row: Row) -> None:
        if row == await self._row(key):
            return  # aiogram-dialog saves its stack and context after every step, changed or not
        stmt: Any = self._delete
        params: dict[str, Any] = {"key": key}
        if row != EMPTY:
            stmt = self._upsert
            params.update(
                state=row[0],
                data=json.loads(row[1]) if row[1] else None,
                updated_at=self._clock.now(),
            )
        joined = current_session.get()
        if joined is not None:
            # Committed with the update that changed the form; cached once that commit succeeds.
            await joined.execute(stmt, params)
            self._txn(joined).written[key] = row
            return
        async with self._sessions.begin() as session:
            await session.execute(stmt, params)
        self._remember(key, row)

    def _txn(self, session: AsyncSession) -> _Txn:
        by_storage: dict[int, _Txn] = session.info.setdefault(_PENDING, {})
        if id(self) not in by_storage:
            by_storage[id(self)] = _Txn(self)
        return by_storage[id(self)]

    def _remember(self, key: str, row: Row) -> None:
        if not self._cache_on:
            return
        self._cache[key] = row
        self._cache.move_to_end(key)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)

    def _forget(self, key: str) -> None:
        self._cache.pop(key, None)

    async def close(self) -> None:
        self._cache.clear()


@dataclass
class _Txn:
    """What one storage read and wrote within one database transaction."""

    storage: SqlStorage
    read: dict[str, Row] = field(default_factory=dict)
    written: dict[str, Row] = field(default_factory=dict)


def _dump(data: dict[str, Any] | None) -> str | None:
    return json.dumps(data, ensure_ascii=False) if data else None


# Rows written inside a transaction reach the cache when it commits and are dropped when it does
# not. Listening on the Session class covers every session, the update's and the storage's own.
@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    for txn in session.info.pop(_PENDING, {}).values():
        for key, row in txn.written.items():
            txn.storage._remember(key, row)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    for txn in session.info.pop(_PENDING, {}).values():
        for key in txn.written:
            txn.storage._forget(key)
