"""Network meeting participants: an invitation in the chat and a cancellation.

The first line never names the child or the family: it is what a lock screen shows.
"""

from __future__ import annotations

from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.delivery.render import Outgoing, Translator, message_kind
from bot.markup import escape
from bot.services.meetings import CANCEL_KIND, INVITE_KIND

# "Open the invitation": prefix + participant id. bot/handlers/meetings.py answers it.
OPEN_PREFIX = "mt:v:"


def open_button(participant_id: int, t: Translator) -> InlineKeyboardMarkup:
    button = InlineKeyboardButton(
        text=t.gettext("📩 Open the invitation"), callback_data=f"{OPEN_PREFIX}{participant_id}"
    )
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


@message_kind(INVITE_KIND)
def meeting_invitation(params: dict[str, Any], t: Translator) -> Outgoing:
    text = "\n".join(
        [
            t.gettext("📩 You are invited to a network meeting."),
            t.gettext("Open the invitation to see the details and answer whether you can come."),
        ]
    )
    return Outgoing(text=text, reply_markup=open_button(int(params["participant_id"]), t))


@message_kind(CANCEL_KIND)
def meeting_cancelled(params: dict[str, Any], t: Translator) -> Outgoing:
    text = "\n".join(
        [
            t.gettext("The meeting on {when} has been cancelled.").format(
                when=escape(params["when"])
            ),
            t.gettext(
                "Thank you for being ready to come. If you have questions, please contact "
                "the coordinator."
            ),
        ]
    )
    return Outgoing(text=text)
