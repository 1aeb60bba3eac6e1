"""The child-safety concern alert sent to coordinators and the family's curator."""

from __future__ import annotations

from datetime import date
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.delivery.render import Outgoing, Translator, message_kind
from bot.markup import escape
from bot.services.concerns import KIND

# Callback data of the alert's buttons: prefix + concern id. bot/handlers/concerns.py answers them.
ACK_PREFIX = "cn:ack:"
CRISIS_PREFIX = "cn:crisis:"


def show_date(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%d.%m.%Y")


def alert_keyboard(
    t: Translator, concern_id: int, *, ack: bool, crisis: bool
) -> InlineKeyboardMarkup | None:
    row = []
    if ack:
        row.append(
            InlineKeyboardButton(
                text=t.gettext("✅ I'm on it"), callback_data=f"{ACK_PREFIX}{concern_id}"
            )
        )
    if crisis:
        row.append(
            InlineKeyboardButton(
                text=t.gettext("🔺 Raise to crisis"), callback_data=f"{CRISIS_PREFIX}{concern_id}"
            )
        )
    return InlineKeyboardMarkup(inline_keyboard=[row]) if row else None


@message_kind(KIND)
def concern_alert(params: dict[str, Any], t: Translator) -> Outgoing:
    number, total = int(params["number"]), int(params["total"])
    # The first line is what a locked phone shows: it names no family and no child.
    if number == 1:
        first = t.gettext("🔔 A note from a visit needs your attention.")
    else:
        # "number" counts every alert, the first included; the person counts reminders: the
        # second alert is reminder 1 of (total - 1).
        first = t.gettext("🔔 Reminder {number} of {total}: a note from a visit still waits.")
        first = first.format(number=number - 1, total=total - 1)
    lines = [
        first,
        "",
        t.gettext("<b>Concern about a child's safety</b>"),
        t.gettext("Family: {family}").format(family=escape(params["family"])),
        t.gettext("Mentor: {mentor}").format(mentor=escape(params.get("mentor") or "—")),
        t.gettext("Visit date: {date}").format(date=show_date(params["visit_date"])),
        t.gettext("What was written: {text}").format(text=escape(params.get("text") or "—")),
        "",
    ]
    if number < total:
        lines.append(
            t.gettext(
                "Until someone presses «I'm on it», this alert repeats every {minutes} minutes."
            ).format(minutes=int(params["every_minutes"]))
        )
    elif number > 1:
        lines.append(t.gettext("This is the last reminder."))
    else:  # no reminders are configured: the first alert is the only one
        lines.append(t.gettext("This alert will not be repeated."))
    keyboard = alert_keyboard(
        t, int(params["concern_id"]), ack=True, crisis=bool(params.get("can_raise"))
    )
    return Outgoing(text="\n".join(lines), reply_markup=keyboard)
