"""Network meetings: the coordinator plans one around a child, lists the people the child named,
invites them; each participant sees the invitation and answers (RSVP) until the meeting starts.

Invitations: a participant who already uses the bot is invited in the chat (an outbox message);
anyone else gets a personal deep link (an `Invitation` with role participant bound to the
participant row) that the coordinator forwards. Nobody is invited before the child approved them.
Joining by such a link asks for consent first (handlers/start.py) and then binds the person to the
participant row. Participants see only their own meeting: first names and relations of the other
invitees, never a surname or the family's name.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import zone_or
from bot.config import Settings
from bot.db.models import (
    Invitation,
    Meeting,
    MeetingFormat,
    MeetingParticipant,
    MeetingStatus,
    Relation,
    Role,
    Rsvp,
)
from bot.db.repositories import families as families_repo
from bot.db.repositories import invitations as invitations_repo
from bot.db.repositories import meetings as meetings_repo
from bot.db.repositories import outbox as outbox_repo
from bot.db.repositories import people as people_repo
from bot.services import audit, outbox
from bot.services.access import Action, Actor, authorize
from bot.services.errors import DomainError
from bot.services.invitations import TOKEN_BYTES, hash_token
from bot.services.quiet_hours import in_quiet_hours

CHILD_NAME_MAX = 40
SHORT_TEXT_MAX = 200  # topic, place, facilitators, contact
NOTE_MAX = 600
NAME_MAX = 80
PHONE_MAX = 32
COMMENT_MAX = 500
DURATIONS = (60, 90, 120, 180)
DURATION_MAX = 8 * 60
MAX_PARTICIPANTS = 30

INVITE_PURPOSE = "meeting_invitation"
INVITE_KIND = "meeting_invitation"
CANCEL_PURPOSE = "meeting_cancelled"
CANCEL_KIND = "meeting_cancelled"
OBJECT_PARTICIPANT = "meeting_participant"


def _clean(value: str | None, limit: int, code: str, *, required: bool = True) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise DomainError(f"{code}_empty")
        return None
    if len(text) > limit:
        raise DomainError(f"{code}_long")
    return text


@dataclass(frozen=True)
class MeetingDraft:
    """What the coordinator filled in; `starts_local` is a wall time in the family's zone."""

    child_name: str
    topic: str
    format: MeetingFormat
    starts_local: datetime
    place: str
    duration_minutes: int
    facilitators: str
    contact: str
    note: str
    latitude: float | None = None
    longitude: float | None = None
    reason: str | None = None  # why it is called: checked against content by the caller


async def _meeting(session: AsyncSession, meeting_id: int) -> Meeting:
    meeting = await meetings_repo.by_id(session, meeting_id)
    if meeting is None:
        raise DomainError("meeting_not_found")
    return meeting


async def _participant(session: AsyncSession, participant_id: int) -> MeetingParticipant:
    participant = await meetings_repo.participant_by_id(session, participant_id)
    if participant is None:
        raise DomainError("participant_not_found")
    return participant


def local_start(meeting: Meeting) -> datetime:
    return meeting.starts_at.astimezone(ZoneInfo(meeting.timezone))


# --- the coordinator -------------------------------------------------------------------------


async def create(
    session: AsyncSession,
    actor: Actor,
    family_id: int,
    draft: MeetingDraft,
    *,
    draft_key: str,
    now: datetime,
) -> Meeting:
    """Plan a meeting (a second Save of the same form returns the first one)."""
    await authorize(session, actor, Action.MEETING_MANAGE)
    existing = await meetings_repo.by_draft_key(session, draft_key)
    if existing is not None:
        return existing
    family = await families_repo.by_id(session, family_id)
    if family is None:
        raise DomainError("family_not_found")
    if family.closed_at is not None:
        raise DomainError("family_closed")
    zone = ZoneInfo(family.timezone)
    starts_at = draft.starts_local.replace(tzinfo=zone)
    if starts_at <= now:
        raise DomainError("meeting_in_past")
    if not 15 <= draft.duration_minutes <= DURATION_MAX:
        raise DomainError("meeting_duration")
    meeting = Meeting(
        family_id=family.id,
        child_name=_clean(draft.child_name, CHILD_NAME_MAX, "meeting_child"),
        topic=_clean(draft.topic, SHORT_TEXT_MAX, "meeting_topic"),
        format=MeetingFormat(draft.format).value,
        starts_at=starts_at,
        timezone=family.timezone,
        place=_clean(draft.place, SHORT_TEXT_MAX, "meeting_place"),
        latitude=draft.latitude,
        longitude=draft.longitude,
        duration_minutes=draft.duration_minutes,
        facilitators=_clean(draft.facilitators, SHORT_TEXT_MAX, "meeting_facilitators"),
        contact=_clean(draft.contact, SHORT_TEXT_MAX, "meeting_contact"),
        note=_clean(draft.note, NOTE_MAX, "meeting_note"),
        status=MeetingStatus.PLANNED.value,
        reason=_clean(draft.reason, 32, "meeting_reason", required=False),
        created_at=now,
        created_by_id=actor.person_id,
        draft_key=draft_key,
    )
    session.add(meeting)
    await session.flush()
    await audit.record(
        session, actor, "meeting.create", now, object_type="meeting", object_id=meeting.id
    )
    return meeting


async def add_participant(
    session: AsyncSession,
    actor: Actor,
    meeting_id: int,
    *,
    name: str,
    relation: Relation,
    approved_by_child: bool,
    phone: str | None,
    now: datetime,
    person_id: int | None = None,
) -> MeetingParticipant:
    await authorize(session, actor, Action.MEETING_MANAGE)
    meeting = await _meeting(session, meeting_id)
    if meeting.status != MeetingStatus.PLANNED:
        raise DomainError("meeting_not_planned")
    if await meetings_repo.participant_count(session, meeting.id) >= MAX_PARTICIPANTS:
        raise DomainError("meeting_full")
    if person_id is not None:
        if await people_repo.by_id(session, person_id) is None:
            raise DomainError("person_not_found")
        if await meetings_repo.participant_id_of_person(session, meeting.id, person_id) is not None:
            raise DomainError("participant_duplicate")
    participant = MeetingParticipant(
        meeting_id=meeting.id,
        name=_clean(name, NAME_MAX, "participant_name"),
        relation=Relation(relation).value,
        approved_by_child=approved_by_child,
        phone=_clean(phone, PHONE_MAX, "participant_phone", required=False),
        person_id=person_id,
        created_at=now,
    )
    session.add(participant)
    await session.flush()
    return participant


async def set_approved(
    session: AsyncSession, actor: Actor, participant_id: int, approved: bool, now: datetime
) -> MeetingParticipant:
    """The child approved (or withdrew) this person; an invitation needs the approval."""
    await authorize(session, actor, Action.MEETING_MANAGE)
    participant = await _participant(session, participant_id)
    meeting = await _meeting(session, participant.meeting_id)
    if meeting.status != MeetingStatus.PLANNED:
        raise DomainError("meeting_not_planned")
    participant.approved_by_child = approved
    await audit.record(
        session,
        actor,
        "meeting.approval",
        now,
        object_type=OBJECT_PARTICIPANT,
        object_id=participant.id,
        approved=approved,
    )
    return participant


@dataclass(frozen=True)
class Invited:
    participant: MeetingParticipant
    token: str | None  # a personal link to forward; None when invited in the chat


async def invite(
    session: AsyncSession,
    actor: Actor,
    participant_id: int,
    now: datetime,
    *,
    ttl: timedelta,
) -> Invited:
    """Invite (or invite again) one participant the child approved."""
    await authorize(session, actor, Action.MEETING_MANAGE)
    participant = await _participant(session, participant_id)
    meeting = await _meeting(session, participant.meeting_id)
    if not participant.approved_by_child:
        raise DomainError("participant_not_approved")
    if meeting.status != MeetingStatus.PLANNED or meeting.starts_at <= now:
        raise DomainError("meeting_not_planned")
    participant.invited_at = now
    await audit.record(
        session,
        actor,
        "meeting.invite",
        now,
        object_type=OBJECT_PARTICIPANT,
        object_id=participant.id,
    )
    if participant.person_id is not None:
        person = await people_repo.by_id(session, participant.person_id)
        if person is None:
            raise DomainError("person_not_found")
        await outbox.enqueue(
            session,
            recipient=outbox.Recipient(person.id, person.telegram_id),
            purpose=INVITE_PURPOSE,
            kind=INVITE_KIND,
            params={"participant_id": participant.id},
            now=now,
            object_type=OBJECT_PARTICIPANT,
            object_id=participant.id,
            occurrence=now.isoformat(),  # a resend is a new message
            family_facing=True,  # an invitation can wait for the morning
        )
        return Invited(participant, None)
    # Inviting again makes a new link: the earlier unused one stops working.
    await invitations_repo.revoke_open_of_participant(session, participant.id, now)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        Invitation(
            token_hash=hash_token(token),
            role=Role.PARTICIPANT.value,
            created_by_id=actor.person_id,
            created_at=now,
            expires_at=min(now + ttl, meeting.starts_at),
            meeting_participant_id=participant.id,
        )
    )
    await session.flush()
    return Invited(participant, token)


async def note_opened(session: AsyncSession, invitation: Invitation, now: datetime) -> None:
    """The link was opened (before consent: only the participant row's time is written)."""
    if invitation.meeting_participant_id is None:
        return
    participant = await meetings_repo.participant_by_id(session, invitation.meeting_participant_id)
    if participant is not None and participant.opened_at is None:
        participant.opened_at = now


async def bind(
    session: AsyncSession, invitation: Invitation, person_id: int, now: datetime
) -> int | None:
    """Joining by a meeting link makes the person that participant; returns its id."""
    if invitation.meeting_participant_id is None:
        return None
    participant = await meetings_repo.participant_by_id(session, invitation.meeting_participant_id)
    if participant is None:
        return None
    participant.person_id = person_id
    participant.opened_at = participant.opened_at or now
    return participant.id


@dataclass(frozen=True)
class BoardLine:
    participant_id: int
    name: str
    relation: str
    approved: bool
    invited: bool
    opened: bool
    joined: bool  # uses the bot (invited in the chat or came by the link)
    rsvp: str | None
    comment: str | None
    attended: bool | None


@dataclass(frozen=True)
class Board:
    meeting: Meeting
    family_name: str
    lines: list[BoardLine]

    @property
    def counts(self) -> dict[str, int]:
        found = {"invited": 0, "yes": 0, "no": 0, "maybe": 0, "silent": 0}
        for line in self.lines:
            if line.invited:
                found["invited"] += 1
                found[line.rsvp or "silent"] += 1
        return found


async def board(session: AsyncSession, actor: Actor, meeting_id: int, now: datetime) -> Board:
    """The meeting's board for a coordinator (audited: it lists people by name)."""
    await authorize(session, actor, Action.MEETING_MANAGE)
    meeting = await _meeting(session, meeting_id)
    family = await families_repo.by_id(session, meeting.family_id)
    lines = [
        BoardLine(
            participant_id=p.id,
            name=p.name,
            relation=p.relation,
            approved=p.approved_by_child,
            invited=p.invited_at is not None,
            opened=p.opened_at is not None,
            joined=p.person_id is not None,
            rsvp=p.rsvp,
            comment=p.rsvp_comment,
            attended=p.attended,
        )
        for p in await meetings_repo.participants(session, meeting.id)
    ]
    await audit.record(
        session, actor, "meeting.board", now, object_type="meeting", object_id=meeting.id
    )
    return Board(meeting, family.name if family else "", lines)


@dataclass(frozen=True)
class MeetingRow:
    id: int
    family_name: str
    child_name: str
    starts_at: datetime
    timezone: str
    status: str
    invited: int
    accepted: int
    # Started but not marked held: waiting for the coordinator to tick who came.
    awaiting: bool = False


async def awaiting_count(session: AsyncSession, actor: Actor, now: datetime) -> int:
    """Meetings that have started and wait for «who came»."""
    await authorize(session, actor, Action.MEETING_MANAGE)
    return await meetings_repo.awaiting_count(session, now)


async def page(
    session: AsyncSession,
    actor: Actor,
    now: datetime,
    *,
    past: bool,
    offset: int,
    limit: int,
) -> tuple[list[MeetingRow], int]:
    """Upcoming meetings (soonest first) or past and cancelled ones: first those that started
    and wait for «who came», then the rest, each latest first."""
    await authorize(session, actor, Action.MEETING_MANAGE)
    # The page's ids first, then the counts for those rows only: a deep page does not count
    # the participants of every meeting it skips.
    if past:
        ids, total = await meetings_repo.past_ids(session, now, offset, limit)
    else:
        ids, total = await meetings_repo.upcoming_ids(session, now, offset, limit)
    if not ids:
        return [], int(total)
    found = await meetings_repo.with_family_names(session, ids)
    counts = await meetings_repo.invited_and_accepted(session, ids)
    rows = []
    for meeting_id in ids:
        m, name = found[meeting_id]
        invited, accepted = counts.get(meeting_id, (0, 0))
        rows.append(
            MeetingRow(
                m.id,
                name,
                m.child_name,
                m.starts_at,
                m.timezone,
                m.status,
                invited,
                accepted,
                awaiting=m.status == MeetingStatus.PLANNED and m.starts_at < now,
            )
        )
    return rows, int(total)


async def cancel(session: AsyncSession, actor: Actor, meeting_id: int, now: datetime) -> bool:
    """Cancel a planned meeting and tell everyone invited who uses the bot; False if it was
    not planned any more (a second tap)."""
    await authorize(session, actor, Action.MEETING_MANAGE)
    meeting = await _meeting(session, meeting_id)
    if meeting.status != MeetingStatus.PLANNED:
        return False
    meeting.status = MeetingStatus.CANCELLED.value
    meeting.cancelled_at = now
    # Links not used yet stop working: nobody joins a cancelled meeting.
    await invitations_repo.revoke_open_of_meeting(session, meeting.id, now)
    # Sent at once, not held for the morning: the meeting may have been tomorrow morning.
    for participant in await meetings_repo.invited_in_chat(session, meeting.id):
        assert participant.person_id is not None
        person = await people_repo.by_id(session, participant.person_id)
        if person is None:
            continue
        await outbox.enqueue(
            session,
            recipient=outbox.Recipient(person.id, person.telegram_id),
            purpose=CANCEL_PURPOSE,
            kind=CANCEL_KIND,
            params={
                "participant_id": participant.id,
                "when": local_start(meeting).strftime("%d.%m.%Y %H:%M"),
            },
            now=now,
            object_type=OBJECT_PARTICIPANT,
            object_id=participant.id,
        )
    await audit.record(
        session, actor, "meeting.cancel", now, object_type="meeting", object_id=meeting.id
    )
    return True


# --- the participant -------------------------------------------------------------------------


@dataclass(frozen=True)
class Invitee:
    name: str  # the first word of the name only
    relation: str


@dataclass(frozen=True)
class InvitationView:
    participant_id: int
    child_name: str
    topic: str
    format: str
    starts_local: datetime
    place: str
    latitude: float | None
    longitude: float | None
    duration_minutes: int
    facilitators: str
    contact: str
    note: str
    others: list[Invitee]
    rsvp: str | None
    comment: str | None
    status: str
    can_answer: bool


def first_name(name: str) -> str:
    parts = name.split()
    return parts[0] if parts else name


async def _own(
    session: AsyncSession, actor: Actor | None, participant_id: int
) -> tuple[MeetingParticipant, Meeting]:
    await authorize(session, actor, Action.MEETING_PARTICIPATE, participant_id)
    participant = await _participant(session, participant_id)
    return participant, await _meeting(session, participant.meeting_id)


def _can_answer(meeting: Meeting, now: datetime) -> bool:
    return meeting.status == MeetingStatus.PLANNED and now < meeting.starts_at


async def invitation_view(
    session: AsyncSession, actor: Actor | None, participant_id: int, now: datetime
) -> InvitationView:
    participant, meeting = await _own(session, actor, participant_id)
    others = await meetings_repo.approved_others(session, meeting.id, participant.id)
    return InvitationView(
        participant_id=participant.id,
        child_name=meeting.child_name,
        topic=meeting.topic,
        format=meeting.format,
        starts_local=local_start(meeting),
        place=meeting.place,
        latitude=meeting.latitude,
        longitude=meeting.longitude,
        duration_minutes=meeting.duration_minutes,
        facilitators=meeting.facilitators,
        contact=meeting.contact,
        note=meeting.note,
        others=[Invitee(first_name(o.name), o.relation) for o in others],
        rsvp=participant.rsvp,
        comment=participant.rsvp_comment,
        status=meeting.status,
        can_answer=_can_answer(meeting, now),
    )


async def answer(
    session: AsyncSession, actor: Actor | None, participant_id: int, rsvp: Rsvp, now: datetime
) -> bool:
    """Приду / Не смогу / Пока не знаю, changeable until the meeting starts. False when the
    answer was already this one."""
    participant, meeting = await _own(session, actor, participant_id)
    if not _can_answer(meeting, now):
        raise DomainError("meeting_answers_closed")
    value = Rsvp(rsvp).value
    if participant.rsvp == value:
        return False
    participant.rsvp = value
    participant.rsvp_at = now
    participant.opened_at = participant.opened_at or now
    return True


async def comment(
    session: AsyncSession, actor: Actor | None, participant_id: int, text: str, now: datetime
) -> None:
    participant, meeting = await _own(session, actor, participant_id)
    if not _can_answer(meeting, now):
        raise DomainError("meeting_answers_closed")
    participant.rsvp_comment = _clean(text, COMMENT_MAX, "participant_comment")


async def my_invitations(
    session: AsyncSession, actor: Actor, now: datetime
) -> list[tuple[int, datetime, str]]:
    """(participant id, local start, child's first name) of the actor's meetings to come."""
    rows = await meetings_repo.upcoming_of_person(session, actor.person_id, now)
    return [(pid, local_start(m), m.child_name) for pid, m in rows]


# --- changes and reminders -------------------------------------------------------------------

CHANGE_PURPOSE = "meeting_changed"
CHANGE_KIND = "meeting_changed"
REPLACED = "replaced by a newer change notice"  # last_error of a notice folded into the next one
REMINDER_PURPOSE = "meeting_reminder"
REMINDER_KIND = "meeting_reminder"
REMINDERS = (("24h", timedelta(hours=24)), ("2h", timedelta(hours=2)))
COMING = (Rsvp.YES.value, Rsvp.MAYBE.value)


def _when(meeting: Meeting) -> str:
    return local_start(meeting).strftime("%d.%m.%Y %H:%M")


# The time and the place are worth a message at night (the change may concern tomorrow
# morning); the other details wait for the recipient's morning, like an invitation.
URGENT_CHANGES = frozenset({"when", "place"})


def note_digest(text: str) -> str:
    """A changed note is named, not quoted (a paragraph, and the most private text of the
    invitation): the notice keeps only a digest, enough to see an edit undone."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _merged(earlier: dict[str, list[Any]], later: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """Two edits as one: each field from its first `before` to its last `after`; a field
    that came back to where it was is no change."""
    merged = {field: list(pair) for field, pair in earlier.items()}
    for field, (before, after) in later.items():
        merged[field] = [merged[field][0] if field in merged else before, after]
    return {field: pair for field, pair in merged.items() if pair[0] != pair[1]}


async def _tell_invited(
    session: AsyncSession, meeting: Meeting, changes: dict[str, list[Any]], now: datetime
) -> None:
    """A change notice to everyone invited who uses the bot. A notice of an earlier edit still
    waiting in the outbox is taken back and folded into this one, so a participant gets one
    message with what differs from what they were last told (none when an edit was undone)."""
    invited = await meetings_repo.invited_people(session, meeting.id)
    ids = [participant.id for participant, _person in invited]
    if not ids:
        return
    waiting = await outbox_repo.waiting_params(session, CHANGE_PURPOSE, OBJECT_PARTICIPANT, ids)
    # The newest row per participant makes the next key differ from every key before it, also
    # when two edits share a clock reading (tests; a manual clock).
    latest = await outbox_repo.latest_ids(session, CHANGE_PURPOSE, OBJECT_PARTICIPANT, ids)
    stamp = now.isoformat()
    for participant, person in invited:
        told: dict[str, list[Any]] = {}
        for row_id, params in waiting.get(participant.id, []):
            # Taken back only while no sender is sending it (a claimed row's send then fails).
            if await outbox_repo.cancel_rows(session, [row_id], reason=REPLACED, blank=True):
                told = _merged(told, params.get("changes") or {})
        merged = _merged(told, changes)
        if not merged:
            continue  # undone before anyone was told
        await outbox.enqueue(
            session,
            recipient=outbox.Recipient(person.id, person.telegram_id),
            purpose=CHANGE_PURPOSE,
            kind=CHANGE_KIND,
            params={"participant_id": participant.id, "meeting_id": meeting.id, "changes": merged},
            now=now,
            object_type=OBJECT_PARTICIPANT,
            object_id=participant.id,
            occurrence=f"{stamp}#{latest.get(participant.id, 0)}",
            family_facing=not URGENT_CHANGES & merged.keys(),
        )


async def reschedule(
    session: AsyncSession,
    actor: Actor,
    meeting_id: int,
    *,
    now: datetime,
    starts_local: datetime | None = None,
    place: str | None = None,
) -> bool:
    """Move the meeting or its place; everyone invited who uses the bot is told what changed.
    False when nothing changed."""
    await authorize(session, actor, Action.MEETING_MANAGE)
    meeting = await _meeting(session, meeting_id)
    if meeting.status != MeetingStatus.PLANNED or meeting.starts_at <= now:
        raise DomainError("meeting_not_planned")  # cancelled, held or already begun
    changes: dict[str, list[str]] = {}
    if starts_local is not None:
        starts_at = starts_local.replace(tzinfo=ZoneInfo(meeting.timezone))
        if starts_at <= now:
            raise DomainError("meeting_in_past")
        if starts_at != meeting.starts_at:
            before = _when(meeting)
            meeting.starts_at = starts_at
            changes["when"] = [before, _when(meeting)]
    if place is not None:
        cleaned = _clean(place, SHORT_TEXT_MAX, "meeting_place")
        if cleaned != meeting.place:
            changes["place"] = [meeting.place, cleaned or ""]
            meeting.place = cleaned or meeting.place
    if not changes:
        return False
    await _tell_invited(session, meeting, changes, now)
    await audit.record(
        session,
        actor,
        "meeting.change",
        now,
        object_type="meeting",
        object_id=meeting.id,
        changed=sorted(changes),
    )
    return True


def _quiet(moment: datetime, timezone: str, settings: Settings) -> bool:
    local = moment.astimezone(zone_or(timezone, settings.default_timezone)).time()
    return in_quiet_hours(local, settings.quiet_hours_start, settings.quiet_hours_end)


async def enqueue_reminders(session: AsyncSession, now: datetime, settings: Settings) -> int:
    """24 h and 2 h before the start, to those who said yes or maybe (a scan run every few
    minutes). The key holds the start time, so a rescheduled meeting is reminded again for its
    new time. Nobody is reminded in their quiet hours: the 24-hour reminder waits for the
    morning (its window is long), a 2-hour one that would only fall into the night is dropped.
    A late run sends only the latest reminder due."""
    horizon = now + REMINDERS[0][1]
    meetings_due = await meetings_repo.planned_starting_within(session, now, horizon)
    queued = 0
    for meeting in meetings_due:
        # The latest reminder whose moment has come (a late run sends only that one).
        label = next(
            (name for name, before in reversed(REMINDERS) if now >= meeting.starts_at - before),
            None,
        )
        if label is None:
            continue
        occurrence = f"{label}@{meeting.starts_at.isoformat()}"
        coming = await meetings_repo.invited_people(session, meeting.id, rsvps=COMING)
        for participant, person in coming:
            if _quiet(now, person.timezone, settings):
                continue
            if await outbox.enqueue(
                session,
                recipient=outbox.Recipient(person.id, person.telegram_id),
                purpose=REMINDER_PURPOSE,
                kind=REMINDER_KIND,
                params={
                    "participant_id": participant.id,
                    "when": _when(meeting),
                    "label": label,
                },
                now=now,
                object_type=OBJECT_PARTICIPANT,
                object_id=participant.id,
                occurrence=occurrence,
            ):
                queued += 1
    return queued


# --- picking someone who uses the bot; editing the other details ------------------------------

PEOPLE_QUERY_MAX = 64


@dataclass(frozen=True)
class Candidate:
    person_id: int
    name: str


async def candidates(
    session: AsyncSession, actor: Actor, query: str, limit: int, *, now: datetime
) -> list[Candidate]:
    """People who use the bot whose name contains `query` (any case, Cyrillic too), for a
    coordinator adding them to a meeting. Audited without the query or the names."""
    await authorize(session, actor, Action.MEETING_MANAGE)
    needle = query.strip()[:PEOPLE_QUERY_MAX].casefold()
    if not needle:
        return []
    # SQLite's lower() knows only ASCII, so the match itself is done here with casefold.
    found = [
        Candidate(person_id, name)
        for person_id, name in await people_repo.unblocked_by_name(session)
        if name and needle in name.casefold()
    ][: max(limit, 0)]
    await audit.record(session, actor, "meeting.people_search", now, found=len(found))
    return found


async def update_details(
    session: AsyncSession,
    actor: Actor,
    meeting_id: int,
    *,
    topic: str | None = None,
    format: MeetingFormat | None = None,
    duration_minutes: int | None = None,
    facilitators: str | None = None,
    contact: str | None = None,
    note: str | None = None,
    now: datetime,
) -> bool:
    """Change a planned meeting's topic, format, duration, facilitators, contact or note (the
    ones given); False when nothing changed. Everyone invited who uses the bot is told what
    changed: all six are in the invitation they were sent."""
    await authorize(session, actor, Action.MEETING_MANAGE)
    meeting = await _meeting(session, meeting_id)
    if meeting.status != MeetingStatus.PLANNED or meeting.starts_at <= now:
        raise DomainError("meeting_not_planned")
    values: dict[str, object] = {}
    if topic is not None:
        values["topic"] = _clean(topic, SHORT_TEXT_MAX, "meeting_topic")
    if format is not None:
        values["format"] = MeetingFormat(format).value
    if duration_minutes is not None:
        if not 15 <= duration_minutes <= DURATION_MAX:
            raise DomainError("meeting_duration")
        values["duration_minutes"] = duration_minutes
    if facilitators is not None:
        values["facilitators"] = _clean(facilitators, SHORT_TEXT_MAX, "meeting_facilitators")
    if contact is not None:
        values["contact"] = _clean(contact, SHORT_TEXT_MAX, "meeting_contact")
    if note is not None:
        values["note"] = _clean(note, NOTE_MAX, "meeting_note")
    changed = sorted(key for key, value in values.items() if getattr(meeting, key) != value)
    if not changed:
        return False
    notice: dict[str, list[Any]] = {}
    for key in changed:
        before, after = getattr(meeting, key), values[key]
        if key == "note":
            before, after = note_digest(str(before)), note_digest(str(after))
        notice[key] = [before, after]
        setattr(meeting, key, values[key])
    await _tell_invited(session, meeting, notice, now)
    await audit.record(
        session,
        actor,
        "meeting.details",
        now,
        object_type="meeting",
        object_id=meeting.id,
        changed=changed,
    )
    return True
