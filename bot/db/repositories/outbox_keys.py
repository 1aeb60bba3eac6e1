"""Which outbox dedup keys are taken: lets a scheduler scan skip what it already queued."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import OutboxMessage

KEYS_CHUNK = 500


async def existing_keys(session: AsyncSession, keys: Iterable[str]) -> set[str]:
    """Which of these outbox dedup keys are already taken (unique index lookups)."""
    wanted = list(keys)
    found: set[str] = set()
    for start in range(0, len(wanted), KEYS_CHUNK):
        chunk = wanted[start : start + KEYS_CHUNK]
        found.update(
            await session.scalars(
                select(OutboxMessage.dedup_key).where(OutboxMessage.dedup_key.in_(chunk))
            )
        )
    return found
