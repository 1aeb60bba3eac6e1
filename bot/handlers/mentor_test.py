"""«📝 Answers» under a candidate's test result: opens the answers for a coordinator.

The service checks that the presser is a coordinator and that the attempt exists and is
finished; a refusal goes through handlers/errors.py, which answers and audits it.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager

from bot.dialogs.mentor_test.dialog import open_answers
from bot.dialogs.widgets import start_beside
from bot.handlers.filters import id_after
from bot.notifications.mentor_test import ANSWERS_PREFIX
from bot.services.errors import DomainError


async def on_answers(callback: CallbackQuery, dialog_manager: DialogManager) -> None:
    attempt_id = id_after(callback.data, ANSWERS_PREFIX)
    if attempt_id is None:
        await callback.answer(_("This button is out of date."))
        return
    try:
        start_beside(callback, dialog_manager)
        await open_answers(dialog_manager, attempt_id)
    except DomainError as error:
        if error.code != "mentor_test_not_found":
            raise
        await callback.answer(_("This button is out of date."))
        return
    await callback.answer()


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_answers, F.data.startswith(ANSWERS_PREFIX))
    return router
