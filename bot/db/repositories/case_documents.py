"""The documents of a family's case (kind, date, Telegram file id). Queries only; the caller
commits."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import CaseDocument, Person


async def by_id(session: AsyncSession, document_id: int) -> CaseDocument | None:
    return await session.get(CaseDocument, document_id)


async def count_of_family(session: AsyncSession, family_id: int) -> int:
    found = await session.scalar(
        select(func.count(CaseDocument.id)).where(CaseDocument.family_id == family_id)
    )
    return int(found or 0)


async def page_of_family(
    session: AsyncSession, family_id: int, *, offset: int, limit: int
) -> list[tuple[CaseDocument, str | None]]:
    """One page of the family's documents, newest date first (then the latest added), each
    with the name of who added it (None once that person is gone)."""
    rows = await session.execute(
        select(CaseDocument, Person.display_name)
        .outerjoin(Person, Person.id == CaseDocument.added_by_id)
        .where(CaseDocument.family_id == family_id)
        .order_by(CaseDocument.dated.desc(), CaseDocument.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return [(document, name) for document, name in rows]


async def adder_name(session: AsyncSession, document: CaseDocument) -> str | None:
    if document.added_by_id is None:
        return None
    found: str | None = await session.scalar(
        select(Person.display_name).where(Person.id == document.added_by_id)
    )
    return found


async def remove(session: AsyncSession, document_id: int) -> None:
    await session.execute(delete(CaseDocument).where(CaseDocument.id == document_id))
