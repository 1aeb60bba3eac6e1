"""A reply Telegram throttles (429) is sent again after retry_after; the outbox sender keeps its
own handling (the 429 reaches it at once)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramRetryAfter

from bot.clock import ManualClock
from bot.config import Settings
from bot.delivery.retry import LONGEST_WAIT, caller_handles_retry_after
from bot.factory import create_bot
from tests.conftest import TOKEN
from tests.faketg import FakeSession, FakeTelegram

CHAT = 7001


@pytest.fixture
async def world(clock: ManualClock) -> AsyncIterator[tuple[FakeTelegram, Bot]]:
    fake = FakeTelegram(clock, token=TOKEN)
    fake.user(CHAT, first_name="Анна")
    fake.mark_started(CHAT)
    settings = Settings(_env_file=None, bot_token=TOKEN)  # type: ignore[call-arg]
    bot = create_bot(settings, session=FakeSession(fake), clock=clock)
    yield fake, bot
    await bot.session.close()


async def test_a_burst_of_replies_in_one_chat_all_arrive(
    world: tuple[FakeTelegram, Bot], clock: ManualClock
) -> None:
    fake, bot = world
    started = clock.monotonic()
    for n in range(6):
        await bot.send_message(CHAT, f"ответ {n}")
    sent = [c for c in fake.calls if c.method == "sendMessage"]
    assert [c.status for c in sent].count(200) == 6
    assert any(c.status == 429 for c in sent)  # Telegram did refuse some...
    assert clock.monotonic() > started  # ...and the bot waited as told before trying again
    fake.assert_no_violations()


async def test_the_outbox_sender_gets_the_429_itself(world: tuple[FakeTelegram, Bot]) -> None:
    _fake, bot = world
    with caller_handles_retry_after(), pytest.raises(TelegramRetryAfter):
        for n in range(6):
            await bot.send_message(CHAT, f"ответ {n}")


async def test_a_long_retry_after_is_not_waited_for(world: tuple[FakeTelegram, Bot]) -> None:
    fake, bot = world
    fake.global_limit = 1  # one message a second in all: the fake names a long wait
    fake.chat_window = LONGEST_WAIT * 10.0
    fake.chat_limit = 1
    await bot.send_message(CHAT, "первый")
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(CHAT, "второй")
    assert caught.value.retry_after > LONGEST_WAIT
