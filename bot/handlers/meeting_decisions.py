"""The «✅ Done» button under a decision's due-date reminder, and «📝 Record the follow-up» under
the reminder two weeks after a held meeting (it opens the record's form).

The service re-checks that the presser is a coordinator (the id in the button is never trusted);
a refusal goes through handlers/errors.py, which answers and audits it.
"""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode, StartMode
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.dialogs.meetings.common import MEETING_ID
from bot.dialogs.meetings.follow_up import FROM_REMINDER
from bot.dialogs.meetings.states import MeetingFollowUpSG
from bot.dialogs.widgets import start_beside
from bot.handlers.filters import id_after
from bot.notifications.meeting_decisions import DONE_PREFIX, FOLLOW_UP_PREFIX
from bot.services import meeting_decisions, meeting_evidence
from bot.services.access import Actor
from bot.services.errors import DomainError

log = logging.getLogger(__name__)


async def on_done(
    callback: CallbackQuery, session: AsyncSession, clock: Clock, actor: Actor | None
) -> None:
    decision_id = id_after(callback.data, DONE_PREFIX)
    if decision_id is None:
        await callback.answer(_("This button is out of date."))
        return
    try:
        done = await meeting_decisions.mark_done(session, actor, decision_id, clock.now())
    except DomainError as error:
        if error.code != "decision_not_found":
            raise
        await callback.answer(_("This button is out of date."))
        return
    if done:
        await callback.answer(_("✅ Marked as done."))
    else:
        await callback.answer(_("This decision was already marked as done."))
    await _drop_button(callback)


async def on_follow_up(
    callback: CallbackQuery,
    dialog_manager: DialogManager,
    session: AsyncSession,
    clock: Clock,
    actor: Actor | None,
) -> None:
    meeting_id = id_after(callback.data, FOLLOW_UP_PREFIX)
    if meeting_id is None:
        await callback.answer(_("This button is out of date."))
        return
    try:
        # Before the dialog starts, so a refusal leaves whatever the person had open untouched.
        await meeting_evidence.follow_up_form(session, actor, meeting_id)
    except DomainError as error:
        if error.code not in {"meeting_not_found", "meeting_not_held"}:
            raise
        await callback.answer(_("This button is out of date."))
        return
    start_beside(callback, dialog_manager)
    await dialog_manager.start(
        MeetingFollowUpSG.child,
        data={MEETING_ID: meeting_id, FROM_REMINDER: True},
        mode=StartMode.RESET_STACK,
        show_mode=ShowMode.SEND,
    )
    await callback.answer()


async def _drop_button(callback: CallbackQuery) -> None:
    message = callback.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    try:
        await message.edit_reply_markup(reply_markup=None)
    except TelegramBadRequest as exc:
        log.info("decision button not removed: %s", exc.message)


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_done, F.data.startswith(DONE_PREFIX))
    router.callback_query.register(on_follow_up, F.data.startswith(FOLLOW_UP_PREFIX))
    return router
