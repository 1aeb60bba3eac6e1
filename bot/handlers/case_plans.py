"""The buttons under a plan task's reminder: «✅ Done» and «📋 Open the task».

The id in the button is only a hint: the service checks that the presser may keep that family's
plan (its mentors, its curator, coordinators); a refusal goes through handlers/errors.py, which
answers and audits it.
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
from bot.db.models import PlanTaskStatus
from bot.dialogs.plan.states import FAMILY_ID, TASK_ID, PlanSG
from bot.dialogs.widgets import start_beside
from bot.handlers.filters import id_after
from bot.notifications.case_plans import DONE_PREFIX, OPEN_PREFIX
from bot.services import case_plans
from bot.services.access import Actor
from bot.services.errors import DomainError

log = logging.getLogger(__name__)

STALE = {"task_not_found", "family_closed"}


async def on_done(
    callback: CallbackQuery, session: AsyncSession, clock: Clock, actor: Actor | None
) -> None:
    task_id = id_after(callback.data, DONE_PREFIX)
    if task_id is None:
        await callback.answer(_("This button is out of date."))
        return
    try:
        done = await case_plans.set_status(
            session, actor, task_id, PlanTaskStatus.DONE, clock.now()
        )
    except DomainError as error:
        if error.code not in STALE:
            raise
        await callback.answer(_("This button is out of date."))
        return
    await callback.answer(
        _("✅ Marked as done.") if done else _("This task was already marked as done.")
    )
    message = callback.message
    if isinstance(message, Message) and message.reply_markup is not None:
        try:
            await message.edit_reply_markup(reply_markup=None)
        except TelegramBadRequest as exc:
            log.info("plan task buttons not removed: %s", exc.message)


async def on_open(
    callback: CallbackQuery,
    dialog_manager: DialogManager,
    session: AsyncSession,
    actor: Actor | None,
) -> None:
    task_id = id_after(callback.data, OPEN_PREFIX)
    if task_id is None:
        await callback.answer(_("This button is out of date."))
        return
    try:
        # Before the dialog starts, so a refusal leaves whatever the person had open untouched.
        task = await case_plans.get_task(session, actor, task_id)
    except DomainError as error:
        if error.code != "task_not_found":
            raise
        await callback.answer(_("This button is out of date."))
        return
    start_beside(callback, dialog_manager)
    await dialog_manager.start(
        PlanSG.task,
        data={FAMILY_ID: task.family_id, TASK_ID: task.id},
        mode=StartMode.RESET_STACK,
        show_mode=ShowMode.SEND,
    )
    await callback.answer()


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_done, F.data.startswith(DONE_PREFIX))
    router.callback_query.register(on_open, F.data.startswith(OPEN_PREFIX))
    return router
