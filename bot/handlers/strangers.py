"""Whatever no other handler took: strangers learn what the bot is, others get a hint."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot import texts
from bot.services.access import Actor


async def on_any_message(message: Message, actor: Actor | None) -> None:
    await message.answer(_(texts.ABOUT_BOT) if actor is None else _(texts.UNKNOWN_INPUT))


async def on_any_callback(callback: CallbackQuery, actor: Actor | None) -> None:
    await callback.answer(_(texts.NOT_ALLOWED) if actor is None else _(texts.STALE_BUTTON)[:200])


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(on_any_message)
    router.callback_query.register(on_any_callback)
    return router
