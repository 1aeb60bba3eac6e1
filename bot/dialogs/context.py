"""Typed access to what the middlewares put into every update, for dialog callbacks and getters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiogram import Bot
from aiogram_dialog import DialogManager
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.content import Content
from bot.db.models import Person
from bot.services.access import Actor
from bot.services.errors import AccessDenied


@dataclass(frozen=True)
class Ctx:
    session: AsyncSession
    person: Person | None
    actor: Actor | None
    clock: Clock
    settings: Settings
    content: Content
    bot: Bot
    locale: str

    def now(self) -> datetime:
        return self.clock.now()

    def require_actor(self) -> Actor:
        if self.actor is None:
            raise AccessDenied("person")
        return self.actor


def ctx(manager: DialogManager) -> Ctx:
    data: dict[str, Any] = manager.middleware_data
    i18n = data.get("i18n")
    return Ctx(
        session=data["session"],
        person=data.get("person"),
        actor=data.get("actor"),
        clock=data["clock"],
        settings=data["settings"],
        content=data["content"],
        bot=data["bot"],
        locale=i18n.current_locale if i18n else data["settings"].default_locale,
    )
