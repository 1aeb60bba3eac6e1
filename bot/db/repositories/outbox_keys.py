"""Outbox rows by key: which dedup keys are taken (a scan skips what it already queued), and
cancelling queued rows about an object that are no longer wanted."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import OutboxMessage, OutboxStatus

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


NO_LONGER_NEEDED = "no longer needed"  # last_error of a row cancelled because it became moot


async def cancel_queued(
    session: AsyncSession, object_type: str, object_id: int, purposes: Collection[str]
) -> int:
    """Cancel queued messages about an object that are no longer wanted (a reminder after the
    homework was handed in). A claimed row is cancelled too: its sender's compare-and-set then
    fails and it is not sent."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.object_type == object_type,
            OutboxMessage.object_id == object_id,
            OutboxMessage.purpose.in_(list(purposes)),
            OutboxMessage.status.in_([OutboxStatus.PENDING.value, OutboxStatus.CLAIMED.value]),
        )
        .values(status=OutboxStatus.CANCELLED.value, last_error=NO_LONGER_NEEDED)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
