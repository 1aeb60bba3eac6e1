"""Scheduler jobs: cheap scans of domain data that add outbox rows; the sender delivers them.

Each job opens its own transaction and calls a service. The schedule lives in the data (a
concern's next_alert_at, visits' dates, people's time zones), and every row a job adds has a
unique outbox key, so a restart, a late run or a second replica never sends anything twice.
Tests call these functions directly after moving the manual clock; production runs them from
APScheduler (bot/scheduler/__init__.py).
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.content import Content
from bot.content.programmes import Programme
from bot.services import (
    case_plans,
    concerns,
    consilium,
    digest,
    homework,
    homework_review,
    meeting_decisions,
    meetings,
    privacy,
    programme_follow_ups,
    reminders,
)

log = logging.getLogger(__name__)

Sessionmaker = async_sessionmaker[AsyncSession]
Job = Callable[[Sessionmaker, Clock, Settings], Awaitable[int]]


async def run_concern_alerts(sessionmaker: Sessionmaker, clock: Clock, settings: Settings) -> int:
    """Alerts (first ones and re-alerts) of safety concerns nobody has taken on yet."""
    async with sessionmaker.begin() as session:
        return await concerns.send_due_alerts(session, clock.now(), settings)


async def run_mentor_reminders(sessionmaker: Sessionmaker, clock: Clock, settings: Settings) -> int:
    """Planned-visit reminders and no-visit nudges due by now in each mentor's zone."""
    async with sessionmaker.begin() as session:
        return await reminders.enqueue_due(session, clock.now(), settings)


async def run_weekly_digest(sessionmaker: Sessionmaker, clock: Clock, settings: Settings) -> int:
    """This week's digest for coordinators whose digest day and time have come."""
    async with sessionmaker.begin() as session:
        return await digest.enqueue_due(session, clock.now(), settings)


def homework_release(programmes: Mapping[str, Programme]) -> Job:
    """The release job for these programmes (the loaded content's)."""

    async def run_homework_release(
        sessionmaker: Sessionmaker, clock: Clock, settings: Settings
    ) -> int:
        """Weekly programme releases due by now (and completions after the last week),
        committed batch by batch: a slot of thousands of families never holds the database
        for long."""
        now, queued = clock.now(), 0
        while True:
            async with sessionmaker.begin() as session:
                batch = await homework.release_due(session, now, programmes)
            queued += batch.messages
            if batch.examined < homework.RELEASE_BATCH:
                return queued

    return run_homework_release


async def run_homework_reminders(
    sessionmaker: Sessionmaker, clock: Clock, settings: Settings
) -> int:
    """Parents' reminders for weeks not handed in by the due time."""
    async with sessionmaker.begin() as session:
        return await homework.enqueue_reminders(session, clock.now())


async def run_questionnaire_reminders(
    sessionmaker: Sessionmaker, clock: Clock, settings: Settings
) -> int:
    """One reminder of a questionnaire left unanswered two days, at the family's daytime."""
    async with sessionmaker.begin() as session:
        return await homework.enqueue_questionnaire_reminders(
            session, clock.now(), settings.quiet_hours_start, settings.quiet_hours_end
        )


def questionnaire_follow_ups(programmes: Mapping[str, Programme]) -> Job:
    """The follow-up scan for these programmes (their follow-up months)."""

    async def run_questionnaire_follow_ups(
        sessionmaker: Sessionmaker, clock: Clock, settings: Settings
    ) -> int:
        """The questionnaire again months after a programme: planned, cancelled when the case
        closed otherwise, released and reminded once at the family's daytime."""
        async with sessionmaker.begin() as session:
            result = await programme_follow_ups.scan(
                session,
                clock.now(),
                programmes,
                settings.quiet_hours_start,
                settings.quiet_hours_end,
            )
        return result.messages

    return run_questionnaire_follow_ups


async def run_homework_digest(sessionmaker: Sessionmaker, clock: Clock, settings: Settings) -> int:
    """Mentors' digest of hand-ins, once per period."""
    async with sessionmaker.begin() as session:
        return await homework_review.enqueue_digests(session, clock.now(), settings)


async def run_meeting_reminders(
    sessionmaker: Sessionmaker, clock: Clock, settings: Settings
) -> int:
    """Network meeting reminders 24 h and 2 h before, to those who said yes or maybe."""
    async with sessionmaker.begin() as session:
        return await meetings.enqueue_reminders(session, clock.now(), settings)


async def run_meeting_decisions(
    sessionmaker: Sessionmaker, clock: Clock, settings: Settings
) -> int:
    """Coordinators' reminders of decisions due and of the follow-up two weeks after a meeting."""
    async with sessionmaker.begin() as session:
        return await meeting_decisions.enqueue_due(session, clock.now(), settings)


async def run_case_reviews(sessionmaker: Sessionmaker, clock: Clock, settings: Settings) -> int:
    """The day-before reminders of consiliums and final meetings, at the recipient's 10:00."""
    async with sessionmaker.begin() as session:
        return await consilium.enqueue_due(session, clock.now(), settings)


async def run_plan_reminders(sessionmaker: Sessionmaker, clock: Clock, settings: Settings) -> int:
    """Reminders of plan tasks' deadlines: a few days before and the day after, local time."""
    async with sessionmaker.begin() as session:
        return await case_plans.enqueue_due(session, clock.now(), settings)


async def run_retention(sessionmaker: Sessionmaker, clock: Clock, settings: Settings) -> int:
    """Personal data of families closed more than RETENTION_YEARS ago, anonymised batch by
    batch, each committed. Returns the number of families anonymised."""
    now, done = clock.now(), 0
    while True:
        async with sessionmaker.begin() as session:
            examined, run = await privacy.anonymise_closed_batch(
                session, now, settings.retention_years
            )
        done += run.families
        if examined < privacy.RETENTION_BATCH:
            return done


async def run_outbox_blanking(sessionmaker: Sessionmaker, clock: Clock, settings: Settings) -> int:
    """Parameters (names, texts) of messages settled more than OUTBOX_KEEP_DAYS ago dropped,
    batch by batch, each committed; one pass over the rows that still hold them. Returns the
    number of rows blanked."""
    now, after, done = clock.now(), 0, 0
    while True:
        async with sessionmaker.begin() as session:
            batch = await privacy.blank_settled_outbox_batch(
                session, now, settings.outbox_keep_days, after_id=after, limit=privacy.OUTBOX_BATCH
            )
        done, after = done + batch.blanked, batch.last_id
        if batch.examined < privacy.OUTBOX_BATCH:
            return done


@dataclass(frozen=True)
class JobSpec:
    job: Job
    seconds: float  # how often APScheduler runs it


def scans(content: Content) -> tuple[JobSpec, ...]:
    """Every scan, with what it needs of the loaded content bound in."""
    # A concern alert should leave at once; the others are due at a minute of the local day.
    return (
        JobSpec(run_concern_alerts, 15.0),
        JobSpec(run_mentor_reminders, 120.0),
        JobSpec(run_weekly_digest, 300.0),
        JobSpec(homework_release(content.programmes), 30.0),
        JobSpec(run_homework_reminders, 120.0),
        JobSpec(run_questionnaire_reminders, 300.0),
        JobSpec(questionnaire_follow_ups(content.programmes), 300.0),
        JobSpec(run_homework_digest, 60.0),
        JobSpec(run_meeting_reminders, 120.0),
        JobSpec(run_meeting_decisions, 120.0),
        JobSpec(run_plan_reminders, 120.0),
        JobSpec(run_case_reviews, 120.0),
        JobSpec(run_retention, 86400.0),  # daily, and once at start
        JobSpec(run_outbox_blanking, 86400.0),  # daily, and once at start
    )


async def run_due_jobs(
    sessionmaker: Sessionmaker, clock: Clock, settings: Settings, content: Content
) -> int:
    """Every job once (tests; a manual catch-up). Returns the number of rows/concerns queued."""
    total = 0
    for spec in scans(content):
        total += await spec.job(sessionmaker, clock, settings)
    return total


async def guarded(
    job: Job,
    sessionmaker: Sessionmaker,
    clock: Clock,
    settings: Settings,
    in_flight: set[asyncio.Task[Any]] | None = None,
) -> None:
    """Run a job for the scheduler: a failure is logged (type and stack, never values that may
    quote people's data) and the next run tries again. While it runs, its task is in
    `in_flight`, so a shutdown can let it finish instead of cancelling it midway."""
    task = asyncio.current_task()
    if in_flight is not None and task is not None:
        in_flight.add(task)
    try:
        await job(sessionmaker, clock, settings)
    except Exception as exc:
        stack = "".join(traceback.format_tb(exc.__traceback__))
        log.error("job %s failed: %s\n%s", job.__name__, type(exc).__name__, stack)
    finally:
        if in_flight is not None and task is not None:
            in_flight.discard(task)
