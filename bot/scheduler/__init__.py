"""APScheduler runs cheap scans of the database; the schedule itself lives in domain data."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.content import Content
from bot.scheduler.jobs import guarded, run_due_jobs, scans

log = logging.getLogger(__name__)

DELIVERY_INTERVAL_SECONDS = 1.0

__all__ = ["DELIVERY_INTERVAL_SECONDS", "create_scheduler", "run_due_jobs", "stop_gently"]


def create_scheduler(
    deliver: Callable[[], Awaitable[int]],
    *,
    sessionmaker: async_sessionmaker[AsyncSession] | None = None,
    clock: Clock | None = None,
    settings: Settings | None = None,
    content: Content | None = None,
    in_flight: set[asyncio.Task[Any]] | None = None,
) -> AsyncIOScheduler:
    """The delivery loop, and with sessionmaker, clock, settings and content the domain scans
    too."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    # One run at a time; a run that is late is merged into the next instead of piling up.
    scheduler.add_job(
        deliver,
        "interval",
        seconds=DELIVERY_INTERVAL_SECONDS,
        id="deliver_outbox",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=30,
    )
    if (
        sessionmaker is not None
        and clock is not None
        and settings is not None
        and content is not None
    ):
        # Each scan also runs once right at start: what fell due while the bot was down (a
        # weekly release, a reminder) goes out now, not one interval later.
        first_run = datetime.now(UTC)
        for spec in scans(content):
            scheduler.add_job(
                guarded,
                "interval",
                args=(spec.job, sessionmaker, clock, settings, in_flight),
                seconds=spec.seconds,
                id=spec.job.__name__,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=max(30, int(spec.seconds)),
                next_run_time=first_run,
            )
    return scheduler


async def stop_gently(
    scheduler: AsyncIOScheduler, in_flight: set[asyncio.Task[Any]], grace: float
) -> None:
    """No new runs; those already handed to the executor finish (within `grace` seconds); then
    the scheduler shuts down, cancelling (and logging with a traceback) whatever still runs.

    A run handed over just before the pause has a task that has not taken its first step, so it
    is not in `in_flight` yet: one turn of the event loop lets it start and register."""
    if not scheduler.running:
        return
    scheduler.pause()
    await asyncio.sleep(0)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace
    while in_flight and (left := deadline - loop.time()) > 0:
        await asyncio.wait(set(in_flight), timeout=left)
    scheduler.shutdown(wait=False)
