"""The button under a follow-up invitation or reminder: opens the follow-up questionnaire.

The id in the button is only a hint: the service re-checks that the presser is a parent of that
family (ids from the database); a refusal goes through handlers/errors.py, which answers and
audits it.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode, StartMode

from bot.dialogs.follow_up.dialog import open_follow_up
from bot.dialogs.widgets import start_beside
from bot.handlers.filters import id_after
from bot.handlers.homework import STALE
from bot.notifications.follow_ups import FOLLOW_UP_PREFIX


async def on_follow_up(callback: CallbackQuery, dialog_manager: DialogManager) -> None:
    follow_up_id = id_after(callback.data, FOLLOW_UP_PREFIX)
    if follow_up_id is None:
        await callback.answer(_(STALE))
        return
    start_beside(callback, dialog_manager)
    refusal = await open_follow_up(
        dialog_manager, follow_up_id, mode=StartMode.RESET_STACK, show_mode=ShowMode.SEND
    )
    await callback.answer(refusal)


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_follow_up, F.data.startswith(FOLLOW_UP_PREFIX))
    return router
