"""ShiftedClock: the calendar the tests running the real bot set (tests/e2e/transport/bot_at.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import ShiftedClock

WEDNESDAY = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def test_a_shifted_clock_starts_at_its_moment_and_keeps_real_seconds() -> None:
    clock = ShiftedClock.starting_at(WEDNESDAY)
    first = clock.now()
    # The bounds only say "this moment, not the wall clock's": a day either way would be wrong.
    assert WEDNESDAY <= first < WEDNESDAY + timedelta(hours=1)
    assert first.tzinfo is not None and first.utcoffset() == timedelta(0)
    assert clock.now() >= first


def test_clocks_with_one_offset_agree_like_processes_restarted_on_one_calendar() -> None:
    clock = ShiftedClock.starting_at(WEDNESDAY)
    restarted = ShiftedClock(clock.offset)  # what tests/e2e/transport/bot_at.py rebuilds from argv
    assert abs(restarted.now() - clock.now()) < timedelta(hours=1)
    assert ShiftedClock(timedelta(seconds=clock.offset.total_seconds())).offset == clock.offset
