from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import AuditEntry


async def add(
    session: AsyncSession,
    *,
    at: datetime,
    action: str,
    actor_id: int | None,
    actor_telegram_id: int | None = None,
    object_type: str | None = None,
    object_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEntry(
            at=at,
            action=action,
            actor_id=actor_id,
            actor_telegram_id=actor_telegram_id,
            object_type=object_type,
            object_id=object_id,
            details=details,
        )
    )
    await session.flush()
