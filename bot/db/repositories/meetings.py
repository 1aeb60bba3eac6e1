"""Network meetings and their participants: the meeting and participant rows, the people a
coordinator may pick, the links that invite a participant, and which meetings a /meetings list
page shows (read in the starts_at index's order: ix_meetings_starts_status covers starts_at and
status). Queries only; the caller commits."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    Family,
    Meeting,
    MeetingParticipant,
    MeetingStatus,
    Person,
    Rsvp,
)

# --- a meeting -------------------------------------------------------------------------------


async def by_id(session: AsyncSession, meeting_id: int) -> Meeting | None:
    return await session.get(Meeting, meeting_id)


async def by_draft_key(session: AsyncSession, draft_key: str) -> Meeting | None:
    """The meeting a form with this key already saved (a second Save of the same form)."""
    return await session.scalar(select(Meeting).where(Meeting.draft_key == draft_key))


async def planned_starting_within(
    session: AsyncSession, after: datetime, until: datetime
) -> list[Meeting]:
    """Planned meetings that start after `after` and no later than `until`."""
    rows = await session.scalars(
        select(Meeting).where(
            Meeting.status == MeetingStatus.PLANNED.value,
            Meeting.starts_at > after,
            Meeting.starts_at <= until,
        )
    )
    return list(rows)


# --- its participants ------------------------------------------------------------------------


async def participant_by_id(
    session: AsyncSession, participant_id: int
) -> MeetingParticipant | None:
    return await session.get(MeetingParticipant, participant_id)


async def participants(session: AsyncSession, meeting_id: int) -> list[MeetingParticipant]:
    """Everyone listed for the meeting, in the order they were added."""
    rows = await session.scalars(
        select(MeetingParticipant)
        .where(MeetingParticipant.meeting_id == meeting_id)
        .order_by(MeetingParticipant.id)
    )
    return list(rows)


async def participant_count(session: AsyncSession, meeting_id: int) -> int:
    count = await session.scalar(
        select(func.count(MeetingParticipant.id)).where(MeetingParticipant.meeting_id == meeting_id)
    )
    return int(count or 0)


async def participant_id_of_person(
    session: AsyncSession, meeting_id: int, person_id: int
) -> int | None:
    """The participant row this person already has in the meeting, if any."""
    return await session.scalar(
        select(MeetingParticipant.id).where(
            MeetingParticipant.meeting_id == meeting_id,
            MeetingParticipant.person_id == person_id,
        )
    )


async def approved_others(
    session: AsyncSession, meeting_id: int, participant_id: int
) -> list[MeetingParticipant]:
    """The meeting's other participants the child approved, in the order they were added."""
    rows = await session.scalars(
        select(MeetingParticipant)
        .where(
            MeetingParticipant.meeting_id == meeting_id,
            MeetingParticipant.id != participant_id,
            MeetingParticipant.approved_by_child.is_(True),
        )
        .order_by(MeetingParticipant.id)
    )
    return list(rows)


async def invited_in_chat(session: AsyncSession, meeting_id: int) -> list[MeetingParticipant]:
    """Participants who were invited and use the bot."""
    rows = await session.scalars(
        select(MeetingParticipant).where(
            MeetingParticipant.meeting_id == meeting_id,
            MeetingParticipant.person_id.is_not(None),
            MeetingParticipant.invited_at.is_not(None),
        )
    )
    return list(rows)


async def invited_people(
    session: AsyncSession, meeting_id: int, *, rsvps: Collection[str] | None = None
) -> list[tuple[MeetingParticipant, Person]]:
    """Invited participants who use the bot, with their person, in the order they were added;
    only those whose answer is one of `rsvps` when given."""
    query = (
        select(MeetingParticipant, Person)
        .join(Person, Person.id == MeetingParticipant.person_id)
        .where(
            MeetingParticipant.meeting_id == meeting_id,
            MeetingParticipant.invited_at.is_not(None),
        )
        .order_by(MeetingParticipant.id)
    )
    if rsvps is not None:
        query = query.where(MeetingParticipant.rsvp.in_(rsvps))
    rows = await session.execute(query)
    return [(participant, person) for participant, person in rows]


async def attendee_ids(session: AsyncSession, meeting_id: int) -> set[int]:
    """Participants ticked as having come."""
    rows = await session.scalars(
        select(MeetingParticipant.id).where(
            MeetingParticipant.meeting_id == meeting_id, MeetingParticipant.attended.is_(True)
        )
    )
    return set(rows)


async def upcoming_of_person(
    session: AsyncSession, person_id: int, now: datetime
) -> list[tuple[int, Meeting]]:
    """(participant id, meeting) of the person's planned meetings still to come, soonest first."""
    rows = await session.execute(
        select(MeetingParticipant.id, Meeting)
        .join(Meeting, Meeting.id == MeetingParticipant.meeting_id)
        .where(
            MeetingParticipant.person_id == person_id,
            Meeting.status == MeetingStatus.PLANNED.value,
            Meeting.starts_at > now,
        )
        .order_by(Meeting.starts_at)
    )
    return [(participant_id, meeting) for participant_id, meeting in rows]


# --- the links that invite them --------------------------------------------------------------


# --- the /meetings list ----------------------------------------------------------------------


def _upcoming(now: datetime) -> ColumnElement[bool]:
    return (Meeting.starts_at >= now) & (Meeting.status == MeetingStatus.PLANNED.value)


def _awaiting(now: datetime) -> ColumnElement[bool]:
    """Started but not marked held: waiting for the coordinator to tick who came."""
    return (Meeting.status == MeetingStatus.PLANNED.value) & (Meeting.starts_at < now)


async def awaiting_count(session: AsyncSession, now: datetime) -> int:
    return int(await session.scalar(select(func.count(Meeting.id)).where(_awaiting(now))) or 0)


async def upcoming_ids(
    session: AsyncSession, now: datetime, offset: int, limit: int
) -> tuple[list[int], int]:
    """A page of planned meetings still to come, soonest first, and how many there are."""
    where = _upcoming(now)
    total = await session.scalar(select(func.count(Meeting.id)).where(where)) or 0
    ids = await session.scalars(
        select(Meeting.id)
        .where(where)
        .order_by(Meeting.starts_at.asc(), Meeting.id.asc())
        .offset(offset)
        .limit(limit)
    )
    return list(ids), int(total)


async def past_ids(
    session: AsyncSession, now: datetime, offset: int, limit: int
) -> tuple[list[int], int]:
    """A page of the other meetings: first those waiting for «who came», then held and
    cancelled ones, each latest first; and how many there are. Two index-ordered reads rather
    than one sort of every past meeting by a computed key."""
    total, waiting = (
        await session.execute(
            select(func.count(Meeting.id), func.count(case((_awaiting(now), 1)))).where(
                ~_upcoming(now)
            )
        )
    ).one()
    waiting = int(waiting or 0)
    order = (Meeting.starts_at.desc(), Meeting.id.desc())
    ids: list[int] = []
    if offset < waiting:
        ids += await session.scalars(
            select(Meeting.id).where(_awaiting(now)).order_by(*order).offset(offset).limit(limit)
        )
    if len(ids) < limit:
        ids += await session.scalars(
            select(Meeting.id)
            .where(Meeting.status != MeetingStatus.PLANNED.value)
            .order_by(*order)
            .offset(max(offset - waiting, 0))
            .limit(limit - len(ids))
        )
    return ids, int(total or 0)


async def with_family_names(
    session: AsyncSession, meeting_ids: Collection[int]
) -> dict[int, tuple[Meeting, str]]:
    """The meetings by id, each with its family's name."""
    rows = await session.execute(
        select(Meeting, Family.name)
        .join(Family, Family.id == Meeting.family_id)
        .where(Meeting.id.in_(meeting_ids))
    )
    return {meeting.id: (meeting, name) for meeting, name in rows}


async def invited_and_accepted(
    session: AsyncSession, meeting_ids: Collection[int]
) -> dict[int, tuple[int, int]]:
    """Meeting id → (participants invited, participants who said yes), for the meetings given
    that have participants."""
    rows = await session.execute(
        select(
            MeetingParticipant.meeting_id,
            func.count(MeetingParticipant.invited_at),
            func.sum(case((MeetingParticipant.rsvp == Rsvp.YES.value, 1), else_=0)),
        )
        .where(MeetingParticipant.meeting_id.in_(meeting_ids))
        .group_by(MeetingParticipant.meeting_id)
    )
    return {meeting_id: (invited or 0, accepted or 0) for meeting_id, invited, accepted in rows}
