"""Audit trail of coordinators' views and exports of personal data, and of refused attempts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.repositories import audit as audit_repo
from bot.services.access import Actor


async def record(
    session: AsyncSession,
    actor: Actor | None,
    action: str,
    now: datetime,
    *,
    object_type: str | None = None,
    object_id: int | None = None,
    telegram_id: int | None = None,
    **details: Any,
) -> None:
    await audit_repo.add(
        session,
        at=now,
        action=action,
        actor_id=actor.person_id if actor else None,
        actor_telegram_id=actor.telegram_id if actor else telegram_id,
        object_type=object_type,
        object_id=object_id,
        details=details or None,
    )
