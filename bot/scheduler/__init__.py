"""APScheduler runs cheap scans of the database; the schedule itself lives in domain data."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)

DELIVERY_INTERVAL_SECONDS = 1.0


def create_scheduler(deliver: Callable[[], Awaitable[int]]) -> AsyncIOScheduler:
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
    return scheduler
