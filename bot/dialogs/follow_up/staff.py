"""The follow-up totals on the family's programme view, beside the entry and exit totals."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram.utils.i18n import gettext as _

from bot.services.programme_follow_ups import FollowUpView


def _state(view: FollowUpView, zone: ZoneInfo) -> str:
    if view.total is not None:
        return str(view.total)
    if view.cancelled:
        return _("cancelled")
    if view.released:
        return _("not filled in")
    return _("due {date}").format(date=view.due_at.astimezone(zone).strftime("%d.%m.%Y"))


def follow_up_lines(views: list[FollowUpView], zone: ZoneInfo) -> list[str]:
    """One line, or none before the follow-ups are planned (HTML-safe: numbers and dates)."""
    if not views:
        return []
    parts = [
        _("after {months} mo.: {state}").format(months=v.months, state=_state(v, zone))
        for v in views
    ]
    return [_("📝 Questionnaire later: {parts}").format(parts="; ".join(parts))]
