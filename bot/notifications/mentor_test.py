"""The candidate's test result sent to every coordinator, with «📝 Answers» under it."""

from __future__ import annotations

from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.delivery.render import Outgoing, Translator, message_kind
from bot.markup import escape
from bot.services.mentor_test import RESULT_KIND

# Callback data of «📝 Answers»: prefix + attempt id; bot/handlers/mentor_test.py answers it.
ANSWERS_PREFIX = "mt:ans:"


@message_kind(RESULT_KIND)
def mentor_test_result(params: dict[str, Any], t: Translator) -> Outgoing:
    text = t.gettext(
        "📝 Candidate {name} finished the test: {score} of {out_of} (pass mark {mark})."
    ).format(
        name=escape(params["name"]),
        score=int(params["score"]),
        out_of=int(params["out_of"]),
        mark=int(params["pass_mark"]),
    )
    button = InlineKeyboardButton(
        text=t.gettext("📝 Answers"), callback_data=f"{ANSWERS_PREFIX}{int(params['attempt_id'])}"
    )
    return Outgoing(text=text, reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button]]))
