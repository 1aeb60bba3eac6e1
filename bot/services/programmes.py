"""Enrolling a family in a weekly programme: enrol, pause, resume, stop, and the progress view.

The release schedule is a weekly grid in the family's local time (bot/services/release_schedule.py
places the slots). A paused enrollment releases nothing; after resuming, the next unreleased week
comes at the next slot of the grid. `Enrollment.next_release_at` (UTC) is the release job's
cursor: set here on enrol and resume, cleared on pause and stop.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.programmes import Programme
from bot.db.models import Enrollment, EnrollmentStatus, Family, QuestionnairePhase
from bot.db.repositories import families as families_repo
from bot.db.repositories import homework as homework_repo
from bot.db.repositories import programmes as programmes_repo
from bot.db.repositories.homework import cancel_queued_for_enrollment
from bot.services import audit, families
from bot.services.access import Action, Actor, authorize, is_allowed
from bot.services.errors import DomainError
from bot.services.homework import (
    REMINDER_PURPOSES,
    cancel_questionnaire_reminders,
    invite_to_questionnaire,
)
from bot.services.release_schedule import next_release_at

DUE_DAYS_MIN = 1
DUE_DAYS_MAX = 6
DEFAULT_RELEASE_TIME = time(18, 0)
CURRENT = (EnrollmentStatus.ACTIVE.value, EnrollmentStatus.PAUSED.value)


# --- reading ---------------------------------------------------------------------------------


async def _family(session: AsyncSession, family_id: int) -> Family:
    family = await families_repo.by_id(session, family_id)
    if family is None:
        raise DomainError("family_not_found")
    return family


async def _current(session: AsyncSession, family_id: int) -> Enrollment | None:
    return await programmes_repo.current(session, family_id)


async def _latest(session: AsyncSession, family_id: int) -> Enrollment | None:
    current = await _current(session, family_id)
    if current is not None:
        return current
    return await programmes_repo.newest(session, family_id)


@dataclass(frozen=True)
class WeekProgress:
    week_id: int
    number: int
    released_at: datetime
    due_at: datetime
    late_until: datetime  # answers are accepted until then
    done: bool
    late: bool
    rating: int | None


@dataclass(frozen=True)
class Progress:
    family: Family
    enrollment: Enrollment | None  # the current one, else the latest one, else None
    programme: Programme | None
    current_week: int  # weeks released so far
    total_weeks: int
    weeks: list[WeekProgress]
    next_release_local: datetime | None  # in the family's zone
    can_manage: bool

    @property
    def is_current(self) -> bool:
        return self.enrollment is not None and self.enrollment.status in CURRENT


async def can_manage(session: AsyncSession, actor: Actor | None, family_id: int) -> bool:
    return await is_allowed(session, actor, Action.PROGRAMME_MANAGE, family_id)


async def can_view(session: AsyncSession, actor: Actor | None, family_id: int) -> bool:
    return await is_allowed(session, actor, Action.PROGRAMME_VIEW, family_id)


async def progress(
    session: AsyncSession,
    actor: Actor,
    family_id: int,
    now: datetime,
    programmes: Mapping[str, Programme],
) -> Progress:
    await authorize(session, actor, Action.PROGRAMME_VIEW, family_id)
    family = await _family(session, family_id)
    enrollment = await _latest(session, family_id)
    manage = await can_manage(session, actor, family_id)
    if enrollment is None:
        return Progress(family, None, None, 0, 0, [], None, manage)
    programme = programmes.get(enrollment.programme_code)
    rows = await homework_repo.weeks_of(session, enrollment.id)
    weeks = [
        WeekProgress(
            week_id=w.id,
            number=w.week_number,
            released_at=w.released_at,
            due_at=w.due_at,
            late_until=w.late_until,
            done=w.done_at is not None,
            late=w.late,
            rating=w.rating,
        )
        for w in rows
    ]
    released = max((w.number for w in weeks), default=0)
    total = programme.length if programme else released
    upcoming = None
    if released < total:
        upcoming = next_release_at(enrollment, family.timezone, now)
    local = upcoming.astimezone(ZoneInfo(family.timezone)) if upcoming else None
    return Progress(family, enrollment, programme, released, total, weeks, local, manage)


# --- changing --------------------------------------------------------------------------------


async def enrol(
    session: AsyncSession,
    actor: Actor,
    family_id: int,
    programme_code: str,
    *,
    start_date: date,
    release_weekday: int = 0,
    release_time: time = DEFAULT_RELEASE_TIME,
    due_days: int = 3,
    now: datetime,
    known_programmes: Mapping[str, Programme],
) -> Enrollment:
    await authorize(session, actor, Action.PROGRAMME_MANAGE, family_id)
    await families_repo.lock(session, family_id)
    family = await _family(session, family_id)
    if family.closed_at is not None:
        raise DomainError("family_closed")
    if programme_code not in known_programmes:
        raise DomainError("programme_unknown")
    if not DUE_DAYS_MIN <= due_days <= DUE_DAYS_MAX:
        raise DomainError("programme_due_days")
    if not 0 <= release_weekday <= 6:
        raise DomainError("programme_weekday")
    if start_date < families.family_today(family, now):
        raise DomainError("programme_start_past")
    if await _current(session, family_id) is not None:
        raise DomainError("programme_already_enrolled")
    enrollment = Enrollment(
        family_id=family_id,
        programme_code=programme_code,
        start_date=start_date,
        release_weekday=release_weekday,
        release_time=release_time.replace(second=0, microsecond=0, tzinfo=None),
        due_days=due_days,
        status=EnrollmentStatus.ACTIVE.value,
        created_at=now,
        created_by_id=actor.person_id,
    )
    enrollment.next_release_at = next_release_at(enrollment, family.timezone, now)
    session.add(enrollment)
    await session.flush()
    await invite_to_questionnaire(session, enrollment, QuestionnairePhase.ENTRY, now)
    await audit.record(
        session,
        actor,
        "programme.enrol",
        now,
        object_type="family",
        object_id=family_id,
        enrollment_id=enrollment.id,
        programme=programme_code,
    )
    return enrollment


async def _change(
    session: AsyncSession, actor: Actor, family_id: int
) -> tuple[Family, Enrollment | None]:
    await authorize(session, actor, Action.PROGRAMME_MANAGE, family_id)
    await families_repo.lock(session, family_id)
    family = await _family(session, family_id)
    return family, await _current(session, family_id)


async def _cancel_reminders(session: AsyncSession, enrollment_id: int) -> None:
    """A paused or stopped programme sends no more homework or questionnaire reminders,
    queued ones included."""
    await cancel_queued_for_enrollment(session, enrollment_id, REMINDER_PURPOSES)
    await cancel_questionnaire_reminders(session, enrollment_id)


async def pause(session: AsyncSession, actor: Actor, family_id: int, now: datetime) -> bool:
    """Pause the family's active enrollment; False when there is nothing active (a second tap)."""
    _family_row, enrollment = await _change(session, actor, family_id)
    if enrollment is None or enrollment.status != EnrollmentStatus.ACTIVE:
        return False
    enrollment.status = EnrollmentStatus.PAUSED.value
    enrollment.paused_at = now
    enrollment.next_release_at = None
    await _cancel_reminders(session, enrollment.id)
    await audit.record(
        session,
        actor,
        "programme.pause",
        now,
        object_type="family",
        object_id=family_id,
        enrollment_id=enrollment.id,
    )
    return True


async def resume(session: AsyncSession, actor: Actor, family_id: int, now: datetime) -> bool:
    """Resume a paused enrollment: the next week comes at the next slot of the weekly grid."""
    family, enrollment = await _change(session, actor, family_id)
    if enrollment is None or enrollment.status != EnrollmentStatus.PAUSED:
        return False
    if family.closed_at is not None:
        raise DomainError("family_closed")
    enrollment.status = EnrollmentStatus.ACTIVE.value
    enrollment.paused_at = None
    enrollment.next_release_at = next_release_at(enrollment, family.timezone, now)
    await audit.record(
        session,
        actor,
        "programme.resume",
        now,
        object_type="family",
        object_id=family_id,
        enrollment_id=enrollment.id,
    )
    return True


async def stop(session: AsyncSession, actor: Actor, family_id: int, now: datetime) -> bool:
    """Stop the family's active or paused enrollment for good; False when there is none."""
    _family_row, enrollment = await _change(session, actor, family_id)
    if enrollment is None:
        return False
    enrollment.status = EnrollmentStatus.STOPPED.value
    enrollment.stopped_at = now
    enrollment.next_release_at = None
    await _cancel_reminders(session, enrollment.id)
    await audit.record(
        session,
        actor,
        "programme.stop",
        now,
        object_type="family",
        object_id=family_id,
        enrollment_id=enrollment.id,
    )
    return True
