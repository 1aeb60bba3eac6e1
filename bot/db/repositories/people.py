"""Queries about people and their roles. Repositories never commit: callers own the transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from bot.db.models import Consent, FamilyLink, Person, PersonRole


async def by_telegram_id(session: AsyncSession, telegram_id: int) -> Person | None:
    # Every update loads its sender: the roles come in the same statement.
    query = (
        select(Person).options(joinedload(Person.roles)).where(Person.telegram_id == telegram_id)
    )
    return (await session.scalars(query)).unique().one_or_none()


async def by_id(session: AsyncSession, person_id: int) -> Person | None:
    return await session.get(Person, person_id)


async def reread(session: AsyncSession, person_id: int) -> Person | None:
    """The person as the database has it now, even when this session already holds them (a
    plain get returns the copy read earlier, e.g. before they lost a role)."""
    return await session.get(Person, person_id, populate_existing=True)


async def with_role(session: AsyncSession, role: str) -> list[Person]:
    rows = await session.scalars(
        select(Person).join(PersonRole).where(PersonRole.role == role).order_by(Person.id)
    )
    return list(rows)


async def reachable_with_role(session: AsyncSession, role: str) -> list[tuple[int, int, str]]:
    """(person id, telegram id, time zone) of everyone holding `role` and not blocked, by id."""
    rows = await session.execute(
        select(Person.id, Person.telegram_id, Person.timezone)
        .join(PersonRole, PersonRole.person_id == Person.id)
        .where(PersonRole.role == role, Person.blocked_at.is_(None))
        .order_by(Person.id)
    )
    return [(person_id, telegram_id, timezone) for person_id, telegram_id, timezone in rows]


async def add_role(session: AsyncSession, person: Person, role: str, now: datetime) -> bool:
    if any(r.role == role for r in person.roles):
        return False
    person.roles.append(PersonRole(role=role, granted_at=now))
    await session.flush()
    return True


async def add_consent(
    session: AsyncSession, person: Person, version: str, locale: str, now: datetime
) -> Consent:
    consent = Consent(person_id=person.id, text_version=version, locale=locale, accepted_at=now)
    session.add(consent)
    await session.flush()
    return consent


async def consents_of(session: AsyncSession, person_id: int) -> list[Consent]:
    rows = await session.scalars(
        select(Consent).where(Consent.person_id == person_id).order_by(Consent.accepted_at)
    )
    return list(rows)


async def family_links_of(session: AsyncSession, person_id: int) -> list[FamilyLink]:
    rows = await session.scalars(
        select(FamilyLink).where(FamilyLink.person_id == person_id).order_by(FamilyLink.id)
    )
    return list(rows)


async def set_blocked(session: AsyncSession, telegram_id: int, blocked_at: datetime | None) -> None:
    await session.execute(
        update(Person).where(Person.telegram_id == telegram_id).values(blocked_at=blocked_at)
    )


async def delivery_profiles(
    session: AsyncSession, person_ids: set[int]
) -> list[tuple[int, str | None, str, bool]]:
    """(id, locale, timezone, blocked) of these people: what the sender renders and paces by."""
    result = await session.execute(
        select(Person.id, Person.locale, Person.timezone, Person.blocked_at).where(
            Person.id.in_(person_ids)
        )
    )
    return [
        (pid, locale, timezone, blocked_at is not None)
        for pid, locale, timezone, blocked_at in result.all()
    ]


async def mark_blocked_by_id(session: AsyncSession, person_id: int, now: datetime) -> None:
    """The person blocked the bot (kept as first noticed when already marked)."""
    await session.execute(
        update(Person)
        .where(Person.id == person_id, Person.blocked_at.is_(None))
        .values(blocked_at=now)
        .execution_options(synchronize_session=False)
    )


async def unblocked_by_name(session: AsyncSession) -> list[tuple[int, str]]:
    """(person id, display name) of everyone who has not blocked the bot, by name. The caller
    matches names itself: SQLite's lower() knows only ASCII."""
    rows = await session.execute(
        select(Person.id, Person.display_name)
        .where(Person.blocked_at.is_(None))
        .order_by(Person.display_name, Person.id)
    )
    return [(person_id, name) for person_id, name in rows]
