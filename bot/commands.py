"""The command list Telegram shows: per language for strangers, per chat for people with roles."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from bot.config import SUPPORTED_LOCALES
from bot.db.models import Person
from bot.i18n.telegram import I18n
from bot.roles_text import STRANGER_COMMANDS, CommandSpec, commands_for

log = logging.getLogger(__name__)


def _translated(specs: list[CommandSpec] | tuple[CommandSpec, ...], i18n: I18n, locale: str):  # type: ignore[no-untyped-def]
    return [
        BotCommand(command=s.command, description=i18n.gettext(s.description, locale=locale))
        for s in specs
    ]


async def publish_default_commands(bot: Bot, i18n: I18n) -> None:
    scope = BotCommandScopeDefault()
    for locale in SUPPORTED_LOCALES:
        await bot.set_my_commands(_translated(STRANGER_COMMANDS, i18n, locale), scope, locale)
    await bot.set_my_commands(_translated(STRANGER_COMMANDS, i18n, i18n.default_locale), scope)


# The languages a chat's own list is set in: none, only the chat scope itself (one list in the
# person's chosen language, whatever their app's language). What `forget_person_commands` removes.
CHAT_LIST_LANGUAGES: tuple[str | None, ...] = (None,)


async def publish_person_commands(bot: Bot, i18n: I18n, person: Person, locale: str) -> None:
    """Chat scope wins over language scopes, so the list follows the user's own language choice."""
    commands = _translated(commands_for(r.role for r in person.roles), i18n, locale)
    try:
        for language in CHAT_LIST_LANGUAGES:
            await bot.set_my_commands(
                commands, BotCommandScopeChat(chat_id=person.telegram_id), language
            )
    except TelegramAPIError as exc:  # a menu that did not update must not break the flow
        log.warning("setMyCommands failed for person %s: %s", person.id, type(exc).__name__)


async def forget_person_commands(bot: Bot, chat_id: int) -> None:
    """The chat's own lists go (consent withdrawn, no role left): the newcomer's list of the
    default scope, in their app's language, shows again."""
    try:
        for language in CHAT_LIST_LANGUAGES:
            await bot.delete_my_commands(BotCommandScopeChat(chat_id=chat_id), language)
    except TelegramAPIError as exc:  # a menu that did not update must not break the flow
        log.warning("deleteMyCommands failed for a chat: %s", type(exc).__name__)
