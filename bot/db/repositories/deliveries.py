"""Outbox figures for coordinators: counts by status and the latest failed rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import OutboxMessage, OutboxStatus, Person


async def counts_since(session: AsyncSession, since: datetime) -> dict[str, int]:
    result = await session.execute(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.created_at >= since)
        .group_by(OutboxMessage.status)
    )
    return {str(status): int(count) for status, count in result.all()}


async def latest_failed(
    session: AsyncSession, since: datetime, limit: int
) -> list[tuple[int, str, int, str, datetime, str | None]]:
    """(row id, purpose, person id, display name, due at, last error), newest first."""
    result = await session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.purpose,
            OutboxMessage.person_id,
            Person.display_name,
            OutboxMessage.due_at,
            OutboxMessage.last_error,
        )
        .join(Person, Person.id == OutboxMessage.person_id)
        .where(OutboxMessage.status == OutboxStatus.FAILED, OutboxMessage.created_at >= since)
        .order_by(OutboxMessage.due_at.desc(), OutboxMessage.id.desc())
        .limit(limit)
    )
    return [tuple(row) for row in result.all()]  # type: ignore[misc]
