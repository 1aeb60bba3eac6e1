"""Parents' buttons under the messages the outbox sends (the week, reminders, the questionnaire
invitation), and /progress.

The ids in the buttons are only a hint: the services re-check that the presser is a parent of
that family (ids from the database); a refusal goes through handlers/errors.py, which answers
and audits it.
"""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode, StartMode
from sqlalchemy.ext.asyncio import AsyncSession

from bot import texts
from bot.clock import Clock
from bot.content import Content
from bot.db.models import Role
from bot.dialogs.homework.dialog import open_week, take_loose_answer
from bot.dialogs.homework.states import ProgressSG
from bot.dialogs.questionnaire.dialog import open_questionnaire
from bot.dialogs.widgets import start_beside
from bot.handlers.filters import HasRole, Joined, id_after
from bot.i18n import N_
from bot.notifications.homework import ANSWER_PREFIX, QUESTIONNAIRE_PREFIX, SNOOZE_PREFIX
from bot.services import audit, homework
from bot.services.access import Actor
from bot.services.homework import SnoozeOutcome, WeekState

log = logging.getLogger(__name__)

STALE = N_("This button is out of date.")


async def on_answer(
    callback: CallbackQuery,
    session: AsyncSession,
    clock: Clock,
    content: Content,
    dialog_manager: DialogManager,
    actor: Actor | None = None,
) -> None:
    week_id = id_after(callback.data, ANSWER_PREFIX)
    if week_id is None:
        await callback.answer(_(STALE))
        return
    week = await homework.parent_week(session, actor, week_id, clock.now(), content.programmes)
    await callback.answer()
    start_beside(callback, dialog_manager)
    await open_week(dialog_manager, week, mode=StartMode.RESET_STACK, show_mode=ShowMode.SEND)


async def on_snooze(
    callback: CallbackQuery,
    session: AsyncSession,
    clock: Clock,
    content: Content,
    actor: Actor | None = None,
) -> None:
    week_id = id_after(callback.data, SNOOZE_PREFIX)
    if week_id is None:
        await callback.answer(_(STALE))
        return
    outcome = await homework.snooze(session, actor, week_id, clock.now())
    if outcome is SnoozeOutcome.NOT_NEEDED:
        week = await homework.parent_week(session, actor, week_id, clock.now(), content.programmes)
        if week.state is WeekState.DONE:
            await callback.answer(_("Already handed in: no reminder needed."))
        else:
            await callback.answer(_("This week is closed now: no reminder needed."))
    else:
        await callback.answer(_("Fine: I will remind you tomorrow."))
    await _drop_snooze_button(callback)


async def _drop_snooze_button(callback: CallbackQuery) -> None:
    message = callback.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    rows = [
        [b for b in row if not (b.callback_data or "").startswith(SNOOZE_PREFIX)]
        for row in message.reply_markup.inline_keyboard
    ]
    rows = [row for row in rows if row]
    if rows == message.reply_markup.inline_keyboard:
        return  # already gone (a forged or repeated press): nothing to edit
    try:
        await message.edit_reply_markup(
            reply_markup=InlineKeyboardMarkup(inline_keyboard=rows) if rows else None
        )
    except TelegramBadRequest as exc:
        log.info("snooze button not removed: %s", exc.message)


async def on_questionnaire(
    callback: CallbackQuery, dialog_manager: DialogManager, actor: Actor | None = None
) -> None:
    marker, _sep, tail = (callback.data or "")[len(QUESTIONNAIRE_PREFIX) :].partition(":")
    enrollment_id = id_after(tail, "")
    if marker not in ("e", "x") or enrollment_id is None:
        await callback.answer(_(STALE))
        return
    start_beside(callback, dialog_manager)
    refusal = await open_questionnaire(
        dialog_manager,
        enrollment_id,
        exit_phase=marker == "x",
        mode=StartMode.RESET_STACK,
        show_mode=ShowMode.SEND,
    )
    await callback.answer(refusal)


async def cmd_progress(message: Message, dialog_manager: DialogManager) -> None:
    await dialog_manager.start(
        ProgressSG.overview, mode=StartMode.RESET_STACK, show_mode=ShowMode.SEND
    )


async def cmd_progress_staff(message: Message) -> None:
    await message.answer(_("The families' programmes and their progress are under /programmes."))


async def cmd_progress_refused(
    message: Message, session: AsyncSession, actor: Actor, clock: Clock
) -> None:
    # Audited like every other refused command (the access matrix test checks them all).
    await audit.record(session, actor, "access.denied", clock.now(), command="progress")
    await message.answer(_(texts.NOT_ALLOWED))


async def on_loose_answer(message: Message, dialog_manager: DialogManager) -> None:
    """Outside any form: a parent's homework sent without tapping «Answer» is kept."""
    if not await take_loose_answer(message, dialog_manager):
        raise SkipHandler


def create_fallback_router() -> Router:
    """After the dialogs: only messages no open form took."""
    router = Router(name=f"{__name__}.fallback")
    router.message.register(on_loose_answer, HasRole(Role.PARENT))
    return router


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_answer, F.data.startswith(ANSWER_PREFIX))
    router.callback_query.register(on_snooze, F.data.startswith(SNOOZE_PREFIX))
    router.callback_query.register(on_questionnaire, F.data.startswith(QUESTIONNAIRE_PREFIX))
    router.message.register(cmd_progress, Command("progress"), HasRole(Role.PARENT))
    router.message.register(
        cmd_progress_staff, Command("progress"), HasRole(Role.COORDINATOR, Role.MENTOR)
    )
    router.message.register(cmd_progress_refused, Command("progress"), Joined())
    return router
