"""Send-rate limits on the injected clock: a global rate and a minimum interval per chat.

Slots are *reserved* synchronously: reading the next free time and booking it happen without an
``await`` in between, so concurrent tasks in one event loop never book the same slot. The caller
then sleeps until its slot through ``clock.sleep`` (virtual time in tests, real time in production).

Times are ``clock.monotonic()`` seconds. The limiter is per process: replicas sharing one bot token
should each get a share of the rate (``DELIVERY_RATE_PER_SECOND`` divided by the replica count).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Literal

from bot.clock import Clock

_PRUNE_THRESHOLD = 10_000


@dataclass(frozen=True)
class Reservation:
    """A booked send slot: ``at`` is a ``clock.monotonic()`` time."""

    chat_id: int
    at: float
    epoch: int


@dataclass(frozen=True)
class Deferred:
    """No slot now: come back in ``seconds`` (the row goes back to the queue meanwhile)."""

    seconds: float
    reason: Literal["chat", "global"]


class RateLimiter:
    def __init__(
        self,
        clock: Clock,
        rate_per_second: float,
        chat_interval: float,
        *,
        max_wait: float = 10.0,
    ) -> None:
        """``rate_per_second <= 0`` or ``chat_interval <= 0`` switch that limit off.

        ``max_wait``: a slot further away than this (e.g. after a long 429 pause) is not booked;
        the caller gets ``Deferred`` and puts the row back instead of holding it.
        """
        self._clock = clock
        self._interval = 1.0 / rate_per_second if rate_per_second > 0 else 0.0
        self._chat_interval = max(0.0, chat_interval)
        self._max_wait = max_wait
        self._next_free = float("-inf")
        self._paused_until = float("-inf")
        # When the latest turns were granted: at most the rate of them within one second.
        self._recent: deque[float] = deque(
            maxlen=max(1, int(rate_per_second)) if self._interval else 0
        )
        self._chat_free: dict[int, float] = {}
        self._epoch = 0
        self._gate = asyncio.Lock()

    @property
    def interval(self) -> float:
        return self._interval

    def chat_wait(self, chat_id: int) -> float:
        """Seconds until ``chat_id`` may receive the next message (0 when it is free now)."""
        return max(0.0, self._chat_free.get(chat_id, float("-inf")) - self._clock.monotonic())

    def global_wait(self) -> float:
        """Seconds until the next global slot (0 when one is free now)."""
        return max(0.0, max(self._next_free, self._paused_until) - self._clock.monotonic())

    def reserve(self, chat_id: int) -> Reservation | Deferred:
        """Book the next global slot for ``chat_id``, or say when to come back.

        A chat that is not free by the time of the global slot is not waited for: one busy chat
        must not stall the batch, so the caller defers that row.
        """
        now = self._clock.monotonic()
        slot = max(now, self._next_free, self._paused_until)
        if slot - now > self._max_wait:
            return Deferred(slot - now, "global")
        chat_free = self._chat_free.get(chat_id, float("-inf"))
        if chat_free > slot:
            return Deferred(chat_free - now, "chat")
        self._book(chat_id, slot)
        return Reservation(chat_id, slot, self._epoch)

    @asynccontextmanager
    async def turn(self, reservation: Reservation) -> AsyncIterator[Reservation | Deferred]:
        """Wait for the reserved slot, in booking order, and hold the turn inside the block.

        Waiters take turns (FIFO) instead of sleeping side by side, and the next one starts
        sleeping only when the block is left. Do the quick bookkeeping that must precede the
        request inside the block and the request itself after it, so the request leaves at the
        slot time also on a virtual clock where every sleep moves time for everybody.

        Yields the reservation waited for (re-booked behind a ``pause`` made meanwhile), or
        ``Deferred`` when a pause moved the slot beyond ``max_wait``.
        """
        async with self._gate:
            yield await self._wait(reservation)

    async def wait(self, reservation: Reservation) -> Reservation | Deferred:
        """``turn`` without a block: returns once the slot is reached."""
        async with self.turn(reservation) as result:
            return result

    async def _wait(self, reservation: Reservation) -> Reservation | Deferred:
        while True:
            if reservation.epoch != self._epoch:
                # Paused after booking (a 429 elsewhere): take a fresh slot behind the pause.
                now = self._clock.monotonic()
                slot = max(now, self._next_free, self._paused_until)
                if slot - now > self._max_wait:
                    return Deferred(slot - now, "global")
                self._book(reservation.chat_id, slot)
                reservation = Reservation(reservation.chat_id, slot, self._epoch)
            now = self._clock.monotonic()
            # After a stall of the loop every slot booked before it is in the past. Late turns
            # may catch up, but never more than the rate within any second, which is how
            # Telegram counts (a sliding window).
            due = reservation.at
            if self._recent.maxlen and len(self._recent) == self._recent.maxlen:
                due = max(due, self._recent[0] + 1.0)
            if due > now:
                await self._clock.sleep(due - now)
                continue
            # Slightly late (sleep overshoot): count the nominal time, or the pace would drift.
            self._recent.append(now if now - due > self._interval else due)
            return reservation

    def pause(self, seconds: float) -> None:
        """Flood control said wait: no global slot before ``seconds`` from now."""
        until = self._clock.monotonic() + max(0.0, seconds)
        if until > self._paused_until:
            self._paused_until = until
            self._epoch += 1

    def _book(self, chat_id: int, slot: float) -> None:
        self._next_free = slot + self._interval
        if self._chat_interval > 0:
            if len(self._chat_free) >= _PRUNE_THRESHOLD:
                self._prune(slot)
            previous = self._chat_free.get(chat_id, float("-inf"))
            self._chat_free[chat_id] = max(previous, slot + self._chat_interval)

    def _prune(self, now: float) -> None:
        self._chat_free = {chat: free for chat, free in self._chat_free.items() if free > now}
