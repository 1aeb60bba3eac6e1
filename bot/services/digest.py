"""The coordinators' weekly digest: who has not visited, which families wait, open concerns.

`build_digest` is a handful of SQL aggregates (see db/repositories/digest.py for the indexes they
use); `enqueue_due` queues it for every coordinator on settings.digest_weekday at
settings.digest_time in the coordinator's own zone, once per ISO week (the outbox key), unless
there is nothing to review yet (no mentors, families, concerns or plan tasks: a new service).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import local_date, zone_or
from bot.config import Settings
from bot.db.models import Role
from bot.db.repositories import digest as digest_repo
from bot.db.repositories import outbox as outbox_repo
from bot.db.repositories import people as people_repo
from bot.services import case_plans, outbox

log = logging.getLogger(__name__)

PURPOSE = "weekly_digest"
KIND = "weekly_digest"
LIST_LIMIT = 10  # names per section; the rest is "…and N more"
NAME_MAX = 48  # characters of a name in a list: the message stays far below 4096


@dataclass(frozen=True)
class DigestItem:
    name: str
    day: date | None  # last visit (people, families) or the visit date (concerns)


@dataclass(frozen=True)
class Digest:
    today: date
    days: int  # settings.no_visit_days
    mentors_total: int  # mentors with at least one active family
    mentors_idle: int  # of them: no visit in `days` days (and mentoring for that long)
    mentors: list[DigestItem] = field(default_factory=list)
    families_total: int = 0  # active families
    families_idle: int = 0  # of them: no visit in `days` days (and registered for that long)
    families: list[DigestItem] = field(default_factory=list)
    concerns_open: int = 0  # nobody has taken them on
    concerns_recent: int = 0  # raised in the last `days` days
    concerns: list[DigestItem] = field(default_factory=list)
    plan_overdue: int = 0  # open plan tasks of open families past their deadline
    plan: list[DigestItem] = field(default_factory=list)  # "family — task", the deadline

    @property
    def is_empty(self) -> bool:
        """Nobody and nothing to review yet (a service just set up): not worth a message."""
        return not (
            self.mentors_total or self.families_total or self.concerns_open or self.plan_overdue
        )

    def to_params(self) -> dict[str, Any]:
        """JSON for the outbox row (dates as ISO strings)."""

        def items(values: list[DigestItem]) -> list[list[str | None]]:
            return [[item.name, item.day.isoformat() if item.day else None] for item in values]

        params = asdict(self)
        params["today"] = self.today.isoformat()
        for key in ("mentors", "families", "concerns", "plan"):
            params[key] = items(getattr(self, key))
        return params


def _short(name: str) -> str:
    return name if len(name) <= NAME_MAX else name[: NAME_MAX - 1] + "…"


def _items(rows: list[tuple[str, date | None]]) -> list[DigestItem]:
    return [DigestItem(_short(name), day) for name, day in rows]


async def build_digest(
    session: AsyncSession, now: datetime, settings: Settings, *, today: date | None = None
) -> Digest:
    """The digest as of `now`; `today` is the reader's local date (default: the service's zone)."""
    if today is None:
        today = local_date(now, settings.default_timezone)
    days = settings.no_visit_days
    cutoff = today - timedelta(days=days)  # a visit on a later day counts as "in the last N days"
    grace = now - timedelta(days=days)  # newer mentors and families are not counted as idle yet
    mentors_total, mentors_idle, mentors = await digest_repo.mentors(
        session, no_visit_after=cutoff, assigned_before=grace, limit=LIST_LIMIT
    )
    families_total, families_idle, families = await digest_repo.families(
        session, no_visit_after=cutoff, created_before=grace, limit=LIST_LIMIT
    )
    concerns_open, concerns_recent, concerns = await digest_repo.open_concerns(
        session, raised_since=grace, limit=LIST_LIMIT
    )
    plan_overdue, plan = await case_plans.overdue(session, today, LIST_LIMIT)
    return Digest(
        today=today,
        days=days,
        mentors_total=mentors_total,
        mentors_idle=mentors_idle,
        mentors=_items(mentors),
        families_total=families_total,
        families_idle=families_idle,
        families=_items(families),
        concerns_open=concerns_open,
        concerns_recent=concerns_recent,
        concerns=_items(concerns),
        plan_overdue=plan_overdue,
        plan=[DigestItem(_short(f"{name} — {title}"), due) for name, title, due in plan],
    )


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


async def enqueue_due(session: AsyncSession, now: datetime, settings: Settings) -> int:
    """Queue this week's digest for each coordinator whose digest day and time have come.

    Cheap when nothing is due: the digest is only built for coordinators who still lack this
    week's row, once per distinct local date.
    """
    rows = await people_repo.reachable_with_role(session, Role.COORDINATOR.value)
    due: list[tuple[str, int, int, date]] = []
    for person_id, telegram_id, timezone in rows:
        local = now.astimezone(zone_or(timezone, settings.default_timezone))
        if local.weekday() != settings.digest_weekday or local.time() < settings.digest_time:
            continue
        week = iso_week(local.date())
        key = outbox.dedup_key(person_id, PURPOSE, None, None, week)
        due.append((key, person_id, telegram_id, local.date()))
    if not due:
        return 0
    taken = await outbox_repo.existing_keys(session, [key for key, *_ in due])
    built: dict[date, Digest] = {}
    queued = 0
    for key, person_id, telegram_id, today in due:
        if key in taken:
            continue
        if today not in built:
            built[today] = await build_digest(session, now, settings, today=today)
        if built[today].is_empty:
            continue  # asked again at the next scan: a first family added today still counts
        if await outbox.enqueue(
            session,
            recipient=outbox.Recipient(person_id, telegram_id),
            purpose=PURPOSE,
            kind=KIND,
            params=built[today].to_params(),
            now=now,
            occurrence=iso_week(today),
        ):
            queued += 1
    if queued:
        log.info("weekly digest queued for %s coordinators", queued)
    return queued
