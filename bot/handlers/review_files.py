"""What /report, /export and /charts need to prepare a file beside the updates: the review
dialog builds one request and hands it to the module that makes the file."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.background import BackgroundWork
from bot.clock import Clock
from bot.content import Content
from bot.i18n.telegram import I18n
from bot.services.access import Actor
from bot.services.stats import Period, Scope


@dataclass(frozen=True)
class FileRequest:
    bot: Bot
    chat_id: int
    actor: Actor
    period: Period
    scope: Scope
    locale: str
    sessionmaker: async_sessionmaker[AsyncSession]
    clock: Clock
    i18n: I18n
    content: Content
    background: BackgroundWork
