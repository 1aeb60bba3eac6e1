"""Families registry: the name the service uses, category, support level, time zone; the card,
closing and reopening a case, the support level. Assigning people is in services.assignments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import is_known_zone, local_date, zone_or
from bot.db.models import (
    CloseReason,
    Family,
    FamilyLinkKind,
    LevelChange,
    LevelSource,
    SupportLevel,
)
from bot.db.repositories import families as families_repo
from bot.db.repositories import programmes as programmes_repo
from bot.services import audit
from bot.services.access import FAMILY_STAFF, Action, Actor, authorize, is_allowed
from bot.services.errors import DomainError

NAME_MAX = 64
CLOSE_NOTE_MAX = 500


def clean_name(raw: str) -> str:
    """A family's service name, or DomainError with a code the bot explains to the user."""
    name = " ".join(raw.split())
    if not name:
        raise DomainError("family_name_empty")
    if len(name) > NAME_MAX:
        raise DomainError("family_name_too_long")
    return name


async def add(
    session: AsyncSession,
    actor: Actor,
    *,
    name: str,
    category: str,
    support_level: SupportLevel,
    timezone: str,
    known_categories: set[str],
    now: datetime,
) -> Family:
    await authorize(session, actor, Action.FAMILY_CREATE)
    name = clean_name(name)
    if category not in known_categories:
        raise DomainError("family_category_unknown")
    if not is_known_zone(timezone):
        raise DomainError("family_timezone_unknown")
    family = Family(
        name=name,
        search_name=name.casefold(),
        category=category,
        support_level=SupportLevel(support_level).value,
        timezone=timezone,
        created_at=now,
        created_by_id=actor.person_id,
    )
    session.add(family)
    await session.flush()
    await audit.record(
        session, actor, "family.create", now, object_type="family", object_id=family.id
    )
    return family


async def list_page(
    session: AsyncSession,
    actor: Actor,
    now: datetime,
    *,
    offset: int,
    limit: int,
    search: str | None = None,
    include_closed: bool = False,
) -> tuple[list[Family], int]:
    """The service's families by name; closed cases only when asked for."""
    await authorize(session, actor, Action.FAMILY_LIST)
    families, total = await families_repo.page(
        session, offset=offset, limit=limit, search=search, include_closed=include_closed
    )
    await audit.record(
        session, actor, "family.list.view", now, offset=offset, shown=[f.id for f in families]
    )
    return families, total


async def my_families_page(
    session: AsyncSession, actor: Actor, *, offset: int, limit: int
) -> tuple[list[Family], int]:
    """Open families the person is attached to as a mentor or curator."""
    return await families_repo.page_linked(
        session, actor.person_id, FAMILY_STAFF, offset=offset, limit=limit
    )


# --- the card -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonRef:
    id: int
    name: str


@dataclass(frozen=True)
class FamilyCard:
    family: Family
    parents: list[PersonRef]
    mentors: list[PersonRef]
    curator: PersonRef | None
    can_manage: bool  # the viewer may assign people, close, reopen, change the level

    @property
    def is_closed(self) -> bool:
        return self.family.closed_at is not None


async def _existing(session: AsyncSession, family_id: int) -> Family:
    family = await families_repo.by_id(session, family_id)
    if family is None:
        raise DomainError("family_not_found")
    return family


async def require_manage(session: AsyncSession, actor: Actor | None, family_id: int) -> Family:
    """The family, if the actor may manage it (AccessDenied otherwise)."""
    await authorize(session, actor, Action.FAMILY_MANAGE, family_id)
    return await _existing(session, family_id)


async def require_view(session: AsyncSession, actor: Actor | None, family_id: int) -> Family:
    """The family, if the actor may open its card (AccessDenied otherwise)."""
    await authorize(session, actor, Action.FAMILY_VIEW, family_id)
    return await _existing(session, family_id)


async def linked(
    session: AsyncSession, family_id: int
) -> tuple[list[PersonRef], list[PersonRef], PersonRef | None]:
    """Parents, mentors and the curator of a family (callers check access first)."""
    parents: list[PersonRef] = []
    mentors: list[PersonRef] = []
    curator: PersonRef | None = None
    for kind, person in await families_repo.linked_people(session, family_id):
        ref = PersonRef(person.id, person.display_name)
        if kind == FamilyLinkKind.PARENT:
            parents.append(ref)
        elif kind == FamilyLinkKind.MENTOR:
            mentors.append(ref)
        elif kind == FamilyLinkKind.CURATOR:
            curator = ref
    return parents, mentors, curator


async def family_card(
    session: AsyncSession, actor: Actor, family_id: int, now: datetime
) -> FamilyCard:
    """Everything the card shows; every view is audited (it is personal data)."""
    family = await require_view(session, actor, family_id)
    parents, mentors, curator = await linked(session, family_id)
    can_manage = await is_allowed(session, actor, Action.FAMILY_MANAGE, family_id)
    await audit.record(
        session, actor, "family.view", now, object_type="family", object_id=family_id
    )
    return FamilyCard(family, parents, mentors, curator, can_manage)


# --- closing, reopening, the support level --------------------------------------------------


def clean_note(raw: str | None) -> str | None:
    note = (raw or "").strip()
    if len(note) > CLOSE_NOTE_MAX:
        raise DomainError("close_note_too_long")
    return note or None


async def close_family(
    session: AsyncSession,
    actor: Actor,
    family_id: int,
    reason: CloseReason,
    note: str | None,
    now: datetime,
) -> Family:
    """Close the case; the family keeps its history and drops out of lists and reminders."""
    family = await require_manage(session, actor, family_id)
    reason = CloseReason(reason)
    note = clean_note(note)
    if reason is CloseReason.OTHER and note is None:
        raise DomainError("close_note_required")
    if family.closed_at is not None:
        raise DomainError("family_closed")
    family.closed_at = now
    family.closed_reason = reason.value
    family.closed_note = note
    family.closed_by_id = actor.person_id
    # A closed case gets no more weekly homework: its running programme stops with it.
    await programmes_repo.stop_running(session, family_id, now)
    await session.flush()
    await audit.record(
        session,
        actor,
        "family.close",
        now,
        object_type="family",
        object_id=family_id,
        reason=reason.value,
    )
    return family


async def reopen_family(
    session: AsyncSession, actor: Actor, family_id: int, now: datetime
) -> Family:
    family = await require_manage(session, actor, family_id)
    if family.closed_at is None:
        raise DomainError("family_not_closed")
    previous = family.closed_reason
    family.closed_at = None
    family.closed_reason = None
    family.closed_note = None
    family.closed_by_id = None
    await session.flush()
    await audit.record(
        session,
        actor,
        "family.reopen",
        now,
        object_type="family",
        object_id=family_id,
        closed_reason=previous,
    )
    return family


LEVEL_REASON_MAX = 500


def clean_level_reason(raw: str | None) -> str:
    """Why the level changes, on one line; a coordinator's change on the card needs one."""
    text = " ".join((raw or "").split())
    if not text:
        raise DomainError("level_reason_required")
    if len(text) > LEVEL_REASON_MAX:
        raise DomainError("level_reason_long")
    return text


async def set_support_level(
    session: AsyncSession,
    actor: Actor,
    family_id: int,
    level: SupportLevel,
    now: datetime,
    *,
    source: LevelSource,
    reason: str | None = None,
    consilium_id: int | None = None,
) -> bool:
    """Basic ↔ crisis, with where the change came from and why (kept for the case file);
    returns False when the family already had that level."""
    family = await require_manage(session, actor, family_id)
    level = SupportLevel(level)
    if family.closed_at is not None:
        raise DomainError("family_closed")
    if source is LevelSource.CARD:
        reason = clean_level_reason(reason)
    if family.support_level == level.value:
        return False
    previous = family.support_level
    family.support_level = level.value
    session.add(
        LevelChange(
            family_id=family_id,
            from_level=previous,
            to_level=level.value,
            source=LevelSource(source).value,
            reason=reason,
            consilium_id=consilium_id,
            changed_at=now,
            changed_by_id=actor.person_id,
        )
    )
    await session.flush()
    await audit.record(
        session,
        actor,
        "family.level",
        now,
        object_type="family",
        object_id=family_id,
        level=level.value,
        previous=previous,
        source=LevelSource(source).value,
    )
    return True


def family_today(family: Family, now: datetime) -> date:
    """Today in the family's calendar (deadlines and start dates are its dates); UTC's if its
    zone is unknown (zones are checked on save, but a row may predate the check)."""
    return local_date(now, zone_or(family.timezone, "UTC"))
