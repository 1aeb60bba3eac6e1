"""Reviews of a family's case: the consilium (консилиум) and the parting planned ahead.

A coordinator plans a consilium for a day of the family's calendar; the family's curator and the
coordinator who planned it (every coordinator when neither is there) are reminded at
settings.mentor_reminder_time (10:00) in their own zone the day before. Once held, it records
who took part (people who use the bot by id, others in a few words), what was decided and the
next review, which is planned as a consilium of its own and reminded in its turn. What was
decided acts on the case: the plan approved by the consilium, the level changed (with the
reason), the case moved to the final monitoring; closing stays the card's. A consilium's
decisions for the plan (what, who, by when) become plan tasks with one tap
(case_plans.add_from_consilium).

The final meeting (the parting) is planned ahead in cases.plan_final_meeting; its reminder goes
to the curator (the coordinators when there is none) the day before, from the same scan.

The outbox keys (recipient, purpose, consilium or family, day) make every re-run, restart or
second replica a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import zone_or
from bot.config import Settings
from bot.db.models import (
    CaseStage,
    Consilium,
    ConsiliumDecision,
    ConsiliumOutcome,
    Family,
    FamilyLinkKind,
    LevelSource,
    Person,
    Role,
    SupportLevel,
)
from bot.db.repositories import consiliums as consiliums_repo
from bot.db.repositories import families as families_repo
from bot.db.repositories import people as people_repo
from bot.services import audit, case_access, cases, families, outbox
from bot.services.access import Actor
from bot.services.errors import DomainError
from bot.services.reminders import local_moment

NOTE_MAX = 1000
PARTICIPANTS_MAX = 300
WHAT_MAX = 300
WHO_MAX = 80
MAX_DECISIONS = 30
AHEAD_DAYS = 366
BACK_DAYS = 366  # a consilium held up to a year ago may still be recorded
LATE_GRACE = timedelta(days=1)  # a late run still sends what fell due this recently

SOON_PURPOSE = SOON_KIND = "consilium_soon"
FINAL_SOON_PURPOSE = FINAL_SOON_KIND = "final_meeting_soon"
OBJECT_CONSILIUM = "consilium"


@dataclass(frozen=True)
class Held:
    """What a held consilium recorded (the dialog's form, checked here)."""

    held_on: date
    outcome: ConsiliumOutcome
    participant_ids: list[int]
    participants_text: str | None = None
    note: str | None = None
    next_review_on: date | None = None
    new_level: SupportLevel | None = None  # ConsiliumOutcome.CHANGE_LEVEL
    level_reason: str | None = None


def clean_text(raw: str | None, limit: int, code: str) -> str | None:
    text = " ".join((raw or "").split())
    if len(text) > limit:
        raise DomainError(f"{code}_long")
    return text or None


async def _open_family(session: AsyncSession, actor: Actor | None, family_id: int) -> Family:
    family = await case_access.require_keep(session, actor, family_id)
    if family.closed_at is not None:
        raise DomainError("family_closed")
    return family


def check_planned_day(family: Family, day: date, now: datetime) -> date:
    today = families.family_today(family, now)
    if day < today:
        raise DomainError("consilium_day_past")
    if day > today + timedelta(days=AHEAD_DAYS):
        raise DomainError("consilium_day_far")
    return day


def check_held_day(family: Family, day: date, now: datetime) -> date:
    today = families.family_today(family, now)
    if day > today:
        raise DomainError("consilium_held_future")
    if day < today - timedelta(days=BACK_DAYS):
        raise DomainError("consilium_held_old")
    return day


# --- reading --------------------------------------------------------------------------------


async def of_family(
    session: AsyncSession, actor: Actor | None, family_id: int, now: datetime
) -> list[Consilium]:
    """The family's consiliums, newest first, for a screen (the family's staff; audited)."""
    await case_access.require_view(session, actor, family_id)
    await audit.record(
        session, actor, "case.consilium.view", now, object_type="family", object_id=family_id
    )
    return [c for c in await consiliums_repo.of_family(session, family_id) if not c.cancelled_at]


async def get(
    session: AsyncSession, actor: Actor | None, family_id: int, consilium_id: int
) -> Consilium:
    """One consilium of this family (another family's id is out of date: forged)."""
    await case_access.require_view(session, actor, family_id)
    found = await consiliums_repo.by_id(session, consilium_id)
    if found is None or found.family_id != family_id or found.cancelled_at is not None:
        raise DomainError("consilium_not_found")
    return found


async def decisions(
    session: AsyncSession, actor: Actor | None, family_id: int, consilium_id: int
) -> list[ConsiliumDecision]:
    await get(session, actor, family_id, consilium_id)
    return await consiliums_repo.decisions_of(session, consilium_id)


async def pending(session: AsyncSession, family_id: int) -> Consilium | None:
    """The consilium planned and not held yet (callers check access first)."""
    return await consiliums_repo.pending_of_family(session, family_id)


async def participant_choices(
    session: AsyncSession, actor: Actor | None, family_id: int
) -> list[tuple[int, str, str]]:
    """(person id, name, link kind) of the family's curator and mentors, and the acting
    coordinator: the people who use the bot and may sit on its consilium."""
    await case_access.require_keep(session, actor, family_id)
    found: dict[int, tuple[int, str, str]] = {}
    order = {FamilyLinkKind.CURATOR.value: 0, FamilyLinkKind.MENTOR.value: 1}
    for kind, person in sorted(
        await families_repo.linked_people(session, family_id),
        key=lambda pair: order.get(pair[0], 2),
    ):
        if kind in order and person.anonymised_at is None and person.id not in found:
            found[person.id] = (person.id, person.display_name or "—", kind)
    if actor is not None and actor.person_id not in found:
        me = await people_repo.by_id(session, actor.person_id)
        if me is not None:
            found[me.id] = (me.id, me.display_name or "—", Role.COORDINATOR.value)
    return list(found.values())


async def level_history(
    session: AsyncSession, actor: Actor | None, family_id: int
) -> list[tuple[str, str, str, str | None, datetime]]:
    """(from, to, source, reason, when) of the family's level changes, oldest first."""
    await case_access.require_view(session, actor, family_id)
    return [
        (c.from_level, c.to_level, c.source, c.reason, c.changed_at)
        for c in await consiliums_repo.level_changes_of(session, family_id)
    ]


# --- planning and holding -------------------------------------------------------------------


async def plan(
    session: AsyncSession, actor: Actor, family_id: int, day: date, now: datetime
) -> Consilium:
    """Plan a consilium (one pending at a time: planning again moves it to the new day)."""
    family = await _open_family(session, actor, family_id)
    check_planned_day(family, day, now)
    found = await consiliums_repo.pending_of_family(session, family_id)
    if found is None:
        found = Consilium(
            family_id=family_id,
            planned_on=day,
            participant_ids=[],
            created_at=now,
            created_by_id=actor.person_id,
        )
        session.add(found)
    else:
        found.planned_on = day
    await session.flush()
    await audit.record(
        session,
        actor,
        "case.consilium.plan",
        now,
        object_type=OBJECT_CONSILIUM,
        object_id=found.id,
        family_id=family_id,
    )
    return found


async def cancel(
    session: AsyncSession, actor: Actor, family_id: int, consilium_id: int, now: datetime
) -> None:
    await _open_family(session, actor, family_id)
    found = await get(session, actor, family_id, consilium_id)
    if found.held_on is not None:
        raise DomainError("consilium_held")
    found.cancelled_at = now
    await session.flush()
    await audit.record(
        session,
        actor,
        "case.consilium.cancel",
        now,
        object_type=OBJECT_CONSILIUM,
        object_id=found.id,
    )


async def hold(
    session: AsyncSession,
    actor: Actor,
    family_id: int,
    consilium_id: int,
    held: Held,
    now: datetime,
) -> Consilium:
    """Record the consilium as held and act on what it decided; the next review, if any, is
    planned as the next consilium."""
    family = await _open_family(session, actor, family_id)
    found = await get(session, actor, family_id, consilium_id)
    if found.held_on is not None:
        raise DomainError("consilium_held")
    check_held_day(family, held.held_on, now)
    outcome = ConsiliumOutcome(held.outcome)
    if held.next_review_on is not None:
        check_planned_day(family, held.next_review_on, now)
    allowed = {pid for pid, _name, _kind in await participant_choices(session, actor, family_id)}
    participants = [pid for pid in dict.fromkeys(held.participant_ids) if pid in allowed]
    reason = None
    if outcome is ConsiliumOutcome.CHANGE_LEVEL:
        if held.new_level is None:
            raise DomainError("consilium_level_required")
        reason = families.clean_level_reason(held.level_reason)
    found.held_on = held.held_on
    found.outcome = outcome.value
    found.participant_ids = participants
    found.participants_text = clean_text(held.participants_text, PARTICIPANTS_MAX, "participants")
    found.note = clean_text(held.note, NOTE_MAX, "consilium_note")
    found.next_review_on = held.next_review_on
    found.held_at = now
    found.held_by_id = actor.person_id
    await session.flush()
    if outcome is ConsiliumOutcome.APPROVE_PLAN:
        await cases.set_stage(
            session, actor, family_id, CaseStage.PLAN_APPROVED, now, consilium_id=found.id
        )
    elif outcome is ConsiliumOutcome.FINAL_MONITORING:
        await cases.set_stage(session, actor, family_id, CaseStage.FINAL_MONITORING, now)
    elif outcome is ConsiliumOutcome.CHANGE_LEVEL and held.new_level is not None:
        await families.set_support_level(
            session,
            actor,
            family_id,
            held.new_level,
            now,
            source=LevelSource.CONSILIUM,
            reason=reason,
            consilium_id=found.id,
        )
    if held.next_review_on is not None:
        session.add(
            Consilium(
                family_id=family_id,
                planned_on=held.next_review_on,
                participant_ids=[],
                created_at=now,
                created_by_id=actor.person_id,
            )
        )
        await session.flush()
    await audit.record(
        session,
        actor,
        "case.consilium.hold",
        now,
        object_type=OBJECT_CONSILIUM,
        object_id=found.id,
        outcome=outcome.value,
    )
    return found


async def add_decision(
    session: AsyncSession,
    actor: Actor,
    family_id: int,
    consilium_id: int,
    *,
    what: str,
    who: str | None,
    due_on: date | None,
    now: datetime,
) -> ConsiliumDecision:
    """What the consilium decided for the plan (after it was held)."""
    family = await _open_family(session, actor, family_id)
    found = await get(session, actor, family_id, consilium_id)
    if found.held_on is None:
        raise DomainError("consilium_not_held")
    if len(await consiliums_repo.decisions_of(session, consilium_id)) >= MAX_DECISIONS:
        raise DomainError("decision_too_many")
    text = clean_text(what, WHAT_MAX, "decision_what")
    if text is None:
        raise DomainError("decision_what_empty")
    if due_on is not None and due_on < families.family_today(family, now):
        raise DomainError("decision_due_past")
    decision = ConsiliumDecision(
        consilium_id=consilium_id,
        what=text,
        who=clean_text(who, WHO_MAX, "decision_who"),
        due_on=due_on,
        created_at=now,
        created_by_id=actor.person_id,
    )
    session.add(decision)
    await session.flush()
    await audit.record(
        session,
        actor,
        "case.consilium.decision",
        now,
        object_type=OBJECT_CONSILIUM,
        object_id=consilium_id,
        decision_id=decision.id,
    )
    return decision


# --- reminders -------------------------------------------------------------------------------


async def _recipients(
    session: AsyncSession, family_id: int, planner_id: int | None
) -> list[Person]:
    """The family's curator and whoever planned it, if still a coordinator; else every
    coordinator."""
    found: dict[int, Person] = {}
    for kind, person in await families_repo.linked_people(session, family_id):
        if kind == FamilyLinkKind.CURATOR.value and person.anonymised_at is None:
            found[person.id] = person
    if planner_id is not None and planner_id not in found:
        planner = await people_repo.by_id(session, planner_id)
        if planner is not None and any(r.role == Role.COORDINATOR for r in planner.roles):
            found[planner.id] = planner
    if not found:
        found = {p.id: p for p in await people_repo.with_role(session, Role.COORDINATOR.value)}
    return [found[key] for key in sorted(found)]


def _due_now(day: date, person: Person, now: datetime, settings: Settings) -> bool:
    """The reminder moment — the day before `day`, at the reminder time in the person's zone —
    has come and is not long gone."""
    moment = local_moment(
        day - timedelta(days=1),
        settings.mentor_reminder_time,
        zone_or(person.timezone, settings.default_timezone),
    )
    return moment <= now < moment + LATE_GRACE


async def enqueue_due(session: AsyncSession, now: datetime, settings: Settings) -> int:
    """Queue the reminders of tomorrow's consiliums and final meetings; returns how many new."""
    queued = 0
    utc_today = now.date()
    earliest, latest = utc_today, utc_today + timedelta(days=2)  # zones span a day either way
    for found, family in await consiliums_repo.planned_between(session, earliest, latest):
        for person in await _recipients(session, family.id, found.created_by_id):
            if not _due_now(found.planned_on, person, now, settings):
                continue
            if await outbox.enqueue(
                session,
                recipient=outbox.Recipient(person.id, person.telegram_id),
                purpose=SOON_PURPOSE,
                kind=SOON_KIND,
                params={"family": family.name, "day": found.planned_on.strftime("%d.%m.%Y")},
                now=now,
                object_type=OBJECT_CONSILIUM,
                object_id=found.id,
                occurrence=found.planned_on.isoformat(),
            ):
                queued += 1
    for record, family in await consiliums_repo.final_meetings_between(session, earliest, latest):
        day = record.final_meeting_planned_on
        if day is None:
            continue
        for person in await _recipients(session, family.id, None):
            if not _due_now(day, person, now, settings):
                continue
            if await outbox.enqueue(
                session,
                recipient=outbox.Recipient(person.id, person.telegram_id),
                purpose=FINAL_SOON_PURPOSE,
                kind=FINAL_SOON_KIND,
                params={"family": family.name, "day": day.strftime("%d.%m.%Y")},
                now=now,
                object_type="family",
                object_id=family.id,
                occurrence=day.isoformat(),
            ):
                queued += 1
    return queued
