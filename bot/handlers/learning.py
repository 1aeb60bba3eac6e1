"""«✅ Mark as trained» under the coordinators' note that a candidate finished the course.

Rights are checked again on every press by the service; a refusal goes through
handlers/errors.py, which answers and audits it.
"""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.dialogs.widgets import parse_id
from bot.notifications.learning import TRAINED_PREFIX
from bot.services import learning
from bot.services.access import Actor

log = logging.getLogger(__name__)


async def on_trained(
    callback: CallbackQuery, session: AsyncSession, clock: Clock, actor: Actor | None
) -> None:
    person_id = parse_id((callback.data or "")[len(TRAINED_PREFIX) :])
    if person_id is None:
        await callback.answer(_("This button is out of date."))
        return
    result = await learning.confirm_trained(session, actor, person_id, clock.now())
    if result is learning.Confirmed.DONE:
        line = _("✅ Marked as trained.")
        await callback.answer(line)
    else:
        line = _("This person's status has already changed, so nothing was done.")
        await callback.answer(line, show_alert=True)
    message = callback.message
    if isinstance(message, Message) and message.text:
        try:
            await message.edit_text(f"{message.html_text}\n\n{line}", reply_markup=None)
        except TelegramBadRequest as exc:  # another tap got there first
            log.info("course note not updated: %s", exc.message)


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_trained, F.data.startswith(TRAINED_PREFIX))
    return router
