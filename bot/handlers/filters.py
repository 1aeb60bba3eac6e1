from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.types import TelegramObject

from bot.db.models import Role
from bot.services.access import Actor


class HasRole(Filter):
    """Routes only people who hold one of the roles; the services re-check on every action."""

    def __init__(self, *roles: Role) -> None:
        self.roles = {role.value for role in roles}

    async def __call__(self, event: TelegramObject, actor: Actor | None = None, **_: Any) -> bool:
        return actor is not None and bool(self.roles & actor.roles)


class Joined(Filter):
    async def __call__(self, event: TelegramObject, actor: Actor | None = None, **_: Any) -> bool:
        return actor is not None


MAX_ID_DIGITS = 9  # ids fit a 32-bit column; longer digit strings are forged


def id_after(data: str | None, prefix: str) -> int | None:
    """The id in callback data `prefix<digits>`, or None when it is malformed (digits only, not
    too many): callback data can be forged. Rights on the id are the service's job."""
    tail = (data or "")[len(prefix) :] if (data or "").startswith(prefix) else ""
    return int(tail) if tail.isdigit() and len(tail) <= MAX_ID_DIGITS else None
