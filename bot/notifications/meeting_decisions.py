"""Reminders of network meeting decisions to the coordinator: a decision's due date (with
«✅ Done», answered by bot/handlers/meeting_decisions.py) and the follow-up two weeks after a
held meeting (with «📝 Record the follow-up», which opens the record's form there).

The first line never names the child or the family: it shows on a locked screen.
"""

from __future__ import annotations

from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.delivery.render import Outgoing, Translator, message_kind
from bot.markup import escape
from bot.services.meeting_decisions import DUE_KIND, FOLLOW_UP_KIND

DONE_PREFIX = "md:d:"
FOLLOW_UP_PREFIX = "md:f:"


@message_kind(DUE_KIND)
def decision_due(params: dict[str, Any], t: Translator) -> Outgoing:
    lines = [
        t.gettext("📌 A reminder about a decision of a network meeting."),
        t.gettext("What: {what}").format(what=escape(params["what"])),
        t.gettext("Who: {who}").format(who=escape(params["who"])),
        t.gettext("By: {due}").format(due=escape(params["due"])),
        t.gettext("Meeting of {when} (child: {child}).").format(
            when=escape(params["when"]), child=escape(params["child"])
        ),
    ]
    button = InlineKeyboardButton(
        text=t.gettext("✅ Done"), callback_data=f"{DONE_PREFIX}{int(params['decision_id'])}"
    )
    return Outgoing(
        text="\n".join(lines), reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button]])
    )


@message_kind(FOLLOW_UP_KIND)
def meeting_follow_up(params: dict[str, Any], t: Translator) -> Outgoing:
    lines = [
        t.gettext("🗓 Two weeks have passed since a network meeting: time for a follow-up."),
        t.gettext("Meeting of {when} (child: {child}).").format(
            when=escape(params["when"]), child=escape(params["child"])
        ),
    ]
    total = int(params.get("total") or 0)
    if total:
        lines.append(
            t.gettext("Decisions still open: {open} of {total}.").format(
                open=int(params.get("open") or 0), total=total
            )
        )
    else:
        lines.append(t.gettext("No decisions were recorded for it."))
    lines.append(t.gettext("The meeting's board in /meetings shows its decisions."))
    meeting_id = params.get("meeting_id")
    if meeting_id is None:  # queued before the button existed
        return Outgoing(text="\n".join(lines))
    button = InlineKeyboardButton(
        text=t.gettext("📝 Record the follow-up"),
        callback_data=f"{FOLLOW_UP_PREFIX}{int(meeting_id)}",
    )
    return Outgoing(
        text="\n".join(lines), reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button]])
    )
