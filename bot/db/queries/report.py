"""The /report figures /stats does not count. Parameters as in bot/db/queries/stats.py."""

from __future__ import annotations

from sqlalchemy import and_, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Visit
from bot.db.queries.stats import Window


async def families_visited(session: AsyncSession, w: Window) -> int:
    """Families with at least one (not deleted) visit in the period's days."""
    query = select(func.count(distinct(Visit.family_id))).where(
        and_(
            Visit.deleted_at.is_(None),
            Visit.visit_date >= w.start,
            Visit.visit_date <= w.end,
            w.limit(Visit.family_id),
        )
    )
    return int((await session.scalar(query)) or 0)
