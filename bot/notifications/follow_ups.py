"""The family questionnaire again some months after a programme: the invitation and its one
reminder, with the button that opens it (bot/dialogs/follow_up/handlers.py answers it).

Like every family message, the first line names the programme only: no family or child name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.content import Content
from bot.delivery.render import Outgoing, Translator, message_kind
from bot.i18n import N_
from bot.markup import escape
from bot.notifications.homework import programme_title
from bot.services.programme_follow_ups import INVITE_KIND, REMINDER_KIND

FOLLOW_UP_PREFIX = "fu:"  # + follow-up id: open the follow-up questionnaire


SINCE_HALF_YEAR = N_("It has been half a year since the programme «{programme}».")
SINCE_YEAR = N_("It has been a year since the programme «{programme}».")
SINCE_MONTHS = N_("It has been {months} months since the programme «{programme}».")


def since_sentence(gettext: Callable[[str], str], months: int, programme: str) -> str:
    """How long ago the programme ended, in words a parent would use (`programme` is put in
    as given: escape it for HTML first where needed)."""
    text = {6: SINCE_HALF_YEAR, 12: SINCE_YEAR}.get(months, SINCE_MONTHS)
    return gettext(text).format(months=int(months), programme=programme)


def _button(t: Translator, params: dict[str, Any]) -> InlineKeyboardMarkup:
    button = InlineKeyboardButton(
        text=t.gettext("📝 Tell us how things are"),
        callback_data=f"{FOLLOW_UP_PREFIX}{int(params['follow_up_id'])}",
    )
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


@message_kind(INVITE_KIND, with_content=True)
def follow_up_invite(params: dict[str, Any], t: Translator, content: Content) -> Outgoing:
    title = escape(programme_title(content.programmes, params["programme"], t.locale))
    since = since_sentence(t.gettext, int(params["months"]), title)
    how = t.gettext(
        "How are things now? The same few statements as before, about two minutes: there are "
        "no right or wrong answers."
    )
    text = f"🌿 {since} {how}"
    return Outgoing(text=text, reply_markup=_button(t, params))


@message_kind(REMINDER_KIND, with_content=True)
def follow_up_reminder(params: dict[str, Any], t: Translator, content: Content) -> Outgoing:
    """Once, a few days after the invitation, while the family has not answered."""
    text = t.gettext(
        "🌿 A gentle reminder: we would be glad to hear how your family is doing since the "
        "programme «{programme}». About two minutes, whenever it suits you."
    ).format(
        programme=escape(programme_title(content.programmes, params["programme"], t.locale)),
    )
    return Outgoing(text=text, reply_markup=_button(t, params))
