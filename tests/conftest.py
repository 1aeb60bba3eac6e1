"""Shared fixtures: a migrated database, a manual clock, the fake Telegram and the real bot.

The suite runs on SQLite by default. With TEST_DATABASE_URL (postgresql+asyncpg://...) and
TEST_REDIS_URL set, the same tests run on PostgreSQL with Redis FSM storage.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.clock import ManualClock
from bot.config import Settings
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.migrate import upgrade
from bot.db.models import Base
from tests.faketg import FakeSession, FakeTelegram
from tests.harness import BotHarness

ADMIN_ID = 1001
TOKEN = "123456:TEST"
# Monday 23 Nov 2026, 10:00 in Moscow: inside the day, outside quiet hours.
START = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("TEST_REDIS_URL") or None
ON_POSTGRES = PG_URL.startswith("postgresql")


def pytest_report_header() -> str:
    backend = "PostgreSQL" if ON_POSTGRES else "SQLite"
    return f"database: {backend}; FSM storage: {'Redis' if REDIS_URL else 'database'}"


async def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Migrate once per run; each test then gets a copy (SQLite) or truncated tables (PG)."""
    if ON_POSTGRES:
        import asyncio

        asyncio.run(_reset_postgres(PG_URL))
        upgrade(PG_URL)
        yield PG_URL
        return
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    upgrade(f"sqlite+aiosqlite:///{path}")
    yield str(path)


@pytest.fixture
def database_url(migrated_template: str, tmp_path: Path) -> str:
    if ON_POSTGRES:
        return migrated_template
    target = tmp_path / "bot.sqlite3"
    shutil.copyfile(migrated_template, target)
    return f"sqlite+aiosqlite:///{target}"


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    if ON_POSTGRES:
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield engine
    await engine.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "bot_token": TOKEN,
        "admin_ids": [ADMIN_ID],
        "database_url": database_url,
        "redis_url": REDIS_URL,
        "default_timezone": "Europe/Moscow",
        "default_locale": "ru",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture
async def redis_flushed() -> AsyncIterator[None]:
    if REDIS_URL:
        from redis.asyncio import Redis

        client = Redis.from_url(REDIS_URL)
        await client.flushdb()
        await client.aclose()
    yield


@pytest.fixture
async def fake(clock: ManualClock) -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram(clock, token=TOKEN)
    yield fake
    await fake.close()


@pytest.fixture
async def app(
    settings: Settings,
    engine: AsyncEngine,
    clock: ManualClock,
    fake: FakeTelegram,
    redis_flushed: None,
) -> AsyncIterator[BotHarness]:
    harness = BotHarness(settings, engine, clock, fake, session_factory=lambda: FakeSession(fake))
    await harness.start()
    yield harness
    await harness.stop()
    fake.assert_no_violations()


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session on the test database, for service-level tests."""
    async with create_sessionmaker(engine)() as session:
        yield session
