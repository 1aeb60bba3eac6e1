"""The family buttons under a mentor's homework digest: open that week's answers.

The id in the button is only a hint: the right to review the week is checked here before anything
is shown and again by the service when the review opens (which audits it); a refusal goes through
handlers/errors.py, which answers and audits it.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode, StartMode
from sqlalchemy.ext.asyncio import AsyncSession

from bot.dialogs.homework_review.states import HomeworkReviewSG
from bot.dialogs.widgets import start_beside
from bot.handlers.filters import id_after
from bot.notifications.homework import OPEN_PREFIX
from bot.services.access import Action, Actor, authorize


async def on_open(
    callback: CallbackQuery,
    dialog_manager: DialogManager,
    session: AsyncSession,
    actor: Actor | None,
) -> None:
    week_id = id_after(callback.data, OPEN_PREFIX)
    if week_id is None:
        await callback.answer(_("This button is out of date."))
        return
    # Before the dialog starts, so a refusal leaves whatever the person had open untouched.
    await authorize(session, actor, Action.HOMEWORK_REVIEW, week_id)
    start_beside(callback, dialog_manager)
    await dialog_manager.start(
        HomeworkReviewSG.answers,
        data={"week_id": week_id},
        mode=StartMode.RESET_STACK,
        show_mode=ShowMode.SEND,
    )
    await callback.answer()


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_open, F.data.startswith(OPEN_PREFIX))
    return router
