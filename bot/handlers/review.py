"""/stats, /report, /export, /charts: coordinators get the review dialog, others a refusal."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram_dialog import DialogManager, ShowMode, StartMode

from bot.db.models import Role
from bot.dialogs.review.dialog import MODE
from bot.dialogs.review.states import ReviewSG
from bot.handlers.commands import cmd_coordinator_refused
from bot.handlers.filters import HasRole, Joined
from bot.services.review import Mode

REVIEW_COMMANDS = tuple(mode.value for mode in Mode)


async def cmd_review(message: Message, dialog_manager: DialogManager) -> None:
    command = (message.text or "").split()[0].lstrip("/").split("@")[0]
    await dialog_manager.start(
        ReviewSG.period,
        data={MODE: Mode(command).value},
        mode=StartMode.RESET_STACK,
        show_mode=ShowMode.SEND,
    )


def create_router() -> Router:
    """Before the dialogs: a command works even while another dialog waits for text."""
    router = Router(name=__name__)
    router.message.register(cmd_review, Command(*REVIEW_COMMANDS), HasRole(Role.COORDINATOR))
    router.message.register(cmd_coordinator_refused, Command(*REVIEW_COMMANDS), Joined())
    return router
