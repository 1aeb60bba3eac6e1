"""Safety concerns: which are due for an alert, who hears about them, who took them on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    Family,
    FamilyLink,
    FamilyLinkKind,
    Person,
    PersonRole,
    Role,
    SafetyConcern,
    Visit,
)


@dataclass(frozen=True)
class AlertContext:
    """What an alert says: read once per alert, copied into the outbox row's parameters."""

    concern_id: int
    family_id: int
    family_name: str
    mentor_name: str | None
    text: str | None
    visit_date: date
    alerts_sent: int


@dataclass(frozen=True)
class StaffMember:
    person_id: int
    telegram_id: int
    is_coordinator: bool


async def by_id(session: AsyncSession, concern_id: int) -> SafetyConcern | None:
    return await session.get(SafetyConcern, concern_id)


async def reread(session: AsyncSession, concern_id: int) -> SafetyConcern | None:
    """The concern as the database has it now, even when this session already holds it (a
    plain get returns the copy read earlier, e.g. before another curator took it on)."""
    return await session.get(SafetyConcern, concern_id, populate_existing=True)


async def reload(session: AsyncSession, concern: SafetyConcern) -> None:
    """Read a loaded concern's columns again, e.g. after `acknowledge` changed its row behind
    the session's back (a bulk UPDATE does not touch loaded objects)."""
    await session.refresh(concern)


async def due_ids(session: AsyncSession, now: datetime, limit: int) -> list[int]:
    """Concerns whose next alert is due and nobody has taken on yet (ix on next_alert_at)."""
    rows = await session.scalars(
        select(SafetyConcern.id)
        .where(
            SafetyConcern.next_alert_at.is_not(None),
            SafetyConcern.next_alert_at <= now,
            SafetyConcern.acknowledged_at.is_(None),
        )
        .order_by(SafetyConcern.next_alert_at, SafetyConcern.id)
        .limit(limit)
    )
    return list(rows)


async def alert_context(session: AsyncSession, concern_id: int) -> AlertContext | None:
    row = (
        await session.execute(
            select(
                SafetyConcern.id,
                SafetyConcern.family_id,
                Family.name,
                Person.display_name,
                Visit.concern_text,
                Visit.visit_date,
                SafetyConcern.alerts_sent,
            )
            .join(Family, Family.id == SafetyConcern.family_id)
            .join(Visit, Visit.id == SafetyConcern.visit_id)
            .outerjoin(Person, Person.id == Visit.mentor_id)
            .where(SafetyConcern.id == concern_id)
        )
    ).one_or_none()
    if row is None:
        return None
    return AlertContext(*row)


async def mark_alert_sent(
    session: AsyncSession,
    concern_id: int,
    *,
    alerts_sent_before: int,
    now: datetime,
    next_alert_at: datetime | None,
) -> bool:
    """Count one alert, compare-and-set: False when another worker counted it, it is not due
    (any more) or it was taken on.

    On PostgreSQL a second replica's UPDATE waits for the first one's row lock, then re-reads the
    row and matches nothing, so each alert is counted (and enqueued) once.
    """
    result = await session.execute(
        update(SafetyConcern)
        .where(
            SafetyConcern.id == concern_id,
            SafetyConcern.alerts_sent == alerts_sent_before,
            SafetyConcern.next_alert_at <= now,
            SafetyConcern.acknowledged_at.is_(None),
        )
        .values(alerts_sent=alerts_sent_before + 1, next_alert_at=next_alert_at)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    return bool(result.rowcount)


async def acknowledge(
    session: AsyncSession, concern_id: int, person_id: int, now: datetime
) -> bool:
    """Take a concern on; False when someone already had (first press wins)."""
    result = await session.execute(
        update(SafetyConcern)
        .where(SafetyConcern.id == concern_id, SafetyConcern.acknowledged_at.is_(None))
        .values(acknowledged_at=now, acknowledged_by_id=person_id, next_alert_at=None)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    return bool(result.rowcount)


async def alert_recipients(session: AsyncSession, family_id: int) -> list[StaffMember]:
    """Every coordinator and the family's curator(s), each once."""
    coordinators = await session.execute(
        select(Person.id, Person.telegram_id)
        .join(PersonRole, PersonRole.person_id == Person.id)
        .where(PersonRole.role == Role.COORDINATOR.value)
    )
    curators = await session.execute(
        select(Person.id, Person.telegram_id)
        .join(FamilyLink, FamilyLink.person_id == Person.id)
        .where(FamilyLink.family_id == family_id, FamilyLink.kind == FamilyLinkKind.CURATOR.value)
    )
    found: dict[int, StaffMember] = {}
    for person_id, telegram_id in coordinators:
        found[person_id] = StaffMember(person_id, telegram_id, is_coordinator=True)
    for person_id, telegram_id in curators:
        found.setdefault(person_id, StaffMember(person_id, telegram_id, is_coordinator=False))
    return [found[key] for key in sorted(found)]


async def stop_alerts(session: AsyncSession, concern_id: int) -> None:
    await session.execute(
        update(SafetyConcern)
        .where(SafetyConcern.id == concern_id)
        .values(next_alert_at=None)
        .execution_options(synchronize_session=False)
    )


async def acknowledger_name(session: AsyncSession, concern: SafetyConcern) -> str | None:
    if concern.acknowledged_by_id is None:
        return None
    return await session.scalar(
        select(Person.display_name).where(Person.id == concern.acknowledged_by_id)
    )


async def id_for_visit(session: AsyncSession, visit_id: int) -> int | None:
    return await session.scalar(select(SafetyConcern.id).where(SafetyConcern.visit_id == visit_id))


async def taken_on_for_visit(session: AsyncSession, visit_id: int) -> bool | None:
    """Whether the visit's concern was taken on; None when the visit never had one."""
    acknowledged = await session.execute(
        select(SafetyConcern.acknowledged_at).where(SafetyConcern.visit_id == visit_id)
    )
    row = acknowledged.one_or_none()
    return None if row is None else row[0] is not None


async def set_alerts_for_visit(
    session: AsyncSession, visit_id: int, next_alert_at: datetime | None
) -> None:
    """Stop (None) or resume the alerts of a visit's concern nobody has taken on yet; resuming
    touches only stopped alerts (a running schedule keeps its time)."""
    query = update(SafetyConcern).where(
        SafetyConcern.visit_id == visit_id, SafetyConcern.acknowledged_at.is_(None)
    )
    if next_alert_at is not None:
        query = query.where(SafetyConcern.next_alert_at.is_(None))
    await session.execute(
        query.values(next_alert_at=next_alert_at).execution_options(synchronize_session=False)
    )
