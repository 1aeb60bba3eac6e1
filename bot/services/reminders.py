"""Mentors' reminders at settings.mentor_reminder_time in the mentor's own time zone.

(a) On the day of a planned next visit (from the mentor's latest visit to the family), unless a
    visit to that family is already logged for that day.
(b) When one of their active families had no visit in settings.no_visit_days days: at most one
    nudge per family per ISO week, with "Remind me tomorrow".

`enqueue_due` is a cheap scan meant to run every few minutes: it only enqueues what is due
"today at the reminder time or later" in each mentor's zone, and the outbox keys (mentor, purpose,
family, day or ISO week) make every re-run, restart or second replica a no-op. Closed families
drop out of both scans; a queued "remind me tomorrow" is cancelled when the case is closed, the
mentor is unlinked or a visit is logged meanwhile.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import local_date, zone_or
from bot.config import Settings
from bot.db.repositories import families as families_repo
from bot.db.repositories import outbox as outbox_repo
from bot.db.repositories import reminders as reminders_repo
from bot.db.repositories.reminders import MentorFamily
from bot.services import outbox
from bot.services.access import Action, Actor, authorize
from bot.services.errors import DomainError

log = logging.getLogger(__name__)

PLANNED_PURPOSE = "visit_planned"
NUDGE_PURPOSE = "no_visit_nudge"  # the weekly one (occurrence: ISO week)
SNOOZE_PURPOSE = "no_visit_snooze"  # "remind me tomorrow" (occurrence: the day)
PLANNED_KIND = "visit_planned"
NUDGE_KIND = "no_visit_nudge"
OBJECT_TYPE = "family"


class SnoozeOutcome(StrEnum):
    SCHEDULED = "scheduled"
    ALREADY = "already"  # pressed before: one reminder tomorrow all the same
    NOT_NEEDED = "not_needed"  # a visit was logged meanwhile


@dataclass(frozen=True)
class Snoozed:
    outcome: SnoozeOutcome
    at: datetime  # when tomorrow's reminder is due (UTC)


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def local_moment(day: date, at: time, zone: ZoneInfo) -> datetime:
    """`day` at `at` in `zone`, as UTC (a wall time skipped by a DST jump moves forward)."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def _due_today(now: datetime, zone: ZoneInfo, settings: Settings) -> date | None:
    """The mentor's local date if their reminder time has come today, else None."""
    local = now.astimezone(zone)
    if local.time() < settings.mentor_reminder_time:
        return None
    return local.date()


def _idle_since(link: MentorFamily, zone: ZoneInfo) -> date:
    """The day the family's silence started for this mentor: its last visit, or the day the
    mentor was linked, whichever is later."""
    assert link.assigned_at is not None
    assigned = link.assigned_at.astimezone(zone).date()
    return max(link.last_visit, assigned) if link.last_visit else assigned


def nudge_params(link: MentorFamily, day: date, zone: ZoneInfo) -> dict[str, Any]:
    assert link.assigned_at is not None
    return {
        "family_id": link.family_id,
        "family": link.family_name,
        "day": day.isoformat(),
        "last_visit": link.last_visit.isoformat() if link.last_visit else None,
        "assigned": link.assigned_at.astimezone(zone).date().isoformat(),
    }


async def enqueue_due(session: AsyncSession, now: datetime, settings: Settings) -> int:
    """Queue every mentor reminder due by now; returns how many new ones were queued."""
    moot = await outbox_repo.moot_family_reminders(session, [NUDGE_PURPOSE, SNOOZE_PURPOSE])
    if moot:
        await outbox_repo.cancel_rows(
            session, moot, reason=outbox_repo.NO_LONGER_NEEDED, statuses=outbox_repo.PENDING
        )
        log.info("cancelled %s queued reminders no longer needed", len(moot))
    queued = await _planned(session, now, settings)
    queued += await _idle(session, now, settings)
    return queued


async def _enqueue_new(
    session: AsyncSession, now: datetime, items: list[tuple[str, dict[str, Any]]]
) -> int:
    """Enqueue (key, enqueue kwargs) pairs whose key is not taken yet: a re-run costs one
    indexed lookup per candidate instead of an insert attempt."""
    taken = await outbox_repo.existing_keys(session, [key for key, _ in items])
    queued = 0
    for key, kwargs in items:
        if key not in taken and await outbox.enqueue(session, now=now, **kwargs):
            queued += 1
    return queued


def _item(
    link: MentorFamily, purpose: str, kind: str, occurrence: str, params: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    key = outbox.dedup_key(link.mentor_id, purpose, OBJECT_TYPE, link.family_id, occurrence)
    return key, {
        "recipient": outbox.Recipient(link.mentor_id, link.telegram_id),
        "purpose": purpose,
        "kind": kind,
        "params": params,
        "object_type": OBJECT_TYPE,
        "object_id": link.family_id,
        "occurrence": occurrence,
    }


async def _planned(session: AsyncSession, now: datetime, settings: Settings) -> int:
    utc_day = now.astimezone(UTC).date()
    # Every local date on Earth right now is within a day of the UTC date.
    days = [utc_day + timedelta(days=shift) for shift in (-1, 0, 1)]
    items = []
    for link in await reminders_repo.planned_visits(session, days):
        today = _due_today(now, zone_or(link.timezone, settings.default_timezone), settings)
        if today is None or today != link.planned:
            continue
        params = {"family_id": link.family_id, "family": link.family_name, "day": today.isoformat()}
        items.append(_item(link, PLANNED_PURPOSE, PLANNED_KIND, today.isoformat(), params))
    return await _enqueue_new(session, now, items)


async def _idle(session: AsyncSession, now: datetime, settings: Settings) -> int:
    days = settings.no_visit_days
    latest_local_day = now.astimezone(UTC).date() + timedelta(days=1)
    # A loose SQL filter (true for every zone), then the exact check in the mentor's zone.
    candidates = await reminders_repo.idle_links(
        session,
        no_visit_after=latest_local_day - timedelta(days=days),
        assigned_before=now - timedelta(days=days - 1),
    )
    items = []
    for link in candidates:
        zone = zone_or(link.timezone, settings.default_timezone)
        today = _due_today(now, zone, settings)
        if today is None or _idle_since(link, zone) > today - timedelta(days=days):
            continue
        params = nudge_params(link, today, zone)
        items.append(_item(link, NUDGE_PURPOSE, NUDGE_KIND, iso_week(today), params))
    return await _enqueue_new(session, now, items)


async def snooze(
    session: AsyncSession, actor: Actor | None, family_id: int, now: datetime, settings: Settings
) -> Snoozed:
    """ "Remind me tomorrow": one more nudge tomorrow at the reminder time, mentor's zone."""
    await authorize(session, actor, Action.VISIT_LOG, family_id)
    assert actor is not None
    family = await families_repo.by_id(session, family_id)
    if family is None:
        raise DomainError("family_not_found")
    if family.closed_at is not None:
        raise DomainError("family_closed")
    link = await reminders_repo.mentor_family(session, actor.person_id, family_id)
    if link is None:
        raise DomainError("not_the_mentor")  # a coordinator who does not mentor this family
    zone = zone_or(link.timezone, settings.default_timezone)
    today = local_date(now, zone)
    tomorrow = today + timedelta(days=1)
    due_at = local_moment(tomorrow, settings.mentor_reminder_time, zone)
    if _idle_since(link, zone) > today - timedelta(days=settings.no_visit_days):
        return Snoozed(SnoozeOutcome.NOT_NEEDED, due_at)
    # Tomorrow in a new week: the reminder is that week's nudge, so Monday's scan adds no other.
    if iso_week(tomorrow) != iso_week(today):
        purpose, occurrence = NUDGE_PURPOSE, iso_week(tomorrow)
    else:
        purpose, occurrence = SNOOZE_PURPOSE, tomorrow.isoformat()
    fresh = await outbox.enqueue(
        session,
        recipient=outbox.Recipient(link.mentor_id, link.telegram_id),
        purpose=purpose,
        kind=NUDGE_KIND,
        params=nudge_params(link, tomorrow, zone),
        now=now,
        due_at=due_at,
        object_type=OBJECT_TYPE,
        object_id=family_id,
        occurrence=occurrence,
    )
    return Snoozed(SnoozeOutcome.SCHEDULED if fresh else SnoozeOutcome.ALREADY, due_at)
