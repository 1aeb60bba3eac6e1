"""SQLite writers of one process take turns in arrival order (bot/db/sqlite_gate.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextvars import ContextVar
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.db import sqlite_gate
from bot.db.engine import create_engine, create_sessionmaker
from bot.middlewares.db import is_database_outage

INSERT = text("INSERT INTO marks (who) VALUES (:who)")


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'gate.sqlite3'}")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE marks (who TEXT)"))
    yield engine
    await engine.dispose()


def turns(engine: AsyncEngine) -> sqlite_gate.WriteTurns:
    found = sqlite_gate.turns_of(engine.sync_engine)
    assert found is not None
    return found


def arrivals(gate: sqlite_gate.WriteTurns, monkeypatch: pytest.MonkeyPatch) -> asyncio.Queue[str]:
    """A queue that gets each writer's name as it starts waiting for its turn."""
    queue: asyncio.Queue[str] = asyncio.Queue()
    take = gate.take

    async def announced(dbapi_connection: object) -> None:
        queue.put_nowait(current_writer.get())
        await take(dbapi_connection)

    monkeypatch.setattr(gate, "take", announced)
    return queue


current_writer: ContextVar[str] = ContextVar("current_writer", default="?")


async def marks(engine: AsyncEngine) -> list[str]:
    async with create_sessionmaker(engine)() as session:
        return list(await session.scalars(text("SELECT who FROM marks ORDER BY rowid")))


async def test_writers_wait_for_the_turn_and_get_it_in_arrival_order(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions = create_sessionmaker(engine)
    gate = turns(engine)
    first = sessions()
    await first.execute(INSERT, {"who": "first"})  # holds the turn until it commits
    assert gate.taken
    arrived = arrivals(gate, monkeypatch)

    async def write(who: str) -> None:
        current_writer.set(who)
        async with sessions() as session:
            await session.execute(INSERT, {"who": who})
            await session.commit()

    second = asyncio.create_task(write("second"))
    assert await arrived.get() == "second"
    third = asyncio.create_task(write("third"))
    assert await arrived.get() == "third"
    assert gate.waiting == 2
    # A reader does not wait for the writer.
    assert await marks(engine) == []
    await first.commit()
    await first.close()
    await asyncio.gather(second, third)
    assert await marks(engine) == ["first", "second", "third"]
    assert not gate.taken and gate.waiting == 0


async def test_a_transaction_keeps_its_turn_across_statements(engine: AsyncEngine) -> None:
    async with create_sessionmaker(engine)() as session:
        for who in ("a", "b", "c"):
            await session.execute(INSERT, {"who": who})
        await session.execute(text("UPDATE marks SET who = who || '!'"))
        await session.commit()
    assert await marks(engine) == ["a!", "b!", "c!"]
    assert not turns(engine).taken


async def test_a_rollback_or_a_lost_connection_hands_the_turn_on(engine: AsyncEngine) -> None:
    sessions = create_sessionmaker(engine)
    gate = turns(engine)
    async with sessions() as session:
        await session.execute(INSERT, {"who": "rolled back"})
        assert gate.taken
        await session.rollback()
        assert not gate.taken
    async with sessions() as session:
        await session.execute(INSERT, {"who": "lost"})
        assert gate.taken
        await (await session.connection()).invalidate()
        assert not gate.taken
    async with sessions() as session:  # a session closed with its write pending
        await session.execute(INSERT, {"who": "closed"})
    assert not gate.taken
    async with sessions() as session:
        await session.execute(INSERT, {"who": "kept"})
        await session.commit()
    assert await marks(engine) == ["kept"]


async def test_no_turn_within_the_timeout_is_a_database_outage(engine: AsyncEngine) -> None:
    sessions = create_sessionmaker(engine)
    gate = turns(engine)
    holder: AsyncSession = sessions()
    await holder.execute(INSERT, {"who": "holder"})
    gate.timeout = 0  # as if the busy timeout had passed
    try:
        async with sessions() as session:
            with pytest.raises(Exception) as caught:
                await session.execute(INSERT, {"who": "late"})
        assert is_database_outage(caught.value)
        assert "late" not in str(caught.value)  # no parameters: they may be names or texts
        assert gate.waiting == 0
    finally:
        await holder.commit()
        await holder.close()
    assert await marks(engine) == ["holder"]
