"""The weekly release grid of a programme enrollment, in the family's local time (pure).

The first release is the first `release_weekday` at `release_time` on or after `start_date`;
later weeks follow every 7 days on the same wall-clock time. Enrolling and resuming
(bot/services/programmes.py) and the weekly release (bot/services/homework.py) both place
`Enrollment.next_release_at` on this grid.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.db.models import Enrollment, EnrollmentStatus


def first_release_date(start_date: date, release_weekday: int) -> date:
    """The first `release_weekday` (0 = Monday) on or after `start_date`."""
    return start_date + timedelta(days=(release_weekday - start_date.weekday()) % 7)


def release_at(
    start_date: date, release_weekday: int, release_time: time, family_timezone: str, week: int
) -> datetime:
    """When week `week` (1-based) is released on the grid, in UTC."""
    local_day = first_release_date(start_date, release_weekday) + timedelta(days=7 * (week - 1))
    local = datetime.combine(local_day, release_time, tzinfo=ZoneInfo(family_timezone))
    return local.astimezone(UTC)


def next_release_at(enrollment: Enrollment, family_timezone: str, now: datetime) -> datetime | None:
    """The next slot of the enrollment's weekly grid at or after `now` (UTC), or None when the
    enrollment releases nothing (paused, stopped, completed). The number of weeks is not known
    here: the caller stops at the programme's length."""
    if enrollment.status != EnrollmentStatus.ACTIVE:
        return None
    first = release_at(
        enrollment.start_date,
        enrollment.release_weekday,
        enrollment.release_time,
        family_timezone,
        1,
    )
    if now <= first:
        return first
    weeks_passed = (now - first) // timedelta(days=7)
    for week in (weeks_passed + 1, weeks_passed + 2, weeks_passed + 3):
        moment = release_at(
            enrollment.start_date,
            enrollment.release_weekday,
            enrollment.release_time,
            family_timezone,
            week,
        )
        if moment >= now:
            return moment
    return None  # unreachable on a zone without jumps of days
