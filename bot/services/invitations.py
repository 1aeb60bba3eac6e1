"""Invitations: single-use, unguessable, expiring deep-link tokens that grant one role."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Invitation, MentorStatus, Role
from bot.db.repositories import families as families_repo
from bot.db.repositories import invitations as invitations_repo
from bot.services import audit
from bot.services.access import Action, Actor, authorize
from bot.services.errors import DomainError

# 24 random bytes = 192 bits, 32 URL-safe characters: fits Telegram's 64-char start parameter.
TOKEN_BYTES = 24
INVITABLE_ROLES = (Role.COORDINATOR, Role.MENTOR, Role.PARENT)


class TokenProblem(StrEnum):
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True)
class CreatedInvitation:
    invitation: Invitation
    token: str


def invitation_link(bot_username: str | None, token: str) -> str:
    """The deep link that opens the bot with the token as /start's parameter."""
    return f"https://t.me/{bot_username}?start={token}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(text: str) -> bool:
    return 16 <= len(text) <= 64 and all(c.isalnum() or c in "-_" for c in text)


async def create(
    session: AsyncSession,
    actor: Actor,
    *,
    role: Role,
    now: datetime,
    ttl: timedelta,
    family_id: int | None = None,
    as_candidate: bool = False,
) -> CreatedInvitation:
    """`as_candidate`: a mentor invitation that makes the person a candidate (the test and the
    course first) rather than an active mentor."""
    await authorize(session, actor, Action.INVITATION_CREATE)
    if role not in INVITABLE_ROLES:
        raise DomainError("invitation_role_not_invitable")
    if role is Role.PARENT:
        family = await families_repo.by_id(session, family_id) if family_id else None
        if family is None or family.closed_at is not None:
            raise DomainError("invitation_family_required")
    else:
        family_id = None
    token = secrets.token_urlsafe(TOKEN_BYTES)
    invitation = Invitation(
        token_hash=hash_token(token),
        role=role.value,
        family_id=family_id,
        created_by_id=actor.person_id,
        created_at=now,
        expires_at=now + ttl,
        mentor_status=MentorStatus.CANDIDATE.value
        if as_candidate and role is Role.MENTOR
        else None,
    )
    session.add(invitation)
    await session.flush()
    return CreatedInvitation(invitation, token)


async def find_valid(
    session: AsyncSession, token: str, now: datetime
) -> tuple[Invitation | None, TokenProblem | None]:
    """The invitation behind a token if it can still be accepted, otherwise why not."""
    if not looks_like_token(token):
        return None, TokenProblem.UNKNOWN
    invitation = await invitations_repo.by_hash(session, hash_token(token))
    if invitation is None:
        return None, TokenProblem.UNKNOWN
    if invitation.revoked_at is not None:
        return None, TokenProblem.REVOKED
    if invitation.used_at is not None:
        return None, TokenProblem.USED
    if invitation.expires_at <= now:
        return None, TokenProblem.EXPIRED
    return invitation, None


async def list_open(
    session: AsyncSession, actor: Actor, now: datetime, *, offset: int, limit: int
) -> tuple[list[tuple[Invitation, str | None]], int]:
    await authorize(session, actor, Action.INVITATION_LIST)
    rows, total = await invitations_repo.open_page(session, now, offset=offset, limit=limit)
    await audit.record(
        session, actor, "invitation.list.view", now, offset=offset, shown=[i.id for i, _ in rows]
    )
    return rows, total


async def to_revoke(
    session: AsyncSession, actor: Actor, invitation_id: int
) -> tuple[Invitation, str | None] | None:
    """An invitation the coordinator is about to revoke, with its family's name if it has one."""
    await authorize(session, actor, Action.INVITATION_LIST)
    invitation = await invitations_repo.by_id(session, invitation_id)
    if invitation is None:
        return None
    family = (
        await families_repo.by_id(session, invitation.family_id) if invitation.family_id else None
    )
    return invitation, family.name if family else None


async def revoke(session: AsyncSession, actor: Actor, invitation_id: int, now: datetime) -> bool:
    await authorize(session, actor, Action.INVITATION_REVOKE, invitation_id)
    return await invitations_repo.revoke(session, invitation_id, now)


async def create_bootstrap(
    session: AsyncSession, *, role: Role, now: datetime, ttl: timedelta
) -> CreatedInvitation:
    """For the CLI: the first coordinator of a service when ADMIN_IDS is not used."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    invitation = Invitation(
        token_hash=hash_token(token), role=role.value, created_at=now, expires_at=now + ttl
    )
    session.add(invitation)
    await session.flush()
    return CreatedInvitation(invitation, token)
