"""The buttons under a safety-concern alert: «I'm on it» and «Raise to crisis».

Rights are checked again on every press by the service (ids from the database, never from the
button alone); a refusal goes through handlers/errors.py, which answers and audits it.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.models import Person, SupportLevel
from bot.markup import escape
from bot.notifications.concerns import ACK_PREFIX, CRISIS_PREFIX, alert_keyboard
from bot.services import concerns
from bot.services.access import Actor
from bot.services.concerns import ConcernView

log = logging.getLogger(__name__)

NAME_MAX = 64  # a callback answer holds 200 characters


class _Gettext:
    """The alert keyboard's translator for the presser's language (i18n middleware's gettext)."""

    def __init__(self) -> None:
        self.locale = ""

    def gettext(self, message: str) -> str:
        return _(message)


def _concern_id(data: str | None, prefix: str) -> int | None:
    tail = (data or "")[len(prefix) :]
    return int(tail) if tail.isdigit() and len(tail) < 10 else None


def _when(moment: datetime | None, person: Person | None) -> str:
    if moment is None:
        return "—"
    zone = ZoneInfo(person.timezone) if person is not None else None
    return moment.astimezone(zone).strftime("%d.%m %H:%M")


def _short(name: str | None) -> str:
    name = name or "—"
    return name if len(name) <= NAME_MAX else name[: NAME_MAX - 1] + "…"


async def _update_alert(
    callback: CallbackQuery, view: ConcernView, line: str, *, translator: _Gettext
) -> None:
    """Add a status line to the alert the button was under and drop the buttons done with."""
    message = callback.message
    if not isinstance(message, Message) or not message.text:
        return
    keyboard = alert_keyboard(
        translator,
        view.concern_id,
        ack=view.acknowledged_at is None,
        crisis=view.can_raise and view.family_level != SupportLevel.CRISIS.value,
    )
    text = message.html_text
    if line in text and _same_buttons(message.reply_markup, keyboard):
        return  # nothing to change (Telegram refuses an edit that changes nothing)
    if line not in text:
        text = f"{text}\n\n{line}"
    try:
        await message.edit_text(text, reply_markup=keyboard)
    except TelegramBadRequest as exc:  # e.g. not modified: another tap got there first
        log.info("concern %s: alert not updated: %s", view.concern_id, exc.message)


def _same_buttons(
    current: InlineKeyboardMarkup | None, wanted: InlineKeyboardMarkup | None
) -> bool:
    def rows(markup: InlineKeyboardMarkup | None) -> list[list[tuple[str, str | None]]]:
        if markup is None:
            return []
        return [[(b.text, b.callback_data) for b in row] for row in markup.inline_keyboard]

    return rows(current) == rows(wanted)


def _taken_line(view: ConcernView, actor: Actor, person: Person | None) -> str:
    when = _when(view.acknowledged_at, person)
    if view.acknowledged_by_id == actor.person_id:
        return _("✅ You took this on at {time}.").format(time=when)
    return _("✅ Taken on by {name} at {time}.").format(
        name=escape(_short(view.acknowledged_by_name)), time=when
    )


async def on_ack(
    callback: CallbackQuery,
    session: AsyncSession,
    clock: Clock,
    actor: Actor | None,
    person: Person | None,
) -> None:
    concern_id = _concern_id(callback.data, ACK_PREFIX)
    if concern_id is None:
        await callback.answer(_("This button is out of date."))
        return
    view, fresh = await concerns.acknowledge(session, actor, concern_id, clock.now())
    assert actor is not None
    if fresh:
        await callback.answer(_("Thank you: it is yours now. The alerts stop."))
    elif view.acknowledged_by_id == actor.person_id:
        await callback.answer(
            _("You already took this on at {time}.").format(
                time=_when(view.acknowledged_at, person)
            )
        )
    else:
        await callback.answer(
            _("Already taken on by {name} at {time}. Thank you for checking.").format(
                name=_short(view.acknowledged_by_name), time=_when(view.acknowledged_at, person)
            ),
            show_alert=True,
        )
    await _update_alert(callback, view, _taken_line(view, actor, person), translator=_Gettext())


async def on_crisis(
    callback: CallbackQuery,
    session: AsyncSession,
    clock: Clock,
    actor: Actor | None,
) -> None:
    concern_id = _concern_id(callback.data, CRISIS_PREFIX)
    if concern_id is None:
        await callback.answer(_("This button is out of date."))
        return
    view, changed = await concerns.raise_to_crisis(session, actor, concern_id, clock.now())
    if changed:
        await callback.answer(_("The family's support level is now crisis."))
    else:
        await callback.answer(_("The family's support level is already crisis."))
    await _update_alert(callback, view, _("🔺 Support level: crisis."), translator=_Gettext())


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_ack, F.data.startswith(ACK_PREFIX))
    router.callback_query.register(on_crisis, F.data.startswith(CRISIS_PREFIX))
    return router
