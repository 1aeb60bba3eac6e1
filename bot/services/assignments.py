"""Who works with a family: its mentors (several) and its curator (one).

Coordinators assign them; each newly attached person is told through the outbox, in their own
language, at send time. Every change is audited (ids only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Family, FamilyLink, FamilyLinkKind, Person, Role
from bot.db.repositories import families as families_repo
from bot.db.repositories import people as people_repo
from bot.services import audit
from bot.services.access import Actor
from bot.services.errors import DomainError
from bot.services.families import PersonRef, linked, require_manage
from bot.services.outbox import Recipient, enqueue

PURPOSE_ASSIGNED = "family_assigned"
# Message kinds, rendered by bot.notifications.families (kept here: services never import aiogram).
FAMILY_ASSIGNED_MENTOR = "family_assigned_mentor"
FAMILY_ASSIGNED_CURATOR = "family_assigned_curator"


async def _open_family(session: AsyncSession, actor: Actor, family_id: int) -> Family:
    family = await require_manage(session, actor, family_id)
    if family.closed_at is not None:
        raise DomainError("family_closed")
    return family


async def _person_with_role(session: AsyncSession, person_id: int, role: Role) -> Person:
    person = await people_repo.by_id(session, person_id)
    if person is None or not any(r.role == role for r in person.roles):
        raise DomainError(f"not_a_{role.value}")
    return person


async def _tell(
    session: AsyncSession,
    actor: Actor,
    person: Person,
    family: Family,
    link: FamilyLink,
    kind: str,
    now: datetime,
) -> None:
    if person.id == actor.person_id:
        return  # they did it themselves
    await enqueue(
        session,
        recipient=Recipient(person.id, person.telegram_id),
        purpose=PURPOSE_ASSIGNED,
        kind=kind,
        params={"family": family.name},
        now=now,
        object_type="family",
        object_id=family.id,
        occurrence=f"{link.kind}:{link.id}",  # told again after a removal and a new assignment
    )


async def assign_mentor(
    session: AsyncSession, actor: Actor, family_id: int, person_id: int, now: datetime
) -> bool:
    """Attach a mentor (a family may have several); False when they already were attached."""
    family = await _open_family(session, actor, family_id)
    person = await _person_with_role(session, person_id, Role.MENTOR)
    link = await families_repo.link(session, family_id, person_id, FamilyLinkKind.MENTOR, now)
    if link is None:
        return False
    await audit.record(
        session,
        actor,
        "family.mentor.assign",
        now,
        object_type="family",
        object_id=family_id,
        person_id=person_id,
    )
    await _tell(session, actor, person, family, link, FAMILY_ASSIGNED_MENTOR, now)
    return True


async def unassign_mentor(
    session: AsyncSession, actor: Actor, family_id: int, person_id: int, now: datetime
) -> bool:
    """Detach a mentor; False when they were not attached (a double tap). History is kept."""
    await require_manage(session, actor, family_id)
    removed = await families_repo.unlink(
        session, family_id, FamilyLinkKind.MENTOR, person_id=person_id
    )
    if not removed:
        return False
    await audit.record(
        session,
        actor,
        "family.mentor.unassign",
        now,
        object_type="family",
        object_id=family_id,
        person_id=person_id,
    )
    return True


async def set_curator(
    session: AsyncSession, actor: Actor, family_id: int, person_id: int, now: datetime
) -> bool:
    """Make a coordinator the family's one curator, replacing the previous one.

    False when they already were the curator.
    """
    family = await _open_family(session, actor, family_id)
    person = await _person_with_role(session, person_id, Role.COORDINATOR)
    await families_repo.lock(session, family_id)  # two coordinators at once: still one curator
    replaced = await families_repo.unlink(
        session, family_id, FamilyLinkKind.CURATOR, except_person_id=person_id
    )
    link = await families_repo.link(session, family_id, person_id, FamilyLinkKind.CURATOR, now)
    if link is None:
        return False
    await audit.record(
        session,
        actor,
        "family.curator.set",
        now,
        object_type="family",
        object_id=family_id,
        person_id=person_id,
        replaced=replaced,
    )
    await _tell(session, actor, person, family, link, FAMILY_ASSIGNED_CURATOR, now)
    return True


async def mentor_candidates(
    session: AsyncSession, actor: Actor, family_id: int, *, offset: int, limit: int
) -> tuple[list[tuple[Person, int]], int]:
    """People with the mentor role not yet attached to the family, with their open families."""
    await _open_family(session, actor, family_id)
    return await families_repo.people_with_role_page(
        session,
        Role.MENTOR,
        FamilyLinkKind.MENTOR,
        offset=offset,
        limit=limit,
        exclude_family_id=family_id,
    )


async def curator_candidates(
    session: AsyncSession, actor: Actor, family_id: int, *, offset: int, limit: int
) -> tuple[list[tuple[Person, int]], int]:
    """Coordinators, with how many open families each is the curator of."""
    await _open_family(session, actor, family_id)
    return await families_repo.people_with_role_page(
        session, Role.COORDINATOR, FamilyLinkKind.CURATOR, offset=offset, limit=limit
    )


@dataclass(frozen=True)
class Staff:
    family: Family
    mentors: list[PersonRef]
    curator: PersonRef | None


async def staff(session: AsyncSession, actor: Actor, family_id: int) -> Staff:
    """A family's mentors and curator, for the coordinator's assignment screens."""
    family = await require_manage(session, actor, family_id)
    _parents, mentors, curator = await linked(session, family_id)
    return Staff(family, mentors, curator)
