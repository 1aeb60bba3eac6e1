"""aiogram-dialog's dialog manager, minus the dead end when the last dialog of a chat closes.

aiogram-dialog closes the last dialog of a stack (a «⬅️ Back» that is a Cancel, a flow's
`done()`) by taking the buttons off its message and showing nothing else: the person is left on
a screen with no way on. Whichever dialog closes, we show the main menu instead: in the same
message after a tap, below theirs after a typed message. A flow that closes because a message of
its own follows (the export's «Preparing…») says so with `done(LEAVES_A_MESSAGE)`.
"""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.types import CallbackQuery
from aiogram_dialog import ShowMode, StartMode
from aiogram_dialog.api.entities import ChatEvent
from aiogram_dialog.api.internal import DialogManagerFactory
from aiogram_dialog.api.protocols import (
    DialogManager,
    DialogRegistryProtocol,
    MediaIdStorageProtocol,
    MessageManagerProtocol,
)
from aiogram_dialog.context.media_storage import MediaIdStorage
from aiogram_dialog.manager.manager import ManagerImpl
from aiogram_dialog.manager.message_manager import MessageManager

# done()'s result when the closing flow sends a message of its own next.
LEAVES_A_MESSAGE = "leaves_a_message"


class MenuAfterLastDialog(ManagerImpl):
    async def _process_last_dialog_result(self, start_data: Any, result: Any) -> None:
        if result == LEAVES_A_MESSAGE or self.middleware_data.get("actor") is None:
            await super()._process_last_dialog_result(start_data, result)
            return
        from bot.dialogs.menu.states import MenuSG

        tapped = isinstance(self.event, CallbackQuery)
        await self.start(
            MenuSG.main,
            mode=StartMode.RESET_STACK,
            show_mode=ShowMode.EDIT if tapped else ShowMode.SEND,
        )


class ManagerFactory(DialogManagerFactory):
    """aiogram-dialog's DefaultManagerFactory, building MenuAfterLastDialog managers."""

    def __init__(
        self,
        message_manager: MessageManagerProtocol | None = None,
        media_id_storage: MediaIdStorageProtocol | None = None,
    ) -> None:
        self.message_manager = message_manager or MessageManager()
        self.media_id_storage = media_id_storage or MediaIdStorage()

    def __call__(
        self,
        event: ChatEvent,
        data: dict[str, Any],
        registry: DialogRegistryProtocol,
        router: Router,
    ) -> DialogManager:
        return MenuAfterLastDialog(
            event=event,
            data=data,
            message_manager=self.message_manager,
            media_id_storage=self.media_id_storage,
            registry=registry,
            router=router,
            getter=None,
        )
