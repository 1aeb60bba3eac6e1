"""Mentors' reminders: a planned visit today; a family with no visit for a while."""

from __future__ import annotations

from datetime import date
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.delivery.render import Outgoing, Translator, message_kind
from bot.markup import escape
from bot.services.reminders import NUDGE_KIND, PLANNED_KIND

# "Remind me tomorrow": prefix + family id. bot/handlers/reminders.py answers it.
SNOOZE_PREFIX = "rm:later:"


def _date(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%d.%m.%Y")


@message_kind(PLANNED_KIND)
def visit_planned(params: dict[str, Any], t: Translator) -> Outgoing:
    text = "\n".join(
        [
            t.gettext("📅 A visit to «{family}» is planned for today.").format(
                family=escape(params["family"])
            ),
            t.gettext("When it is done, log it with /visit: it takes a minute."),
        ]
    )
    return Outgoing(text=text)


@message_kind(NUDGE_KIND)
def no_visit_nudge(params: dict[str, Any], t: Translator) -> Outgoing:
    family = escape(params["family"])
    day = date.fromisoformat(params["day"])
    last = params.get("last_visit")
    if last:
        first = t.gettext(
            "🕊 No visit to «{family}» for {days} days: the last one was on {date}."
        ).format(family=family, days=(day - date.fromisoformat(last)).days, date=_date(last))
    else:
        first = t.gettext(
            "🕊 No visit to «{family}» yet: the family was assigned to you on {date}."
        ).format(family=family, date=_date(params["assigned"]))
    text = "\n".join(
        [first, t.gettext("Even a short call counts. Log it with /visit when it is done.")]
    )
    button = InlineKeyboardButton(
        text=t.gettext("⏰ Remind me tomorrow"),
        callback_data=f"{SNOOZE_PREFIX}{int(params['family_id'])}",
    )
    return Outgoing(text=text, reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button]]))
