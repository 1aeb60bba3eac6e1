"""Decisions of a network meeting: what, who, by when, recorded by a coordinator.

The coordinator who planned the meeting (or, if they are gone, every coordinator) is reminded
(a) on each open decision's due date and (b) two weeks after a held meeting (its local date),
both at settings.mentor_reminder_time in the coordinator's own zone. `enqueue_due` is a cheap
scan run every few minutes; the outbox keys (recipient, purpose, decision or meeting, date) make
every re-run, restart or second replica a no-op.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import zone_or
from bot.config import Settings
from bot.db.models import Meeting, MeetingDecision, MeetingStatus, Person
from bot.db.repositories import meeting_decisions as decisions_repo
from bot.db.repositories import meetings as meetings_repo
from bot.db.repositories import outbox as outbox_repo
from bot.db.repositories import people as people_repo
from bot.services import audit, outbox
from bot.services.access import Action, Actor, authorize
from bot.services.errors import DomainError
from bot.services.meetings import local_start
from bot.services.reminders import local_moment

WHAT_MAX = 300
WHO_MAX = 80
MAX_DECISIONS = 50  # per meeting
DUE_AHEAD_DAYS = 366
FOLLOW_UP_AFTER_DAYS = 14
# A late run (the bot was down) still sends what fell due within this window, not older.
LATE_GRACE = timedelta(days=3)

DUE_PURPOSE = "meeting_decision_due"
DUE_KIND = "meeting_decision_due"
FOLLOW_UP_PURPOSE = "meeting_follow_up"
FOLLOW_UP_KIND = "meeting_follow_up"
OBJECT_DECISION = "meeting_decision"


def _clean(value: str | None, limit: int, code: str) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise DomainError(f"{code}_empty")
    if len(text) > limit:
        raise DomainError(f"{code}_long")
    return text


async def _meeting(session: AsyncSession, meeting_id: int) -> Meeting:
    meeting = await meetings_repo.by_id(session, meeting_id)
    if meeting is None:
        raise DomainError("meeting_not_found")
    return meeting


def meeting_day(meeting: Meeting) -> date:
    """The meeting's date in the family's calendar."""
    return local_start(meeting).date()


def family_today(meeting: Meeting, now: datetime) -> date:
    return now.astimezone(local_start(meeting).tzinfo).date()


async def meeting_for(session: AsyncSession, actor: Actor | None, meeting_id: int) -> Meeting:
    """The meeting whose decisions a coordinator opens."""
    await authorize(session, actor, Action.MEETING_MANAGE)
    return await _meeting(session, meeting_id)


async def add(
    session: AsyncSession,
    actor: Actor,
    meeting_id: int,
    what: str,
    who: str,
    due_date: date,
    now: datetime,
) -> MeetingDecision:
    """Record a decision of a planned or held meeting; the due date is in the family's calendar,
    not before the meeting's day and not in the past."""
    await authorize(session, actor, Action.MEETING_MANAGE)
    meeting = await _meeting(session, meeting_id)
    if meeting.status == MeetingStatus.CANCELLED:
        raise DomainError("meeting_not_planned")
    what_text = _clean(what, WHAT_MAX, "decision_what")
    who_text = _clean(who, WHO_MAX, "decision_who")
    today = family_today(meeting, now)
    if due_date < meeting_day(meeting):
        raise DomainError("decision_due_before_meeting")
    if due_date < today:
        raise DomainError("decision_due_past")
    if due_date > today + timedelta(days=DUE_AHEAD_DAYS):
        raise DomainError("decision_due_far")
    if await decisions_repo.count_of_meeting(session, meeting.id) >= MAX_DECISIONS:
        raise DomainError("decision_too_many")
    decision = MeetingDecision(
        meeting_id=meeting.id,
        what=what_text,
        who=who_text,
        due_date=due_date,
        created_at=now,
        created_by_id=actor.person_id,
    )
    session.add(decision)
    await session.flush()
    await audit.record(
        session, actor, "meeting.decision", now, object_type=OBJECT_DECISION, object_id=decision.id
    )
    return decision


async def get(session: AsyncSession, actor: Actor | None, decision_id: int) -> MeetingDecision:
    await authorize(session, actor, Action.MEETING_MANAGE)
    decision = await decisions_repo.by_id(session, decision_id)
    if decision is None:
        raise DomainError("decision_not_found")
    return decision


async def mark_done(
    session: AsyncSession, actor: Actor | None, decision_id: int, now: datetime
) -> bool:
    """Close a decision; False when it was already done (a second tap)."""
    decision = await get(session, actor, decision_id)
    if decision.done_at is not None:
        return False
    decision.done_at = now
    decision.not_done_reason = None  # done after all: the follow-up's "not done" is over
    decision.not_done_at = None
    # A reminder still queued for it (due in the coordinator's morning) is no longer needed.
    await outbox_repo.cancel_queued(session, OBJECT_DECISION, decision.id, [DUE_PURPOSE])
    await audit.record(
        session,
        actor,
        "meeting.decision_done",
        now,
        object_type=OBJECT_DECISION,
        object_id=decision.id,
    )
    return True


async def for_meeting(
    session: AsyncSession, actor: Actor, meeting_id: int
) -> list[MeetingDecision]:
    """A meeting's decisions: open ones first, soonest due first."""
    await authorize(session, actor, Action.MEETING_MANAGE)
    return await decisions_repo.open_first(session, meeting_id)


async def count_for_meeting(session: AsyncSession, actor: Actor, meeting_id: int) -> int:
    await authorize(session, actor, Action.MEETING_MANAGE)
    return await decisions_repo.count_of_meeting(session, meeting_id)


# --- reminders -------------------------------------------------------------------------------


async def _coordinators(
    session: AsyncSession, meeting: Meeting, cache: dict[int | None, list[Person]]
) -> list[Person]:
    """Whoever planned the meeting, if they are still a coordinator; otherwise all of them."""
    if meeting.created_by_id in cache:
        return cache[meeting.created_by_id]
    people: list[Person] = []
    if meeting.created_by_id is not None:
        creator = await people_repo.by_id(session, meeting.created_by_id)
        if creator is not None and any(r.role == "coordinator" for r in creator.roles):
            people.append(creator)
    if not people:
        people = await people_repo.with_role(session, "coordinator")
    cache[meeting.created_by_id] = people
    return people


def _due_now(day: date, person: Person, now: datetime, settings: Settings) -> bool:
    """`day` at the reminder time in the person's zone has come (and is not long gone)."""
    moment = local_moment(
        day, settings.mentor_reminder_time, zone_or(person.timezone, settings.default_timezone)
    )
    return moment <= now < moment + LATE_GRACE


def _when(meeting: Meeting) -> str:
    return local_start(meeting).strftime("%d.%m.%Y %H:%M")


async def enqueue_due(session: AsyncSession, now: datetime, settings: Settings) -> int:
    """Queue the due-date and follow-up reminders whose moment has come; returns how many new."""
    cache: dict[int | None, list[Person]] = {}
    queued = 0
    # Zones span about a day either way; the exact moment is checked per coordinator.
    utc_today = now.date()
    rows = await decisions_repo.open_due_between(
        session,
        earliest=utc_today - LATE_GRACE - timedelta(days=1),
        latest=utc_today + timedelta(days=1),
    )
    for decision, meeting in rows:
        for person in await _coordinators(session, meeting, cache):
            if not _due_now(decision.due_date, person, now, settings):
                continue
            if await outbox.enqueue(
                session,
                recipient=outbox.Recipient(person.id, person.telegram_id),
                purpose=DUE_PURPOSE,
                kind=DUE_KIND,
                params={
                    "decision_id": decision.id,
                    "what": decision.what,
                    "who": decision.who,
                    "due": decision.due_date.strftime("%d.%m.%Y"),
                    "when": _when(meeting),
                    "child": meeting.child_name,
                },
                now=now,
                object_type=OBJECT_DECISION,
                object_id=decision.id,
                occurrence=decision.due_date.isoformat(),
            ):
                queued += 1
    follow_up = timedelta(days=FOLLOW_UP_AFTER_DAYS)
    held = await decisions_repo.held_between(
        session,
        earliest=now - follow_up - LATE_GRACE - timedelta(days=2),
        latest=now - follow_up + timedelta(days=2),
    )
    for meeting in held:
        day = meeting_day(meeting) + follow_up
        listed = await decisions_repo.of_meeting(session, meeting.id)
        open_count = sum(1 for d in listed if d.done_at is None)
        for person in await _coordinators(session, meeting, cache):
            if not _due_now(day, person, now, settings):
                continue
            if await outbox.enqueue(
                session,
                recipient=outbox.Recipient(person.id, person.telegram_id),
                purpose=FOLLOW_UP_PURPOSE,
                kind=FOLLOW_UP_KIND,
                params={
                    "meeting_id": meeting.id,
                    "when": _when(meeting),
                    "child": meeting.child_name,
                    "open": open_count,
                    "total": len(listed),
                },
                now=now,
                object_type="meeting",
                object_id=meeting.id,
                occurrence=day.isoformat(),
            ):
                queued += 1
    return queued
