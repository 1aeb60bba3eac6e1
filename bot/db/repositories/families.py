from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Family, FamilyLink, Person, PersonRole


async def by_id(session: AsyncSession, family_id: int) -> Family | None:
    return await session.get(Family, family_id)


async def reread(session: AsyncSession, family_id: int) -> Family | None:
    """The family as the database has it now, even when this session already holds it (a
    plain get returns the copy read earlier, e.g. before its support level changed)."""
    return await session.get(Family, family_id, populate_existing=True)


async def lock(session: AsyncSession, family_id: int) -> None:
    """Serialise changes to one family (PostgreSQL row lock; SQLite has one writer anyway)."""
    await session.execute(select(Family.id).where(Family.id == family_id).with_for_update())


async def page(
    session: AsyncSession,
    *,
    offset: int,
    limit: int,
    search: str | None = None,
    include_closed: bool = False,
) -> tuple[list[Family], int]:
    query = select(Family)
    if not include_closed:
        query = query.where(Family.closed_at.is_(None))
    if search:
        query = query.where(Family.search_name.contains(search.casefold(), autoescape=True))
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await session.scalars(query.order_by(Family.name, Family.id).offset(offset).limit(limit))
    return list(rows), total


async def page_linked(
    session: AsyncSession, person_id: int, kinds: Collection[str], *, offset: int, limit: int
) -> tuple[list[Family], int]:
    """Open families a person is attached to in one of `kinds` (a mentor's own families)."""
    linked = select(FamilyLink.family_id).where(
        FamilyLink.person_id == person_id, FamilyLink.kind.in_(kinds)
    )
    query = select(Family).where(Family.id.in_(linked), Family.closed_at.is_(None))
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await session.scalars(query.order_by(Family.name, Family.id).offset(offset).limit(limit))
    return list(rows), total


async def link(
    session: AsyncSession, family_id: int, person_id: int, kind: str, now: datetime
) -> FamilyLink | None:
    """Attach a person; returns the new link, or None when it was already there."""
    exists = await session.scalar(
        select(FamilyLink.id).where(
            FamilyLink.family_id == family_id,
            FamilyLink.person_id == person_id,
            FamilyLink.kind == kind,
        )
    )
    if exists is not None:
        return None
    new = FamilyLink(family_id=family_id, person_id=person_id, kind=kind, created_at=now)
    session.add(new)
    await session.flush()
    return new


async def unlink(
    session: AsyncSession,
    family_id: int,
    kind: str,
    *,
    person_id: int | None = None,
    except_person_id: int | None = None,
) -> list[int]:
    """Detach people of one kind (one person, or everyone but one); returns their ids."""
    query = select(FamilyLink).where(FamilyLink.family_id == family_id, FamilyLink.kind == kind)
    if person_id is not None:
        query = query.where(FamilyLink.person_id == person_id)
    if except_person_id is not None:
        query = query.where(FamilyLink.person_id != except_person_id)
    links = list(await session.scalars(query))
    if links:
        await session.execute(delete(FamilyLink).where(FamilyLink.id.in_([x.id for x in links])))
        await session.flush()
    return [x.person_id for x in links]


async def is_linked(
    session: AsyncSession, family_id: int, person_id: int, kinds: Collection[str]
) -> bool:
    found = await session.scalar(
        select(FamilyLink.id).where(
            FamilyLink.family_id == family_id,
            FamilyLink.person_id == person_id,
            FamilyLink.kind.in_(kinds),
        )
    )
    return found is not None


async def linked_people(session: AsyncSession, family_id: int) -> list[tuple[str, Person]]:
    """(kind, person) for everyone attached to a family, in the order they were attached."""
    rows = await session.execute(
        select(FamilyLink.kind, Person)
        .join(Person, Person.id == FamilyLink.person_id)
        .where(FamilyLink.family_id == family_id)
        .order_by(FamilyLink.id)
    )
    return [(kind, person) for kind, person in rows]


async def people_with_role_page(
    session: AsyncSession,
    role: str,
    link_kind: str,
    *,
    offset: int,
    limit: int,
    exclude_family_id: int | None = None,
) -> tuple[list[tuple[Person, int]], int]:
    """People holding `role`, each with how many open families they have as `link_kind`.

    People already attached to `exclude_family_id` as `link_kind` are left out.
    """
    query = select(Person).join(PersonRole).where(PersonRole.role == role)
    if exclude_family_id is not None:
        attached = select(FamilyLink.person_id).where(
            FamilyLink.family_id == exclude_family_id, FamilyLink.kind == link_kind
        )
        query = query.where(Person.id.not_in(attached))
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    people = list(
        await session.scalars(
            query.order_by(Person.display_name, Person.id).offset(offset).limit(limit)
        )
    )
    counts: dict[int, int] = {}
    if people:
        rows = await session.execute(
            select(FamilyLink.person_id, func.count(FamilyLink.id))
            .join(Family, Family.id == FamilyLink.family_id)
            .where(
                FamilyLink.person_id.in_([p.id for p in people]),
                FamilyLink.kind == link_kind,
                Family.closed_at.is_(None),
            )
            .group_by(FamilyLink.person_id)
        )
        counts = {person_id: count for person_id, count in rows}
    return [(p, counts.get(p.id, 0)) for p in people], total
