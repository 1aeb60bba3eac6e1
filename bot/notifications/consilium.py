"""Reminders of a case's reviews, the day before: a consilium, and the final meeting (the
parting). The first line never names the family: it shows on a locked screen."""

from __future__ import annotations

from typing import Any

from bot.delivery.render import Outgoing, Translator, message_kind
from bot.markup import escape
from bot.services.consilium import FINAL_SOON_KIND, SOON_KIND


@message_kind(SOON_KIND)
def consilium_soon(params: dict[str, Any], t: Translator) -> Outgoing:
    lines = [
        t.gettext("🗓 Tomorrow: a consilium reviews a family's case."),
        t.gettext("Family «{family}», {day}.").format(
            family=escape(params["family"]), day=escape(params["day"])
        ),
        t.gettext("/case opens the case: its request, plan and assessment."),
    ]
    return Outgoing(text="\n".join(lines))


@message_kind(FINAL_SOON_KIND)
def final_meeting_soon(params: dict[str, Any], t: Translator) -> Outgoing:
    lines = [
        t.gettext("🗓 Tomorrow: the final meeting with a family, the parting."),
        t.gettext("Family «{family}», {day}.").format(
            family=escape(params["family"]), day=escape(params["day"])
        ),
        t.gettext(
            "Let the family speak first: how it was before and how it is now. /case shows "
            "the first request beside it; record the family's words and the final assessment "
            "there."
        ),
    ]
    return Outgoing(text="\n".join(lines))
