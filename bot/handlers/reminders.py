"""The "Remind me tomorrow" button under a mentor's no-visit nudge.

The service re-checks that the presser mentors that family (ids from the database); a refusal
goes through handlers/errors.py, which answers and audits it.
"""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.notifications.reminders import SNOOZE_PREFIX
from bot.services import reminders
from bot.services.access import Actor
from bot.services.errors import DomainError
from bot.services.reminders import SnoozeOutcome

log = logging.getLogger(__name__)


async def on_snooze(
    callback: CallbackQuery,
    session: AsyncSession,
    clock: Clock,
    settings: Settings,
    actor: Actor | None,
) -> None:
    tail = (callback.data or "")[len(SNOOZE_PREFIX) :]
    if not tail.isdigit() or len(tail) > 9:
        await callback.answer(_("This button is out of date."))
        return
    try:
        snoozed = await reminders.snooze(session, actor, int(tail), clock.now(), settings)
    except DomainError as error:
        if error.code != "family_closed":
            raise
        await callback.answer(_("This family's case is closed: no more reminders about it."))
        await _drop_button(callback)
        return
    when = settings.mentor_reminder_time.strftime("%H:%M")
    if snoozed.outcome is SnoozeOutcome.NOT_NEEDED:
        await callback.answer(_("A visit has been logged meanwhile: no reminder needed."))
    else:
        await callback.answer(_("Fine: I will remind you tomorrow at {time}.").format(time=when))
    await _drop_button(callback)


async def _drop_button(callback: CallbackQuery) -> None:
    message = callback.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    try:
        await message.edit_reply_markup(reply_markup=None)
    except TelegramBadRequest as exc:
        log.info("nudge buttons not removed: %s", exc.message)


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_snooze, F.data.startswith(SNOOZE_PREFIX))
    return router
