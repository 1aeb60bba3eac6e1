"""Reminders of a plan task's deadline: a few days before and the day after it passed.

Staff get «✅ Done» and «📋 Open the task» (answered by bot/handlers/case_plans.py); a parent who
is responsible gets the text only (parents do not open the plan). The first line never names the
family: it shows on a locked screen.
"""

from __future__ import annotations

from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.delivery.render import Outgoing, Translator, message_kind
from bot.markup import escape
from bot.services.case_plans import REMINDER_KIND

DONE_PREFIX = "pt:d:"
OPEN_PREFIX = "pt:o:"


@message_kind(REMINDER_KIND)
def plan_task_reminder(params: dict[str, Any], t: Translator) -> Outgoing:
    if params.get("overdue"):
        first = t.gettext("⏰ The deadline of a plan task has passed.")
    else:
        first = t.gettext("📌 A plan task's deadline is coming.")
    lines = [
        first,
        t.gettext("Task: {title}").format(title=escape(params["title"])),
        t.gettext("Deadline: {due}").format(due=escape(params["due"])),
    ]
    if params.get("family"):
        lines.append(t.gettext("Family: {family}").format(family=escape(params["family"])))
    if params.get("for_parent"):
        lines.append(t.gettext("Please tell your mentor or curator how it is going."))
        return Outgoing(text="\n".join(lines))
    task_id = int(params["task_id"])
    buttons = [
        InlineKeyboardButton(text=t.gettext("✅ Done"), callback_data=f"{DONE_PREFIX}{task_id}"),
        InlineKeyboardButton(
            text=t.gettext("📋 Open the task"), callback_data=f"{OPEN_PREFIX}{task_id}"
        ),
    ]
    return Outgoing(
        text="\n".join(lines), reply_markup=InlineKeyboardMarkup(inline_keyboard=[buttons])
    )
