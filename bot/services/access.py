"""The one answer to "may this person do this to this object?".

Every handler, dialog getter and button calls `authorize` with ids read from the database;
callback data alone never grants anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import FamilyLinkKind, Person, Role
from bot.db.repositories import families as families_repo
from bot.services.errors import AccessDenied


@dataclass(frozen=True)
class Actor:
    person_id: int
    telegram_id: int
    roles: frozenset[str]

    @classmethod
    def of(cls, person: Person) -> Actor:
        return cls(person.id, person.telegram_id, frozenset(r.role for r in person.roles))

    def has(self, role: str) -> bool:
        return role in self.roles


class Action(StrEnum):
    INVITATION_CREATE = "invitation.create"
    INVITATION_LIST = "invitation.list"
    INVITATION_REVOKE = "invitation.revoke"
    FAMILY_CREATE = "family.create"
    FAMILY_LIST = "family.list"
    FAMILY_VIEW = "family.view"


# Actions open to coordinators only; coordinators see their whole service.
COORDINATOR_ACTIONS = frozenset(
    {
        Action.INVITATION_CREATE,
        Action.INVITATION_LIST,
        Action.INVITATION_REVOKE,
        Action.FAMILY_CREATE,
        Action.FAMILY_LIST,
    }
)

# Who may look at one family besides coordinators: the people attached to it.
FAMILY_VIEWERS = frozenset({FamilyLinkKind.MENTOR, FamilyLinkKind.CURATOR, FamilyLinkKind.PARENT})


async def is_allowed(
    session: AsyncSession, actor: Actor | None, action: Action, object_id: int | None = None
) -> bool:
    if actor is None:
        return False
    if actor.has(Role.COORDINATOR):
        return True
    if action in COORDINATOR_ACTIONS:
        return False
    if action is Action.FAMILY_VIEW and object_id is not None:
        return await families_repo.is_linked(
            session, object_id, actor.person_id, {k.value for k in FAMILY_VIEWERS}
        )
    return False


async def authorize(
    session: AsyncSession, actor: Actor | None, action: Action, object_id: int | None = None
) -> None:
    if not await is_allowed(session, actor, action, object_id):
        raise AccessDenied(action)
