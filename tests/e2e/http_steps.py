"""Steps for the tests that run the production entry point, `bot.app.run`, against the fake
Telegram served over real HTTP: run the bot (long polling or webhook), wait for a reply, tap a
button, pace taps as a person would, and the bounds every wait is held to.

Real seconds pass on both sides; the bot's calendar is set to a calm weekday afternoon
(`calm_clock`), so what the tests see does not depend on when the suite runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import run
from bot.clock import Clock, ShiftedClock, SystemClock
from bot.config import Settings
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.models import Family, SupportLevel
from bot.db.repositories import people as people_repo
from bot.services import families
from bot.services.access import Actor
from tests.conftest import ADMIN_ID, TOKEN, make_settings
from tests.faketg import FakeTelegram, FakeUser, serve_http

START_TIMEOUT = 15.0
REPLY_TIMEOUT = 10.0
DELIVERY_TIMEOUT = 10.0  # the delivery job runs every second
STOP_TIMEOUT = 15.0
WEBHOOK_PATH = "/telegram/webhook"


# A Wednesday, 13:00 in Moscow (the tests' zone): no weekly digest is due and no quiet hours
# hold. On the wall clock, a Monday morning's digest would land in the middle of a test.
CALM_MOMENT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def calm_clock() -> ShiftedClock:
    """Real seconds from CALM_MOMENT; a test shares it with the bot for what it sets up itself."""
    return ShiftedClock.starting_at(CALM_MOMENT)


def free_port() -> int:
    # The webhook URL has to name the port before the bot binds it (test_http_transport has a
    # port-0 test for reading a port the OS picked); a port the OS just handed out is free in
    # practice.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def running(settings: Settings, clock: Clock | None = None) -> AsyncIterator[str | None]:
    """Run the bot as production does (at `calm_clock()` unless given a clock); yield what
    `ready` reports; stop it cleanly after."""
    stop = asyncio.Event()
    ready: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(run(settings, stop=stop, ready=ready, clock=clock or calm_clock()))
    try:
        started: set[asyncio.Future[Any]] = {task, ready}
        done, _ = await asyncio.wait(
            started, timeout=START_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
        )
        if task in done:
            task.result()  # the real error of a failed start
            raise AssertionError("run() returned before the bot was ready")
        assert ready in done, f"the bot was not ready within {START_TIMEOUT} s"
        yield ready.result()
    finally:
        stop.set()
        await asyncio.wait({task}, timeout=STOP_TIMEOUT)
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            raise AssertionError(f"run() did not stop within {STOP_TIMEOUT} s of the stop event")
        task.result()  # a crash of the bot surfaces here, even when the test failed first


async def reply(fake: FakeTelegram, user: FakeUser, predicate: Callable[[str], bool]) -> None:
    """Wait until a bot message the user can see satisfies predicate."""
    await fake.wait_for(lambda: any(predicate(t) for t in user.texts()), REPLY_TIMEOUT)


async def unhurried(fake: FakeTelegram, chat_id: int, room: int) -> None:
    """Real people read before they tap: wait until the chat can take `room` more messages.

    The fake enforces Telegram's per-chat flood control in real time here, and some taps make the
    bot send two messages; a script tapping within milliseconds would be flood-limited where a
    person never is. This waits out exactly the fake's window, no fixed delay.
    """
    wait = fake.seconds_until_room(chat_id, room)
    if wait > 0:
        await asyncio.sleep(wait + 0.05)


async def press(fake: FakeTelegram, user: FakeUser, button: str) -> None:
    """Tap an inline button; wait until the bot answered the callback query."""
    query_id = await user.press(button)
    await fake.wait_for(lambda: fake.callback_answer(query_id) is not None, REPLY_TIMEOUT)


def settings_for(mode: str, tmp_path: Path, api_server: str, **overrides: object) -> Settings:
    values: dict[str, object] = {"telegram_api_server": api_server}
    if mode == "webhook":
        port = free_port()
        values |= {
            "webhook_url": f"http://127.0.0.1:{port}",
            "webhook_host": "127.0.0.1",
            "webhook_port": port,
            "webhook_path": WEBHOOK_PATH,
        }
    values |= overrides
    return make_settings(f"sqlite+aiosqlite:///{tmp_path}/bot.sqlite3", **values)


async def end_abandoned_long_poll(fake: FakeTelegram) -> None:
    """The stopped bot's last getUpdates is still waiting on the fake's side.

    The fake's aiohttp server does not cancel a handler when its client goes away, so closing the
    server would wait out the long poll (aiogram asks for 10 s). A newer getUpdates supersedes it
    at once, as on Telegram (the abandoned one gets the usual 409, which nobody reads).
    """
    if fake.long_polls_waiting:
        status, _ = await fake.handle("getUpdates", {"timeout": 0})
        assert status == 200
        await fake.wait_for(lambda: not fake.long_polls_waiting, 5)


async def join(fake: FakeTelegram, user: FakeUser, token: str | None = None) -> None:
    await user.send_start(token)
    await reply(fake, user, lambda t: "Прежде чем начать" in t)
    await press(fake, user, "✅ Согласен(на)")
    await reply(fake, user, lambda t: "Здравствуйте" in t or "Что хотите сделать?" in t)


async def coordinator_with_family(
    fake: FakeTelegram,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    name: str = "Ивановы",
) -> tuple[FakeUser, Actor, Family]:
    """The admin joins as the coordinator and adds a family in Moscow's zone."""
    admin = fake.user(ADMIN_ID, first_name="Мария")
    await join(fake, admin)
    async with sessions.begin() as session:
        person = await people_repo.by_telegram_id(session, ADMIN_ID)
        assert person is not None
        boss = Actor.of(person)
        family = await families.add(
            session,
            boss,
            name=name,
            category="tzhs",
            support_level=SupportLevel.BASIC,
            timezone="Europe/Moscow",
            known_categories={"tzhs"},
            now=clock.now(),
        )
    return admin, boss, family


@dataclass
class LiveBot:
    """The bot running as production does against the fake over HTTP, with the bot's clock and
    a session factory of its database for what a test sets up or checks itself."""

    fake: FakeTelegram
    clock: ShiftedClock
    sessions: async_sessionmaker[AsyncSession]
    settings: Settings


@asynccontextmanager
async def live_bot(mode: str, tmp_path: Path) -> AsyncIterator[LiveBot]:
    """Serve the fake over HTTP, run the bot (long polling or webhook), stop both cleanly; the
    fake's violations are checked once all is stopped."""
    fake = FakeTelegram(SystemClock(), token=TOKEN, allow_http_webhook=True)
    clock = calm_clock()
    async with serve_http(fake) as server:
        settings = settings_for(mode, tmp_path, server.url)
        async with running(settings, clock):
            engine = create_engine(settings.database_url)
            try:
                yield LiveBot(fake, clock, create_sessionmaker(engine), settings)
            finally:
                await engine.dispose()
        await end_abandoned_long_poll(fake)
    fake.assert_no_violations()
