"""«📝 Rate the meeting» under the SRS survey message: opens the survey for that attendee.

The service checks that the presser is that participant and attended; a refusal goes through
handlers/errors.py, which answers and audits it.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager

from bot.dialogs.srs.dialog import open_survey
from bot.dialogs.widgets import start_beside
from bot.handlers.filters import id_after
from bot.notifications.meeting_notices import SURVEY_PREFIX
from bot.services.errors import DomainError


async def on_survey(callback: CallbackQuery, dialog_manager: DialogManager) -> None:
    participant_id = id_after(callback.data, SURVEY_PREFIX)
    if participant_id is None:
        await callback.answer(_("This button is out of date."))
        return
    try:
        start_beside(callback, dialog_manager)
        await open_survey(dialog_manager, participant_id)
    except DomainError as error:
        if error.code != "srs_not_open":
            raise
        await callback.answer(_("This survey is only for those who came to the meeting."))
        return
    await callback.answer()


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_survey, F.data.startswith(SURVEY_PREFIX))
    return router
