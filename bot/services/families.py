"""Families registry: the name the service uses, category, support level, time zone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import is_known_zone
from bot.db.models import Family, SupportLevel
from bot.db.repositories import families as families_repo
from bot.services import audit
from bot.services.access import Action, Actor, authorize
from bot.services.errors import DomainError

NAME_MAX = 64


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
) -> tuple[list[Family], int]:
    await authorize(session, actor, Action.FAMILY_LIST)
    families, total = await families_repo.page(session, offset=offset, limit=limit, search=search)
    await audit.record(
        session, actor, "family.list.view", now, offset=offset, shown=[f.id for f in families]
    )
    return families, total
