"""Nothing reaches a family at night: quiet hours are evaluated in the recipient's zone."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


def in_quiet_hours(local: time, start: time, end: time) -> bool:
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end  # the window wraps past midnight


def next_allowed_time(moment: datetime, zone: ZoneInfo, start: time, end: time) -> datetime:
    """`moment` if it is outside quiet hours, otherwise the end of the quiet window (UTC)."""
    local = moment.astimezone(zone)
    if not in_quiet_hours(local.timetz().replace(tzinfo=None), start, end):
        return moment
    morning = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if morning <= local:
        morning = (local + timedelta(days=1)).replace(
            hour=end.hour, minute=end.minute, second=0, microsecond=0
        )
    # Re-localise through the wall clock so a DST change overnight lands on the right hour.
    wall = datetime(morning.year, morning.month, morning.day, end.hour, end.minute, tzinfo=zone)
    return wall.astimezone(moment.tzinfo)
