"""FSM storage in our own database: the embedded default keeps half-filled forms across restarts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StorageKey
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.clock import Clock, SystemClock
from bot.db.current import current_session
from bot.db.models import FsmRecord

StateType = str | State | None


class SqlStorage(BaseStorage):
    def __init__(self, engine: AsyncEngine, clock: Clock | None = None) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._dialect = engine.dialect.name
        self._keys = DefaultKeyBuilder(with_destiny=True, with_bot_id=True)
        self._clock = clock or SystemClock()

    async def _upsert(self, key: StorageKey, **values: Any) -> None:
        insert = pg_insert if self._dialect == "postgresql" else sqlite_insert
        row = {"key": self._keys.build(key), "updated_at": self._clock.now(), **values}
        stmt = insert(FsmRecord).values(row)
        stmt = stmt.on_conflict_do_update(
            index_elements=[FsmRecord.key],
            set_={name: stmt.excluded[name] for name in (*values, "updated_at")},
        )
        await self._execute(stmt)

    async def _execute(self, stmt: Any) -> None:
        joined = current_session.get()
        if joined is not None:
            await joined.execute(stmt)  # committed with the update that changed the form
            return
        async with self._sessions.begin() as session:
            await session.execute(stmt)

    async def _load(self, key: StorageKey) -> FsmRecord | None:
        query = select(FsmRecord).where(FsmRecord.key == self._keys.build(key))
        joined = current_session.get()
        if joined is not None:
            return await joined.scalar(query.execution_options(populate_existing=True))
        async with self._sessions() as session:
            return await session.scalar(query)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._upsert(key, state=value)
        await self._forget_if_empty(key)

    async def get_state(self, key: StorageKey) -> str | None:
        record = await self._load(key)
        return record.state if record else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._upsert(key, data=dict(data) or None)
        await self._forget_if_empty(key)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        record = await self._load(key)
        return dict(record.data) if record and record.data else {}

    async def _forget_if_empty(self, key: StorageKey) -> None:
        # Finished forms leave no row behind: nothing about a user is kept longer than needed.
        await self._execute(
            delete(FsmRecord).where(
                FsmRecord.key == self._keys.build(key),
                FsmRecord.state.is_(None),
                FsmRecord.data.is_(None),
            )
        )

    async def close(self) -> None:
        return None
