"""The delivery rate limiter on virtual time."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from bot.clock import ManualClock
from bot.delivery.ratelimit import Deferred, RateLimiter, Reservation


def booked(result: Reservation | Deferred) -> Reservation:
    assert isinstance(result, Reservation), result
    return result


def test_global_slots_are_spaced_by_the_rate() -> None:
    clock = ManualClock()
    limiter = RateLimiter(clock, rate_per_second=20, chat_interval=1.0)
    start = clock.monotonic()
    slots = [booked(limiter.reserve(chat)).at - start for chat in range(5)]
    assert slots == pytest.approx([0.0, 0.05, 0.10, 0.15, 0.20])


def test_a_busy_chat_is_deferred_not_waited_for() -> None:
    clock = ManualClock()
    limiter = RateLimiter(clock, rate_per_second=20, chat_interval=1.0)
    booked(limiter.reserve(7))
    assert limiter.chat_wait(7) == pytest.approx(1.0)
    again = limiter.reserve(7)
    assert isinstance(again, Deferred)
    assert again.reason == "chat"
    assert again.seconds == pytest.approx(1.0)
    # Other chats are not held up, and the deferral booked nothing.
    assert booked(limiter.reserve(8)).at - clock.monotonic() == pytest.approx(0.05)
    clock.advance(1.0)
    assert limiter.chat_wait(7) == 0.0
    booked(limiter.reserve(7))


def test_a_chat_free_by_its_global_slot_is_booked() -> None:
    clock = ManualClock()
    limiter = RateLimiter(clock, rate_per_second=1, chat_interval=0.5)
    booked(limiter.reserve(1))
    # The next global slot is 1 s away, the chat is free after 0.5 s: no deferral needed.
    assert booked(limiter.reserve(1)).at - clock.monotonic() == pytest.approx(1.0)


async def test_concurrent_waiters_never_share_a_slot() -> None:
    clock = ManualClock()
    limiter = RateLimiter(clock, rate_per_second=10, chat_interval=0)
    sent_at: list[float] = []

    async def one(chat: int) -> None:
        slot = await limiter.wait(booked(limiter.reserve(chat)))
        assert isinstance(slot, Reservation)
        sent_at.append(clock.monotonic())

    start = clock.monotonic()
    await asyncio.gather(*(one(chat) for chat in range(20)))
    gaps = [b - a for a, b in itertools.pairwise(sent_at)]
    assert min(gaps) >= 0.1 - 1e-9
    assert sent_at[-1] - start == pytest.approx(1.9)


async def test_pause_moves_slots_booked_before_it() -> None:
    clock = ManualClock()
    limiter = RateLimiter(clock, rate_per_second=10, chat_interval=0)
    first = booked(limiter.reserve(1))
    second = booked(limiter.reserve(2))
    limiter.pause(3)
    start = clock.monotonic()
    done = await limiter.wait(first)
    assert isinstance(done, Reservation)
    assert done.at - start == pytest.approx(3.0)
    later = await limiter.wait(second)
    assert isinstance(later, Reservation)
    assert later.at - start == pytest.approx(3.1)
    assert limiter.global_wait() == pytest.approx(0.1)


async def test_a_long_pause_defers_instead_of_holding() -> None:
    clock = ManualClock()
    limiter = RateLimiter(clock, rate_per_second=10, chat_interval=1, max_wait=5)
    waiting = booked(limiter.reserve(1))
    limiter.pause(30)
    result = await limiter.wait(waiting)
    assert isinstance(result, Deferred)
    assert result.reason == "global"
    assert result.seconds == pytest.approx(30)
    fresh = limiter.reserve(2)
    assert isinstance(fresh, Deferred)
    assert fresh.seconds == pytest.approx(30)


def test_limits_can_be_switched_off() -> None:
    clock = ManualClock()
    limiter = RateLimiter(clock, rate_per_second=0, chat_interval=0)
    for _ in range(100):
        assert booked(limiter.reserve(1)).at == clock.monotonic()
