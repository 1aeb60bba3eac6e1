"""Bot API faults during a large delivery: 429 storms, 5xx bursts, timeouts, dropped connections.

The fake answers with the faults a test plans (tests/faketg/faults.py) and stays strict otherwise.
What must hold: every message reaches its chat at most once; transient faults are retried with
backoff a bounded number of times, then the row fails with a reason; a connection dropped after
the request left fails the row as interrupted instead of resending it; people keep being served.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import ManualClock
from bot.content import Content
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.migrate import upgrade_async
from bot.db.models import OutboxStatus
from bot.delivery import OutboxSender
from bot.delivery.ratelimit import Deferred, RateLimiter, Reservation
from bot.delivery.sender import DROPPED, TIMEOUT
from bot.i18n import Translator
from bot.i18n.telegram import create_i18n
from tests.conftest import ADMIN_ID, TOKEN, make_settings
from tests.e2e.outbox_queue import queue_messages, rows_by_chat
from tests.faketg import FakeTelegram
from tests.faketg.faults import DISCONNECT, HANG, server_error, too_many_requests
from tests.faketg.http import serve_http
from tests.harness import BotHarness

MENU = "Что хотите сделать?"


def delivered(fake: FakeTelegram, chats: list[int]) -> Counter[int]:
    """Messages each chat really holds, counted on the fake's side."""
    return Counter(
        {chat: len(fake.chat_messages(chat)) for chat in chats if fake.chat_messages(chat)}
    )


def flood_429s(fake: FakeTelegram) -> int:
    """429s the fake's own flood control gave (not the injected ones)."""
    return sum(1 for c in fake.calls if c.status == 429) - fake.faults.count("status", 429)


async def test_a_429_storm_is_waited_out_and_people_are_still_served(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    chats = await queue_messages(app.sessionmaker, app.fake, 300)
    # 40 refusals in a row for the delivery's recipients, each asking for 5 s.
    app.fake.faults.next("sendMessage", too_many_requests(5), times=40, chats=chats)
    start = app.clock.now()

    delivery = asyncio.create_task(app.sender.drain())
    await asyncio.sleep(0)
    await admin.send_command("start")  # during the storm
    assert MENU in admin.last_text()
    await asyncio.wait_for(delivery, 60)

    rows = await rows_by_chat(app.sessionmaker)
    assert Counter(row.status for row in rows.values()) == {OutboxStatus.SENT: 300}
    assert delivered(app.fake, chats) == Counter(dict.fromkeys(chats, 1))
    assert app.fake.faults.pending() == 0
    assert app.sender.stats.retried_429 == 40
    assert flood_429s(app.fake) == 0
    # Each refusal paused everything for its 5 s: the first message went out 200 s later.
    first = min(m.date for chat in chats for m in app.fake.chat_messages(chat))
    assert first - start.timestamp() >= 40 * 5


async def test_5xx_and_timeouts_are_retried_with_backoff_then_fail_with_a_reason(
    app: BotHarness,
) -> None:
    chats = await queue_messages(app.sessionmaker, app.fake, 300)
    broken_server, silent, flaky = chats[0], chats[1], chats[2]
    faults = app.fake.faults
    faults.next("sendMessage", server_error(502), times=30, chats=chats[10:])  # a burst
    faults.next("sendMessage", server_error(500), times=5, chats=[broken_server])  # every attempt
    faults.next("sendMessage", HANG, times=5, chats=[silent])
    faults.next("sendMessage", HANG, times=2, chats=[flaky])  # then it answers
    start = app.clock.now()

    await app.sender.drain()

    rows = await rows_by_chat(app.sessionmaker)
    assert rows[broken_server].status == OutboxStatus.FAILED
    assert rows[broken_server].attempts == app.settings.delivery_max_attempts == 5
    assert rows[broken_server].last_error == "server error: Internal Server Error"
    assert rows[silent].status == OutboxStatus.FAILED
    assert rows[silent].last_error == TIMEOUT
    assert rows[flaky].status == OutboxStatus.SENT and rows[flaky].attempts == 2
    # backoff 2, 4 s plus two request timeouts of 20 s on the virtual clock
    sent_at = rows[flaky].sent_at
    assert sent_at is not None and (sent_at - start).total_seconds() >= 2 + 4 + 2 * 20
    others = [chat for chat in chats if chat not in (broken_server, silent)]
    assert all(rows[chat].status == OutboxStatus.SENT for chat in others)
    assert delivered(app.fake, chats) == Counter(dict.fromkeys(others, 1))
    assert faults.pending() == 0
    assert flood_429s(app.fake) == 0


async def test_a_dropped_connection_fails_the_row_instead_of_sending_twice(
    app: BotHarness,
) -> None:
    chats = await queue_messages(app.sessionmaker, app.fake, 20)
    dropped = chats[:3]
    app.fake.faults.next("sendMessage", DISCONNECT, times=3, chats=dropped)

    await app.sender.drain()

    rows = await rows_by_chat(app.sessionmaker)
    for chat in dropped:
        assert rows[chat].status == OutboxStatus.FAILED
        assert rows[chat].last_error == DROPPED
    # Telegram had delivered them: exactly once, never resent.
    assert delivered(app.fake, chats) == Counter(dict.fromkeys(chats, 1))
    assert app.sender.stats.interrupted == 3


# ---------------------------------------------------------------------------- over real HTTP


@pytest.fixture
async def http_sessionmaker(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'faults.sqlite3'}"
    await upgrade_async(url)
    engine = create_engine(url)
    try:
        yield create_sessionmaker(engine)
    finally:
        await engine.dispose()


async def test_faults_over_http_storm_drops_and_hangs(
    http_sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    """Real sockets: a dropped connection is aiohttp's ServerDisconnectedError, a hang a real
    client timeout (1 s here). Time for pacing stays virtual."""
    clock = ManualClock()
    fake = FakeTelegram(clock, token=TOKEN)
    chats = await queue_messages(http_sessionmaker, fake, 60)
    dropped, hung, storm = chats[0], chats[1], chats[10:]
    fake.faults.next("sendMessage", DISCONNECT, chats=[dropped])
    fake.faults.next("sendMessage", HANG, chats=[hung])  # once; the retry goes through
    fake.faults.next("sendMessage", too_many_requests(3), times=5, chats=storm)
    fake.faults.next("sendMessage", server_error(502), times=5, chats=storm)
    i18n = create_i18n("ru")
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'unused.sqlite3'}")
    async with serve_http(fake) as server:
        bot = Bot(
            TOKEN,
            session=AiohttpSession(api=TelegramAPIServer.from_base(server.url)),
            default=DefaultBotProperties(parse_mode=ParseMode.HTML),
        )
        sender = OutboxSender(
            bot,
            http_sessionmaker,
            clock,
            settings,
            lambda locale: Translator(i18n, locale),
            content=Content(),
            request_timeout=1,
        )
        try:
            await asyncio.wait_for(sender.drain(), 60)
        finally:
            await bot.session.close()

    rows = await rows_by_chat(http_sessionmaker)
    assert rows[dropped].status == OutboxStatus.FAILED
    assert rows[dropped].last_error == DROPPED
    assert rows[hung].status == OutboxStatus.SENT and rows[hung].attempts == 1
    assert all(rows[chat].status == OutboxStatus.SENT for chat in chats if chat != dropped)
    assert delivered(fake, chats) == Counter(dict.fromkeys(chats, 1))
    assert fake.faults.pending() == 0
    assert flood_429s(fake) == 0
    fake.assert_no_violations()


# ---------------------------------------------------------------------------- a stalled loop


async def test_slots_booked_before_an_event_loop_stall_are_not_sent_back_to_back() -> None:
    """The limiter books slots ahead; if the loop then stalls (a long synchronous step, a busy
    machine) past many of them, the late turns must still be spaced, not released in a burst
    that Telegram's sliding window answers with 429."""
    clock = ManualClock()
    limiter = RateLimiter(clock, rate_per_second=25, chat_interval=1.0)
    reservations = [limiter.reserve(chat) for chat in range(50)]
    clock.advance(3.0)  # the loop stalled for 3 s after booking: 2 s of slots are now past
    granted: list[float] = []

    async def take_turn(reservation: Reservation | Deferred) -> None:
        assert isinstance(reservation, Reservation)
        async with limiter.turn(reservation) as slot:
            assert isinstance(slot, Reservation)
            granted.append(clock.monotonic())

    await asyncio.gather(*(take_turn(r) for r in reservations))
    busiest = max(sum(1 for t in granted if start <= t < start + 1.0) for start in granted)
    assert busiest <= 25, f"{busiest} sends within one second"  # Telegram allows 30
    assert granted[-1] - granted[0] < 2.0  # the late ones caught up, nothing was lost
