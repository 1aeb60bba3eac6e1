"""The database goes away for a while: people are told briefly, nothing crashes, all recovers.

A small TCP proxy in front of PostgreSQL stands for the server: cutting it closes every open
connection and refuses new ones, as a stopped server does; restoring it lets the pool reconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import ManualClock
from bot.config import Settings
from bot.db.engine import create_engine
from bot.db.models import OutboxStatus
from bot.middlewares.db import is_database_outage
from tests.conftest import ADMIN_ID, ON_POSTGRES
from tests.e2e.outbox_queue import queue_messages, rows_by_chat
from tests.faketg import FakeSession, FakeTelegram
from tests.harness import BotHarness

pytestmark = pytest.mark.skipif(
    not ON_POSTGRES,
    reason="SQLite is a file inside the bot's own process: it cannot go away like a server; "
    "a locked file is waited for (busy_timeout 30 s) rather than reported",
)

UNAVAILABLE = "Бот временно недоступен"
MENU = "Что хотите сделать?"


class DatabaseProxy:
    """Pipes TCP connections to the database; `cut()` drops them all, `restore()` lets them in."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.up = True
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def cut(self) -> None:
        self.up = False
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    def restore(self) -> None:
        self.up = True

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.up:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers |= {writer, up_writer}
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pipe(source, sink))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            self._writers.discard(sink)
            sink.transport.abort()


def through(url: str, port: int) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    host = f"127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host))


@pytest.fixture
async def proxied(
    settings: Settings,
    engine: AsyncEngine,  # truncates the tables
    clock: ManualClock,
    fake: FakeTelegram,
    redis_flushed: None,
) -> AsyncIterator[tuple[BotHarness, DatabaseProxy]]:
    target = urlsplit(settings.database_url)
    proxy = DatabaseProxy(target.hostname or "127.0.0.1", target.port or 5432)
    await proxy.start()
    url = through(settings.database_url, proxy.port)
    proxied_engine = create_engine(url)
    harness = BotHarness(
        settings.model_copy(update={"database_url": url}),
        proxied_engine,
        clock,
        fake,
        session_factory=lambda: FakeSession(fake),
    )
    await harness.start()
    try:
        yield harness, proxy
    finally:
        proxy.restore()
        await harness.stop()
        await proxied_engine.dispose()
        await proxy.stop()
    fake.assert_no_violations()


async def test_people_hear_it_is_temporary_and_everything_recovers(
    proxied: tuple[BotHarness, DatabaseProxy], caplog: pytest.LogCaptureFixture
) -> None:
    app, proxy = proxied
    admin = await app.admin(ADMIN_ID)
    chats = await queue_messages(app.sessionmaker, app.fake, 5)

    proxy.cut()
    with caplog.at_level(logging.WARNING, logger="bot"):
        await admin.send_command("start")
        assert UNAVAILABLE in admin.last_text()
        await admin.send_text("Иванова")
        assert UNAVAILABLE in admin.last_text()
        with pytest.raises(Exception) as raised:
            await app.sender.run_once()  # the scheduler logs it and tries again next second
    outage_lines = [r for r in caplog.records if "database unavailable" in r.getMessage()]
    assert len(outage_lines) == 2, [r.getMessage() for r in caplog.records]
    assert all("Иванова" not in r.getMessage() for r in caplog.records)
    assert is_database_outage(raised.value), repr(raised.value)

    proxy.restore()
    await admin.send_command("start")
    assert MENU in admin.last_text()
    await app.deliver()
    rows = await rows_by_chat(app.sessionmaker)
    assert {row.status for row in rows.values()} == {OutboxStatus.SENT}
    assert all(len(app.fake.chat_messages(chat)) == 1 for chat in chats)
