"""Who sees which part of a family's case (shared by intake, assessment and documents).

The request and the make-up: the family's staff (its mentors, its curator) and coordinators.
The assessment and the documents: coordinators, and the family's mentors only where the service
allows it (MENTORS_SEE_CASE_DETAILS). Recording any of it: coordinators (the curator is one).
Parents and participants see none of it.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Family
from bot.db.repositories import families as families_repo
from bot.services.access import Action, Actor, authorize, is_allowed
from bot.services.errors import DomainError


async def _family(session: AsyncSession, family_id: int) -> Family:
    family = await families_repo.by_id(session, family_id)
    if family is None:
        raise DomainError("family_not_found")
    return family


async def require_view(session: AsyncSession, actor: Actor | None, family_id: int) -> Family:
    family = await _family(session, family_id)
    await authorize(session, actor, Action.CASE_VIEW, family_id)
    return family


async def require_keep(session: AsyncSession, actor: Actor | None, family_id: int) -> Family:
    family = await _family(session, family_id)
    await authorize(session, actor, Action.CASE_KEEP, family_id)
    return family


async def sees_details(
    session: AsyncSession, actor: Actor | None, family_id: int, mentors_see: bool
) -> bool:
    if await is_allowed(session, actor, Action.CASE_DETAILS, family_id):
        return True
    return mentors_see and await is_allowed(session, actor, Action.CASE_VIEW, family_id)


async def require_details(
    session: AsyncSession, actor: Actor | None, family_id: int, mentors_see: bool
) -> Family:
    family = await _family(session, family_id)
    if not await sees_details(session, actor, family_id, mentors_see):
        await authorize(session, actor, Action.CASE_DETAILS, family_id)  # refuses and says why
    return family


async def may_keep(session: AsyncSession, actor: Actor | None, family_id: int) -> bool:
    return await is_allowed(session, actor, Action.CASE_KEEP, family_id)
