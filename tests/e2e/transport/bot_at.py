"""`python -m tests.e2e.transport.bot_at OFFSET_SECONDS [command]`: `python -m bot`, its clock
moved.

The tests that run the bot as a process set its calendar with this, as `calm_clock` does for the
bot run in the test's own process: real seconds pass, from a moment that does not depend on when
the suite runs (see `bot.clock.ShiftedClock`). Processes given the same offset agree on the time.
"""

from __future__ import annotations

import sys
from datetime import timedelta

from bot.__main__ import main
from bot.clock import ShiftedClock


def command(offset: timedelta, *args: str) -> list[str]:
    """The argv that runs the bot with `offset`: `python -m bot <args>` otherwise."""
    return [sys.executable, "-m", __name__, str(offset.total_seconds()), *args]


if __name__ == "__main__":
    main(sys.argv[2:], clock=ShiftedClock(timedelta(seconds=float(sys.argv[1]))))
