"""The database FSM storage: forms survive a restart, finished forms leave no row, and the
SQLite read cache never shows what a rolled-back update wrote."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.clock import ManualClock
from bot.db.current import current_session
from bot.db.engine import create_sessionmaker
from bot.db.fsm_storage import SqlStorage
from bot.db.models import FsmRecord

KEY = StorageKey(bot_id=1, chat_id=42, user_id=42)
STACK = StorageKey(bot_id=1, chat_id=42, user_id=42, destiny="aiogd_stack")


@asynccontextmanager
async def in_update(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session joined the way DbSessionMiddleware joins an update's; the caller ends it."""
    async with create_sessionmaker(engine)() as session:
        token = current_session.set(session)
        try:
            yield session
        finally:
            current_session.reset(token)


async def rows(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(FsmRecord))).scalar_one()


@pytest.fixture(params=[True, False], ids=["cached", "uncached"])
def storage(request: pytest.FixtureRequest, engine: AsyncEngine, clock: ManualClock) -> SqlStorage:
    return SqlStorage(engine, clock, cache=request.param)


async def test_state_and_data_survive_a_restart(
    storage: SqlStorage, engine: AsyncEngine, clock: ManualClock
) -> None:
    await storage.set_state(KEY, "Form:name")
    await storage.set_data(KEY, {"name": "Орловы", "nested": {"page": 2}})
    restarted = SqlStorage(engine, clock)
    assert await restarted.get_state(KEY) == "Form:name"
    assert await restarted.get_data(KEY) == {"name": "Орловы", "nested": {"page": 2}}
    assert await restarted.get_state(STACK) is None
    assert await restarted.get_data(STACK) == {}


async def test_a_finished_form_leaves_no_row(storage: SqlStorage, engine: AsyncEngine) -> None:
    await storage.set_state(KEY, "Form:name")
    await storage.set_data(KEY, {"name": "x"})
    await storage.set_data(STACK, {"intents": ["a"]})
    assert await rows(engine) == 2
    await storage.set_state(KEY, None)
    assert await rows(engine) == 2  # data still there
    await storage.set_data(KEY, {})
    await storage.set_data(STACK, {})
    assert await rows(engine) == 0
    assert await storage.get_state(KEY) is None
    assert await storage.get_data(KEY) == {}


async def test_a_returned_dict_changed_by_the_caller_changes_nothing(storage: SqlStorage) -> None:
    await storage.set_data(KEY, {"nested": {"page": 2}})
    got = await storage.get_data(KEY)
    got["nested"]["page"] = 99
    assert await storage.get_data(KEY) == {"nested": {"page": 2}}


async def test_writes_inside_an_update_commit_with_it(
    storage: SqlStorage, engine: AsyncEngine, clock: ManualClock
) -> None:
    async with in_update(engine) as session:
        await storage.set_state(KEY, "Form:name")
        await storage.set_data(KEY, {"step": 1})
        # Seen within the update, not yet by anyone else.
        assert await storage.get_state(KEY) == "Form:name"
        assert await storage.get_data(KEY) == {"step": 1}
        token = current_session.set(None)
        assert await SqlStorage(engine, clock).get_state(KEY) is None
        current_session.reset(token)
        await session.commit()
    assert await storage.get_state(KEY) == "Form:name"
    assert await SqlStorage(engine, clock).get_data(KEY) == {"step": 1}


async def test_a_rolled_back_update_leaves_the_form_as_it_was(
    storage: SqlStorage, engine: AsyncEngine
) -> None:
    await storage.set_state(KEY, "Form:name")
    await storage.set_data(KEY, {"step": 1})
    async with in_update(engine) as session:
        await storage.set_state(KEY, "Form:category")
        await storage.set_data(KEY, {"step": 2})
        await session.rollback()
    assert await storage.get_state(KEY) == "Form:name"
    assert await storage.get_data(KEY) == {"step": 1}


async def test_the_cache_is_sqlite_only_by_default(engine: AsyncEngine) -> None:
    storage = SqlStorage(engine)
    assert storage._cache_on == (engine.dialect.name == "sqlite")
