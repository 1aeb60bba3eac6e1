from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Family, Invitation, MeetingParticipant


async def by_hash(session: AsyncSession, token_hash: str) -> Invitation | None:
    return await session.scalar(select(Invitation).where(Invitation.token_hash == token_hash))


async def by_id(session: AsyncSession, invitation_id: int) -> Invitation | None:
    return await session.get(Invitation, invitation_id)


def _open(now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (
        Invitation.used_at.is_(None),
        Invitation.revoked_at.is_(None),
        Invitation.expires_at > now,
    )


async def open_page(
    session: AsyncSession, now: datetime, *, offset: int, limit: int
) -> tuple[list[tuple[Invitation, str | None]], int]:
    """Open invitations with the name of the family they are for, if any."""
    total = await session.scalar(select(func.count(Invitation.id)).where(*_open(now))) or 0
    rows = await session.execute(
        select(Invitation, Family.name)
        .outerjoin(Family, Family.id == Invitation.family_id)
        .where(*_open(now))
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return [(invitation, name) for invitation, name in rows.all()], total


async def mark_used(
    session: AsyncSession, invitation_id: int, person_id: int, now: datetime
) -> bool:
    """Atomic: of two people racing for one link, exactly one wins."""
    result = await session.execute(
        update(Invitation)
        .where(Invitation.id == invitation_id, *_open(now))
        .values(used_at=now, used_by_id=person_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def revoke(session: AsyncSession, invitation_id: int, now: datetime) -> bool:
    result = await session.execute(
        update(Invitation).where(Invitation.id == invitation_id, *_open(now)).values(revoked_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def revoke_open_of_participant(
    session: AsyncSession, participant_id: int, now: datetime
) -> None:
    """The participant's links not used nor revoked yet stop working."""
    await session.execute(
        update(Invitation)
        .where(
            Invitation.meeting_participant_id == participant_id,
            Invitation.used_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )


async def revoke_open_of_meeting(session: AsyncSession, meeting_id: int, now: datetime) -> None:
    """The links of every participant of the meeting not used nor revoked yet stop working."""
    await session.execute(
        update(Invitation)
        .where(
            Invitation.meeting_participant_id.in_(
                select(MeetingParticipant.id).where(MeetingParticipant.meeting_id == meeting_id)
            ),
            Invitation.used_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
