"""The one answer to "may this person do this to this object?".

Every handler, dialog getter and button calls `authorize` with ids read from the database;
callback data alone never grants anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import FamilyLinkKind, Person, Role, SafetyConcern, Visit
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
    FAMILY_VIEW = "family.view"  # object: family id; the family card
    FAMILY_MANAGE = "family.manage"  # assign mentors and the curator, close, reopen, level
    VISIT_LOG = "visit.log"  # object: family id
    VISIT_VIEW = "visit.view"  # object: visit id
    VISIT_EDIT = "visit.edit"  # object: visit id; the author's time window is checked by visits
    CONCERN_ACK = "concern.ack"  # object: safety concern id
    PROGRAMME_MANAGE = "programme.manage"  # object: family id; enrol, pause, resume, stop
    PROGRAMME_VIEW = "programme.view"  # object: family id; the enrollment and its progress


# Actions open to coordinators only; coordinators see their whole service.
COORDINATOR_ACTIONS = frozenset(
    {
        Action.INVITATION_CREATE,
        Action.INVITATION_LIST,
        Action.INVITATION_REVOKE,
        Action.FAMILY_CREATE,
        Action.FAMILY_LIST,
        Action.FAMILY_MANAGE,
    }
)

# Who may open a family's card besides coordinators: its mentors and its curator.
FAMILY_STAFF = frozenset({FamilyLinkKind.MENTOR.value, FamilyLinkKind.CURATOR.value})


async def is_allowed(
    session: AsyncSession, actor: Actor | None, action: Action, object_id: int | None = None
) -> bool:
    if actor is None:
        return False
    if actor.has(Role.COORDINATOR):
        return True
    if action in COORDINATOR_ACTIONS:
        return False
    if object_id is None:
        return False
    if action is Action.FAMILY_VIEW:
        return await families_repo.is_linked(session, object_id, actor.person_id, FAMILY_STAFF)
    if action is Action.VISIT_LOG:
        return await families_repo.is_linked(
            session, object_id, actor.person_id, {FamilyLinkKind.MENTOR.value}
        )
    if action is Action.PROGRAMME_MANAGE:
        return await families_repo.is_linked(
            session, object_id, actor.person_id, {FamilyLinkKind.MENTOR.value}
        )
    if action is Action.PROGRAMME_VIEW:
        return await families_repo.is_linked(session, object_id, actor.person_id, FAMILY_STAFF)
    if action in (Action.VISIT_VIEW, Action.VISIT_EDIT):
        visit = await session.get(Visit, object_id)
        if visit is None:
            return False
        if action is Action.VISIT_EDIT:
            return visit.mentor_id == actor.person_id
        return visit.mentor_id == actor.person_id or await families_repo.is_linked(
            session, visit.family_id, actor.person_id, FAMILY_STAFF
        )
    if action is Action.CONCERN_ACK:
        concern = await session.get(SafetyConcern, object_id)
        return concern is not None and await families_repo.is_linked(
            session, concern.family_id, actor.person_id, {FamilyLinkKind.CURATOR.value}
        )
    return False


async def authorize(
    session: AsyncSession, actor: Actor | None, action: Action, object_id: int | None = None
) -> None:
    if not await is_allowed(session, actor, action, object_id):
        raise AccessDenied(action)
