"""The family questionnaire again some months after a completed programme: is the change lasting?

A scheduler scan (`scan`) does four cheap steps, each safe to repeat:
- plan: a completed enrollment without follow-up rows gets one per month count of its programme
  (`follow_up_months`, default 6 and 12), due on the family's calendar day that many months
  after completion, at the enrollment's release time when that is daytime, else at 11:00. A
  follow-up already more than `LATE_LIMIT` overdue when planned (a programme completed long
  before this feature) is created cancelled and never sent: "half a year on" a year late would
  be wrong. A programme that is no longer in the content, or has no follow-up months, gets none.
- cancel: a follow-up still waiting is cancelled (with its queued messages) once the family's
  case is closed for another reason than improvement, the family is anonymised, or no parent is
  left (withdrawing consent removes the parent's link). A case closed with improvement keeps its
  follow-ups: that is what they are for.
- release: a due follow-up goes to every parent, at the family's daytime only (a run at night
  waits for the morning; the sender also holds family messages in the parent's own night).
- remind: once, `REMINDER_AFTER` the release, at the family's daytime, if still unanswered.

Answering: either parent, once for the family (`save`); a follow-up is open from its release
until it is answered, cancelled or the next one is released. Parents see no scores; staff see
the totals beside the entry and exit ones. "Kept" (`kept_change`): the follow-up total is at
least the exit total minus the programme's `lasting_tolerance`.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import zone_or
from bot.content.programmes import (
    MAX_FOLLOW_UP_MONTHS,
    Programme,
    Questionnaire,
)
from bot.db.models import Enrollment, Family, FamilyLinkKind, QuestionnaireFollowUp
from bot.db.repositories import follow_ups as follow_ups_repo
from bot.db.repositories import homework as homework_repo
from bot.db.repositories import outbox as outbox_repo
from bot.db.repositories import programmes as programmes_repo
from bot.services.access import Action, Actor, authorize
from bot.services.errors import DomainError
from bot.services.homework import notify_members
from bot.services.quiet_hours import in_quiet_hours
from bot.services.reminders import local_moment

OBJECT_FOLLOW_UP = "questionnaire_follow_up"
INVITE_PURPOSE = "follow_up_invite"
REMINDER_PURPOSE = "follow_up_reminder"
INVITE_KIND = "follow_up_invite"
REMINDER_KIND = "follow_up_reminder"
PURPOSES = (INVITE_PURPOSE, REMINDER_PURPOSE)

DAYTIME_FALLBACK = time(11, 0)  # when the enrollment's release time falls in quiet hours
REMINDER_AFTER = timedelta(days=3)  # after the release
REMINDER_UNTIL = timedelta(days=14)  # a late scan (the bot was down) reminds no later
LATE_LIMIT = timedelta(days=60)  # planning skips a follow-up overdue longer than this
# Completed enrollments older than this cannot have a follow-up left to plan.
PLAN_WINDOW = timedelta(days=31 * MAX_FOLLOW_UP_MONTHS) + LATE_LIMIT
BATCH = 500

CLOSED = "follow_up_closed"
INCOMPLETE = "follow_up_incomplete"


def kept_change(exit_total: int, follow_up_total: int, tolerance: int) -> bool:
    """The change is lasting when the follow-up total is at least the exit total minus the
    programme's tolerance."""
    return follow_up_total >= exit_total - tolerance


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day when it is shorter (31 Aug + 6 → 28/29
    Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def follow_up_time(release_time: time, quiet_start: time, quiet_end: time) -> time:
    """The family's usual release time if it is daytime, else late morning."""
    if in_quiet_hours(release_time, quiet_start, quiet_end):
        return DAYTIME_FALLBACK
    return release_time


def due_moment(
    enrollment: Enrollment, family: Family, months: int, quiet_start: time, quiet_end: time
) -> datetime:
    """`months` after completion on the family's calendar, at its daytime hour (UTC)."""
    assert enrollment.completed_at is not None
    zone = zone_or(family.timezone)
    completed_on = enrollment.completed_at.astimezone(zone).date()
    at = follow_up_time(enrollment.release_time, quiet_start, quiet_end)
    return local_moment(add_months(completed_on, months), at, zone)


def is_daytime(now: datetime, family: Family, quiet_start: time, quiet_end: time) -> bool:
    local = now.astimezone(zone_or(family.timezone)).time().replace(tzinfo=None)
    return not in_quiet_hours(local, quiet_start, quiet_end)


# --- the scan -------------------------------------------------------------------------------


@dataclass
class ScanResult:
    planned: int = 0  # follow-up rows created
    cancelled: int = 0  # follow-ups cancelled
    released: int = 0  # follow-ups sent to the parents
    reminded: int = 0  # follow-ups reminded
    messages: int = 0  # outbox rows queued


async def scan(
    session: AsyncSession,
    now: datetime,
    programmes: Mapping[str, Programme],
    quiet_start: time,
    quiet_end: time,
) -> ScanResult:
    result = ScanResult()
    result.planned = await plan(session, now, programmes, quiet_start, quiet_end)
    result.cancelled = await cancel_moot(session, now)
    released, queued = await release_due(session, now, quiet_start, quiet_end)
    result.released, result.messages = released, queued
    reminded, queued = await remind_due(session, now, quiet_start, quiet_end)
    result.reminded, result.messages = reminded, result.messages + queued
    return result


async def plan(
    session: AsyncSession,
    now: datetime,
    programmes: Mapping[str, Programme],
    quiet_start: time,
    quiet_end: time,
) -> int:
    """Follow-up rows for completed enrollments that have none yet; returns how many. A month
    already more than LATE_LIMIT overdue gets its row cancelled at once (never sent): so every
    enrollment is planned once, and the scan never looks at it again."""
    codes = [code for code, p in programmes.items() if p.follow_up_months]
    if not codes:
        return 0
    added = 0
    found = await follow_ups_repo.unplanned(session, codes, now - PLAN_WINDOW, BATCH)
    for enrollment, family in found:
        for months in programmes[enrollment.programme_code].follow_up_months:
            due_at = due_moment(enrollment, family, months, quiet_start, quiet_end)
            too_late = due_at + LATE_LIMIT < now
            added += await follow_ups_repo.add(
                session, enrollment.id, months, due_at, cancelled_at=now if too_late else None
            )
    return added


async def cancel_moot(session: AsyncSession, now: datetime) -> int:
    """Waiting follow-ups of families that can no longer be asked, and their queued messages."""
    ids = await follow_ups_repo.moot(session)
    if not ids:
        return 0
    cancelled = await follow_ups_repo.mark_cancelled(session, ids, now)
    await outbox_repo.cancel_queued(session, OBJECT_FOLLOW_UP, ids, PURPOSES)
    return cancelled


async def _tell_parents(
    session: AsyncSession,
    rows: list[follow_ups_repo.FollowUpRow],
    *,
    purpose: str,
    kind: str,
    now: datetime,
) -> int:
    parents = await homework_repo.members(
        session, {family.id for _, _, family in rows}, FamilyLinkKind.PARENT
    )
    queued = 0
    for follow_up, enrollment, family in rows:
        queued += await notify_members(
            session,
            parents.get(family.id, []),
            purpose=purpose,
            kind=kind,
            params={
                "follow_up_id": follow_up.id,
                "programme": enrollment.programme_code,
                "months": follow_up.months,
            },
            now=now,
            object_type=OBJECT_FOLLOW_UP,
            object_id=follow_up.id,
            occurrence=str(follow_up.months),
        )
    return queued


async def release_due(
    session: AsyncSession, now: datetime, quiet_start: time, quiet_end: time
) -> tuple[int, int]:
    """Due follow-ups of families whose daytime it is: (follow-ups released, rows queued)."""
    rows = [
        row
        for row in await follow_ups_repo.due(session, now, BATCH)
        if is_daytime(now, row[2], quiet_start, quiet_end)
    ]
    if not rows:
        return 0, 0
    queued = await _tell_parents(session, rows, purpose=INVITE_PURPOSE, kind=INVITE_KIND, now=now)
    for follow_up, _enrollment, _family in rows:
        follow_up.released_at = now
    await session.flush()
    return len(rows), queued


async def remind_due(
    session: AsyncSession, now: datetime, quiet_start: time, quiet_end: time
) -> tuple[int, int]:
    """One reminder of a follow-up left unanswered, at the family's daytime."""
    found = await follow_ups_repo.to_remind(
        session, now - REMINDER_UNTIL, now - REMINDER_AFTER, BATCH
    )
    rows = [row for row in found if is_daytime(now, row[2], quiet_start, quiet_end)]
    if not rows:
        return 0, 0
    queued = await _tell_parents(
        session, rows, purpose=REMINDER_PURPOSE, kind=REMINDER_KIND, now=now
    )
    for follow_up, _enrollment, _family in rows:
        follow_up.reminded_at = now
    await session.flush()
    return len(rows), queued


# --- answering ------------------------------------------------------------------------------


async def _follow_up_for(
    session: AsyncSession, actor: Actor | None, follow_up_id: int
) -> QuestionnaireFollowUp:
    """The follow-up, if this person is a parent of its family (a forged id is refused)."""
    follow_up = await follow_ups_repo.by_id(session, follow_up_id)
    await authorize(
        session,
        actor,
        Action.QUESTIONNAIRE_ANSWER,
        follow_up.enrollment_id if follow_up is not None else None,
    )
    assert follow_up is not None
    return follow_up


@dataclass(frozen=True)
class Opened:
    months: int
    programme: str  # the programme's code


async def check_open(
    session: AsyncSession, actor: Actor | None, follow_up_id: int
) -> Opened | None:
    """May this parent answer now? None when the family has answered; DomainError(CLOSED) when
    it is not open (not sent yet, cancelled, or the next one has been sent)."""
    follow_up = await _follow_up_for(session, actor, follow_up_id)
    if follow_up.answered_at is not None:
        return None
    if follow_up.released_at is None or follow_up.cancelled_at is not None:
        raise DomainError(CLOSED)
    siblings = await follow_ups_repo.of_enrollment(session, follow_up.enrollment_id)
    if any(s.months > follow_up.months and s.released_at is not None for s in siblings):
        raise DomainError(CLOSED)
    enrollment = await programmes_repo.by_id(session, follow_up.enrollment_id)
    assert enrollment is not None
    return Opened(follow_up.months, enrollment.programme_code)


async def save(
    session: AsyncSession,
    actor: Actor | None,
    follow_up_id: int,
    answers: Mapping[str, int],
    now: datetime,
    questionnaire: Questionnaire,
) -> bool:
    """The family's answers; False when the family had already answered (the other parent, a
    double tap)."""
    if await check_open(session, actor, follow_up_id) is None:
        return False
    assert actor is not None
    codes = [s.code for s in questionnaire.statements]
    values = {step.value for step in questionnaire.scale}
    if sorted(answers) != sorted(codes) or any(v not in values for v in answers.values()):
        raise DomainError(INCOMPLETE)
    saved = await follow_ups_repo.mark_answered(
        session,
        follow_up_id,
        person_id=actor.person_id,
        answers={code: answers[code] for code in codes},
        total=sum(answers[code] for code in codes),
        now=now,
    )
    if saved:
        await outbox_repo.cancel_queued(session, OBJECT_FOLLOW_UP, follow_up_id, PURPOSES)
    return saved


# --- staff view -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpView:
    months: int
    due_at: datetime
    released: bool
    cancelled: bool
    total: int | None  # None while unanswered


async def of_enrollment(
    session: AsyncSession, actor: Actor | None, family_id: int, enrollment: Enrollment
) -> list[FollowUpView]:
    """The enrollment's follow-ups for the family's programme view (staff of the family)."""
    await authorize(session, actor, Action.PROGRAMME_VIEW, family_id)
    if enrollment.family_id != family_id:
        raise DomainError("programme_not_found")
    return [
        FollowUpView(
            months=f.months,
            due_at=f.due_at,
            released=f.released_at is not None,
            cancelled=f.cancelled_at is not None,
            total=f.total,
        )
        for f in await follow_ups_repo.of_enrollment(session, enrollment.id)
    ]
