"""/mydata for everyone who joined: before the dialogs, so it works in the middle of a form."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram_dialog import DialogManager, ShowMode, StartMode

from bot.dialogs.mydata.states import MyDataSG
from bot.handlers.filters import Joined


async def cmd_mydata(message: Message, dialog_manager: DialogManager) -> None:
    await dialog_manager.start(
        MyDataSG.summary, mode=StartMode.RESET_STACK, show_mode=ShowMode.SEND
    )


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_mydata, Command("mydata"), Joined())
    return router
