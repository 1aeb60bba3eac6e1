"""Time as a dependency: production uses the system clock, tests and benches move a manual one."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC datetime."""

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class ShiftedClock(SystemClock):
    """Real time, moved by a fixed offset: seconds pass as they do, from another moment.

    Tests that run the real bot (over HTTP, or as a process) set its calendar with this, so that
    a weekday's digest or the night's quiet hours do not depend on when the suite happens to run.
    Every process given the same offset agrees on the time, across restarts too.
    """

    def __init__(self, offset: timedelta) -> None:
        self.offset = offset

    @classmethod
    def starting_at(cls, moment: datetime) -> ShiftedClock:
        return cls(moment - datetime.now(UTC))

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


class ManualClock:
    """Virtual time: sleeping moves the clock forward at once, so tests never wait."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
        self._mono = 1000.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float = 0.0, **delta: float) -> None:
        step = seconds + timedelta(**delta).total_seconds()
        if step < 0:
            raise ValueError("time only moves forward")
        self._now += timedelta(seconds=step)
        self._mono += step

    def set(self, moment: datetime) -> None:
        self.advance((moment - self._now).total_seconds())

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.advance(seconds)
        await asyncio.sleep(0)


def is_known_zone(name: str) -> bool:
    """An IANA time zone name this system knows (tzdata ships with the bot)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def zone_or(name: str | None, fallback: str = "UTC") -> ZoneInfo:
    """The zone called `name`, or `fallback` when the name is empty or unknown here.

    Zones are checked when a person or family is saved, but a row may predate the check or a
    system may lack a zone: a reminder at a slightly wrong hour beats one that crashes a job.
    """
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo(fallback)


def local_date(moment: datetime, zone: str | ZoneInfo) -> date:
    """The calendar day `moment` falls on in `zone` ("today" for a family is its own today)."""
    return moment.astimezone(zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)).date()
