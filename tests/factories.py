"""Rows for service-level tests, made the way the services expect them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Person, PersonRole, Role
from bot.services.access import Actor


async def make_person(
    session: AsyncSession, telegram_id: int, *roles: Role, now: datetime
) -> Actor:
    someone = Person(
        telegram_id=telegram_id,
        display_name=f"P{telegram_id}",
        locale="ru",
        timezone="Europe/Moscow",
        created_at=now,
        roles=[PersonRole(role=r.value, granted_at=now) for r in roles],
    )
    session.add(someone)
    await session.flush()
    return Actor.of(someone)
