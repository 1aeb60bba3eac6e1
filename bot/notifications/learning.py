"""The coordinators' note that a candidate finished the mentors' course, with the button that
confirms them as trained (bot/handlers/learning.py answers it)."""

from __future__ import annotations

from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.delivery.render import Outgoing, Translator, message_kind
from bot.markup import escape
from bot.services.learning import FINISHED_KIND

TRAINED_PREFIX = "lt:tr:"  # + person id


@message_kind(FINISHED_KIND)
def course_finished(params: dict[str, Any], t: Translator) -> Outgoing:
    text = t.gettext(
        "🎓 {name} finished the mentors' course. If they are ready, mark them as trained."
    ).format(name=escape(params.get("name") or "—"))
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=t.gettext("✅ Mark as trained"),
                    callback_data=f"{TRAINED_PREFIX}{int(params['person_id'])}",
                )
            ]
        ]
    )
    return Outgoing(text=text, reply_markup=keyboard)
