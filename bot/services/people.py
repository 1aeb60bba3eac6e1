"""People: joining by invitation with recorded consent, the admin bootstrap, preferences."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Consent, FamilyLink, FamilyLinkKind, Person, Role
from bot.db.repositories import families as families_repo
from bot.db.repositories import invitations as invitations_repo
from bot.db.repositories import people as people_repo
from bot.services import audit, meetings, mentor_registry
from bot.services.access import Actor
from bot.services.errors import DomainError
from bot.services.invitations import find_valid
from bot.services.outbox import Recipient, enqueue

# Bump when the consent wording in locales/ changes: every consent row keeps the version it saw.
CONSENT_VERSION = "2026-11-2"
NAME_MAX = 128


@dataclass(frozen=True)
class Newcomer:
    """What Telegram tells us about a person; stored only once they accept."""

    telegram_id: int
    display_name: str
    locale: str
    timezone: str


@dataclass(frozen=True)
class Joined:
    person: Person
    role: Role
    family_id: int | None
    meeting_participant_id: int | None = None  # joined by a network meeting's personal link


async def _get_or_create(session: AsyncSession, who: Newcomer, now: datetime) -> Person:
    person = await people_repo.by_telegram_id(session, who.telegram_id)
    if person is None:
        person = Person(
            telegram_id=who.telegram_id,
            display_name=who.display_name[:NAME_MAX] or str(who.telegram_id),
            locale=who.locale,
            timezone=who.timezone,
            created_at=now,
            roles=[],  # a new person has none; saves a lazy load that async sessions forbid
        )
        session.add(person)
        await session.flush()
    person.blocked_at = None
    return person


async def join_by_invitation(
    session: AsyncSession, who: Newcomer, token: str, now: datetime
) -> Joined:
    invitation, problem = await find_valid(session, token, now)
    if invitation is None:
        raise DomainError(f"token_{problem}")
    person = await _get_or_create(session, who, now)
    if not await invitations_repo.mark_used(session, invitation.id, person.id, now):
        raise DomainError("token_used")  # someone else took it a moment ago
    await people_repo.add_consent(session, person, CONSENT_VERSION, who.locale, now)
    role = Role(invitation.role)
    await people_repo.add_role(session, person, role, now)
    if role is Role.MENTOR:  # every mentor has a place in the registry from the start
        await mentor_registry.on_mentor_joined(session, person.id, invitation.mentor_status, now)
    if role is Role.PARENT and invitation.family_id is not None:
        await families_repo.link(
            session, invitation.family_id, person.id, FamilyLinkKind.PARENT, now
        )
    participant_id = await meetings.bind(session, invitation, person.id, now)
    await audit.record(
        session,
        Actor.of(person),
        "invitation.accepted",
        now,
        object_type="invitation",
        object_id=invitation.id,
        role=role.value,
    )
    inviter = (
        await people_repo.by_id(session, invitation.created_by_id)
        if invitation.created_by_id
        else None
    )
    if inviter is not None and inviter.id != person.id:
        await enqueue(
            session,
            recipient=Recipient(inviter.id, inviter.telegram_id),
            purpose="invitation_accepted",
            kind="invitation_accepted",  # rendered by bot.notifications
            params={"role": role.value, "name": person.display_name},
            now=now,
            object_type="invitation",
            object_id=invitation.id,
        )
    return Joined(person, role, invitation.family_id, participant_id)


async def join_as_admin(
    session: AsyncSession, who: Newcomer, admin_ids: list[int], now: datetime
) -> Person:
    """ADMIN_IDS from the settings bootstrap the first coordinators without an invitation."""
    if who.telegram_id not in admin_ids:
        raise DomainError("not_admin")
    existing = await people_repo.by_telegram_id(session, who.telegram_id)
    if existing is not None and any(r.role == Role.COORDINATOR for r in existing.roles):
        return existing  # a second tap on the same consent
    person = await _get_or_create(session, who, now)
    await people_repo.add_consent(session, person, CONSENT_VERSION, who.locale, now)
    await people_repo.add_role(session, person, Role.COORDINATOR, now)
    await audit.record(session, Actor.of(person), "admin.bootstrap", now)
    return person


async def set_blocked(session: AsyncSession, telegram_id: int, since: datetime | None) -> None:
    """The person blocked the bot (since then) or unblocked it (None): the outbox stops or
    resumes sending to them."""
    await people_repo.set_blocked(session, telegram_id, since)


async def set_locale(session: AsyncSession, person: Person, locale: str) -> None:
    person.locale = locale
    await session.flush()


@dataclass(frozen=True)
class PersonalData:
    person: Person
    consents: list[Consent]
    family_links: list[tuple[FamilyLink, str]]


async def personal_data(session: AsyncSession, person: Person) -> PersonalData:
    links = await people_repo.family_links_of(session, person.id)
    named: list[tuple[FamilyLink, str]] = []
    for link in links:
        family = await families_repo.by_id(session, link.family_id)
        named.append((link, family.name if family else "—"))
    return PersonalData(person, await people_repo.consents_of(session, person.id), named)
