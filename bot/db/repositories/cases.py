"""A family's case record (its stage and final meeting). Queries only; the caller commits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import CaseRecord


async def case_record(session: AsyncSession, family_id: int) -> CaseRecord | None:
    record: CaseRecord | None = await session.scalar(
        select(CaseRecord).where(CaseRecord.family_id == family_id)
    )
    return record
