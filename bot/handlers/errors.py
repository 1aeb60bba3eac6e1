"""One place for failures: the user gets a short, kind answer; the log gets ids, never texts."""

from __future__ import annotations

import logging
import traceback
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import ErrorEvent, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode, StartMode
from aiogram_dialog.api.exceptions import OutdatedIntent, UnknownIntent, UnknownState
from aiogram_dialog.utils import remove_intent_id
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import texts
from bot.clock import Clock
from bot.dialogs.menu.states import MenuSG
from bot.dialogs.retired import RetiredMessages, deletable
from bot.dialogs.widgets import repeated_tap
from bot.i18n import N_, locale_for
from bot.services import audit
from bot.services.access import Actor
from bot.services.errors import AccessDenied, DomainError

log = logging.getLogger(__name__)


def _user_id(event: ErrorEvent) -> int | None:
    update = event.update
    source = update.message or update.callback_query or update.edited_message
    user = getattr(source, "from_user", None)
    return user.id if user else None


async def _tell(bot: Bot, event: ErrorEvent, text: str) -> None:
    try:
        if event.update.callback_query is not None:
            await event.update.callback_query.answer(text[:200], show_alert=True)
            return
        user_id = _user_id(event)
        if user_id is not None:
            await bot.send_message(user_id, text)
    except TelegramAPIError as exc:
        log.warning(
            "could not tell update %s about an error: %s",
            event.update.update_id,
            type(exc).__name__,
        )


async def on_stale_dialog(
    event: ErrorEvent,
    bot: Bot,
    dialog_manager: DialogManager,
    retired_messages: RetiredMessages,
    clock: Clock,
    actor: Actor | None = None,
) -> None:
    query = event.update.callback_query
    if (
        query is not None
        and isinstance(query.message, Message)
        and repeated_tap(
            dialog_manager, query.message.message_id, remove_intent_id(query.data or "")[0]
        )
        and not await retired_messages.contains(
            bot.id, query.message.chat.id, query.message.message_id
        )
    ):
        # The window the first tap opened stays; the second tap changes nothing.
        await query.answer()
        return
    log.info("stale dialog button in update %s", event.update.update_id)
    await _tell(bot, event, _(texts.STALE_BUTTON))
    if actor is None:
        return
    show_mode = ShowMode.DELETE_AND_SEND
    query = event.update.callback_query
    if query is not None:
        message = query.message
        if not isinstance(message, Message):
            return  # inaccessible (deleted, or too old to be shown): the notice is all
        if await retired_messages.contains(bot.id, message.chat.id, message.message_id):
            # A second tap on a message the first one already took away: the fresh menu is
            # there below, and Telegram would refuse to delete or strip the message again.
            return
        if not deletable(message.date, clock.now()):
            # Too old to delete (Telegram refuses after 48 hours): the message itself turns into
            # the menu, once; a second tap on it gets the notice like any retired message.
            await retired_messages.add(bot.id, message.chat.id, message.message_id)
            show_mode = ShowMode.EDIT
    # The message with the stale buttons goes away (deleted once: bot/dialogs/retired.py) and a
    # fresh menu takes its place.
    await dialog_manager.start(MenuSG.main, mode=StartMode.RESET_STACK, show_mode=show_mode)


async def on_access_denied(
    event: ErrorEvent,
    bot: Bot,
    sessionmaker: async_sessionmaker[AsyncSession],
    clock: Clock,
    actor: Actor | None = None,
) -> None:
    action = getattr(event.exception, "action", "?")
    log.info("access denied: update %s action %s", event.update.update_id, action)
    # The update's own transaction was rolled back; the refusal is recorded on its own.
    async with sessionmaker.begin() as session:
        await audit.record(
            session,
            actor,
            "access.denied",
            clock.now(),
            telegram_id=_user_id(event),
            attempted=str(action),
        )
    await _tell(bot, event, _(texts.NOT_ALLOWED))


async def on_domain_error(event: ErrorEvent, bot: Bot) -> None:
    # A rule refused what a button asked (e.g. the family was closed meanwhile): nothing was saved.
    log.info("update %s refused: %s", event.update.update_id, getattr(event.exception, "code", "?"))
    await _tell(bot, event, _(texts.CHANGED_MEANWHILE))


async def on_any_error(event: ErrorEvent, bot: Bot) -> None:
    # The exception's message may quote user input, so only its type and the stack are logged;
    # Telegram's own descriptions quote no user text and say what was wrong with the call.
    exc = event.exception
    what = type(exc).__name__
    if isinstance(exc, TelegramAPIError):
        what += f": {exc.message}"
    stack = "".join(traceback.format_tb(exc.__traceback__))
    log.error("update %s failed: %s\n%s", event.update.update_id, what, stack)
    await _tell(bot, event, _(texts.APOLOGY))


DATABASE_UNAVAILABLE = N_("The bot is temporarily unavailable. Please try again in a few minutes.")


async def on_database_unavailable(event: ErrorEvent, data: dict[str, Any]) -> None:
    """The database is away: say so briefly, through Telegram only (no session, no person).

    The update is answered and not retried: in polling the offset has moved on, and the webhook
    answers Telegram at once (updates are handled in the background), so a 5xx could not ask
    Telegram to resend it either. The person is asked to repeat it instead; nothing was saved.
    """
    log.warning(
        "update %s: database unavailable (%s)",
        event.update.update_id,
        type(event.exception).__name__,
    )
    i18n: I18n = data["i18n"]
    locale = locale_for(None, data.get("event_from_user"), i18n.default_locale)
    await _tell(data["bot"], event, i18n.gettext(DATABASE_UNAVAILABLE, locale=locale))


def create_router() -> Router:
    router = Router(name=__name__)
    router.errors.register(
        on_stale_dialog, ExceptionTypeFilter(UnknownIntent, UnknownState, OutdatedIntent)
    )
    router.errors.register(on_access_denied, ExceptionTypeFilter(AccessDenied))
    router.errors.register(on_domain_error, ExceptionTypeFilter(DomainError))
    router.errors.register(on_any_error, F.update)
    return router
