"""«📩 Open the invitation» under a network meeting invitation sent in the chat.

The id in the button is only a hint: services.meetings re-checks that the presser is that
participant; a refusal goes through handlers/errors.py, which answers and audits it.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode, StartMode
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.dialogs.meeting_invite.dialog import open_invitation
from bot.dialogs.widgets import start_beside
from bot.handlers.filters import id_after
from bot.i18n import N_
from bot.notifications.meetings import OPEN_PREFIX
from bot.services import meetings
from bot.services.access import Actor

STALE = N_("This button is out of date.")


async def on_open(
    callback: CallbackQuery,
    session: AsyncSession,
    clock: Clock,
    dialog_manager: DialogManager,
    actor: Actor | None = None,
) -> None:
    participant_id = id_after(callback.data, OPEN_PREFIX)
    if participant_id is None:
        await callback.answer(_(STALE))
        return
    await meetings.invitation_view(session, actor, participant_id, clock.now())  # rights
    await callback.answer()
    start_beside(callback, dialog_manager)
    await open_invitation(
        dialog_manager, participant_id, mode=StartMode.RESET_STACK, show_mode=ShowMode.SEND
    )


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_open, F.data.startswith(OPEN_PREFIX))
    return router
