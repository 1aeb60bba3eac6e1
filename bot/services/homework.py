"""Weekly homework of a family in a programme: release, answers, Done, rating, reminders.

Release (`release_due`, run by the scheduler): an active enrollment whose `next_release_at` has
come gets its next week (a `HomeworkWeek` row) and every parent of the family gets the week's
message. The week is due `due_days` after its slot; answers are accepted until the next slot plus
one day (`late_until`) and marked late after the due time. The slot after the last week finishes
the enrollment and invites the parents to the exit questionnaire. A late run (the bot was down)
releases one week and moves the cursor to the next slot after now: missed slots are not made up.

Two parents share one week: either may answer and hand it in; the other is told it is done.
Reminders go to every parent when nothing is handed in by the due time and once more two days
later, while the family is still on that week; they are keyed in the outbox (never twice) and
cancelled by Done. Quiet hours are the sender's job (family-facing rows).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import local_date
from bot.content.programmes import Programme
from bot.db.models import (
    AnswerKind,
    Enrollment,
    EnrollmentStatus,
    Family,
    FamilyLinkKind,
    HomeworkAnswer,
    HomeworkWeek,
    QuestionnairePhase,
)
from bot.db.repositories import homework as homework_repo
from bot.db.repositories import outbox as outbox_repo
from bot.db.repositories.homework import Member
from bot.services import outbox
from bot.services.access import Action, Actor, authorize
from bot.services.errors import DomainError
from bot.services.quiet_hours import in_quiet_hours
from bot.services.release_schedule import next_release_at

log = logging.getLogger(__name__)

OBJECT_WEEK = "homework_week"
OBJECT_ENROLLMENT = "enrollment"

WEEK_PURPOSE = "homework_week"
REMINDER_PURPOSE = "homework_reminder"  # occurrence r1 (at the due time) or r2 (two days on)
SNOOZE_PURPOSE = "homework_snooze"  # "remind me tomorrow"; occurrence: the day
DONE_PURPOSE = "homework_done"  # to the other parents: the week is handed in
INVITE_PURPOSE = "questionnaire_invite"  # occurrence: entry or exit
# One reminder of a questionnaire left unanswered; occurrence: entry or exit (the scan relies on
# the outbox key ending with it).
QUESTIONNAIRE_REMINDER_PURPOSE = "questionnaire_reminder"

WEEK_KIND = "homework_week"
REMINDER_KIND = "homework_reminder"
DONE_KIND = "homework_done"
INVITE_KIND = "questionnaire_invite"
QUESTIONNAIRE_REMINDER_KIND = "questionnaire_reminder"

REMINDER_PURPOSES = (REMINDER_PURPOSE, SNOOZE_PURPOSE)
SECOND_REMINDER_AFTER = timedelta(days=2)
LATE_GRACE = timedelta(days=1)  # answers after the next release are taken for one more day
ON_TIME = timedelta(hours=1)  # a release this late still counts as at its slot
RELEASE_BATCH = 500
QUESTIONNAIRE_REMINDER_AFTER = timedelta(days=2)  # after the invitation
QUESTIONNAIRE_REMINDER_UNTIL = timedelta(days=7)  # a late scan (the bot was down) no later
RATING_MIN, RATING_MAX = 1, 10
COMMENT_MAX_CHARS = 1000
ANSWER_TEXT_MAX_CHARS = 4096


def _zone(family: Family) -> ZoneInfo:
    return ZoneInfo(family.timezone)


def local_text(moment: datetime, family: Family) -> str:
    return moment.astimezone(_zone(family)).strftime("%d.%m.%Y %H:%M")


# --- telling the parents ---------------------------------------------------------------------


async def notify_members(
    session: AsyncSession,
    people: list[Member],
    *,
    purpose: str,
    kind: str,
    params: dict[str, object],
    now: datetime,
    object_type: str,
    object_id: int,
    occurrence: str,
    due_at: datetime | None = None,
    skip_person_id: int | None = None,
    precheck: bool = True,
) -> int:
    """Queue one message to each of `people` (keyed: a second call adds nothing).

    `precheck` looks the keys up first, which makes a repeated call cheap; callers that know
    the keys are new (a week created in this transaction, a reminder level not reached yet)
    skip it, and the insert's ON CONFLICT still keeps a rare race to one row."""
    wanted = [m for m in people if m.person_id != skip_person_id]
    keys = {
        m.person_id: outbox.dedup_key(m.person_id, purpose, object_type, object_id, occurrence)
        for m in wanted
    }
    taken = await outbox_repo.existing_keys(session, keys.values()) if precheck else set()
    queued = 0
    for member in wanted:
        if keys[member.person_id] in taken:
            continue
        if await outbox.enqueue(
            session,
            recipient=outbox.Recipient(member.person_id, member.telegram_id),
            purpose=purpose,
            kind=kind,
            params=dict(params),
            now=now,
            due_at=due_at,
            object_type=object_type,
            object_id=object_id,
            occurrence=occurrence,
            family_facing=True,
        ):
            queued += 1
    return queued


async def parents_of(session: AsyncSession, family_id: int) -> list[Member]:
    found = await homework_repo.members(session, [family_id], FamilyLinkKind.PARENT)
    return found.get(family_id, [])


async def invite_to_questionnaire(
    session: AsyncSession,
    enrollment: Enrollment,
    phase: QuestionnairePhase,
    now: datetime,
    parents: list[Member] | None = None,
) -> int:
    """The entry questionnaire on enrolment, the exit one when the programme ends."""
    if parents is None:
        parents = await parents_of(session, enrollment.family_id)
    return await notify_members(
        session,
        parents,
        purpose=INVITE_PURPOSE,
        kind=INVITE_KIND,
        params={
            "enrollment_id": enrollment.id,
            "programme": enrollment.programme_code,
            "phase": phase.value,
        },
        now=now,
        object_type=OBJECT_ENROLLMENT,
        object_id=enrollment.id,
        occurrence=phase.value,
    )


async def enqueue_questionnaire_reminders(
    session: AsyncSession, now: datetime, quiet_start: time, quiet_end: time
) -> int:
    """One gentle reminder of a questionnaire the family has not answered, two days after the
    invitation, at the family's daytime: a family whose night it is now is reminded by a run in
    its morning. The entry one only until week 1 is handed in (then it no longer describes the
    start); none while paused, after a stop or once the family's case is closed. Each parent's
    row is keyed (never twice, whatever the restarts); answering or stopping cancels it.
    Returns how many rows were queued."""
    due = await homework_repo.questionnaires_to_remind(
        session,
        purpose=QUESTIONNAIRE_REMINDER_PURPOSE,
        invited_after=now - QUESTIONNAIRE_REMINDER_UNTIL,
        invited_by=now - QUESTIONNAIRE_REMINDER_AFTER,
    )
    daytime = [
        (enrollment, family, phase)
        for enrollment, family, phase in due
        if not in_quiet_hours(
            now.astimezone(_zone(family)).time().replace(tzinfo=None), quiet_start, quiet_end
        )
    ]
    if not daytime:
        return 0
    parents = await homework_repo.members(
        session, {family.id for _, family, _ in daytime}, FamilyLinkKind.PARENT
    )
    queued = 0
    for enrollment, family, phase in daytime:
        queued += await notify_members(
            session,
            parents.get(family.id, []),
            purpose=QUESTIONNAIRE_REMINDER_PURPOSE,
            kind=QUESTIONNAIRE_REMINDER_KIND,
            params={
                "enrollment_id": enrollment.id,
                "programme": enrollment.programme_code,
                "phase": phase,
            },
            now=now,
            object_type=OBJECT_ENROLLMENT,
            object_id=enrollment.id,
            occurrence=phase,
        )
    return queued


async def cancel_questionnaire_reminders(session: AsyncSession, enrollment_id: int) -> int:
    """A reminder still queued is not wanted any more (answered, paused or stopped)."""
    return await outbox_repo.cancel_queued(
        session, OBJECT_ENROLLMENT, enrollment_id, [QUESTIONNAIRE_REMINDER_PURPOSE]
    )


# --- the weekly release ----------------------------------------------------------------------


@dataclass
class ReleaseResult:
    weeks: int = 0  # weeks released
    finished: int = 0  # enrollments completed
    messages: int = 0  # outbox rows queued
    skipped: list[int] = field(default_factory=list)  # enrollments with an unknown programme
    examined: int = 0  # due enrollments looked at (a full batch means there may be more)


async def release_due(
    session: AsyncSession,
    now: datetime,
    programmes: Mapping[str, Programme],
    *,
    limit: int = RELEASE_BATCH,
) -> ReleaseResult:
    """Release every week due by now (one batch; call again while it returns a full batch)."""
    result = ReleaseResult()
    due = await homework_repo.due_enrollments(session, now, limit)
    result.examined = len(due)
    if not due:
        return result
    released = await homework_repo.released_counts(session, [e.id for e, _ in due])
    parents = await homework_repo.members(
        session, {family.id for _, family in due}, FamilyLinkKind.PARENT
    )
    for enrollment, family in due:
        programme = programmes.get(enrollment.programme_code)
        family_parents = parents.get(family.id, [])
        if family.closed_at is not None:
            enrollment.status = EnrollmentStatus.STOPPED.value
            enrollment.stopped_at = now
            enrollment.next_release_at = None
            continue
        if programme is None:
            # The file was removed: keep the enrollment, release nothing, say so in the log.
            log.error("enrollment %s: programme file missing, nothing released", enrollment.id)
            enrollment.next_release_at = None
            result.skipped.append(enrollment.id)
            continue
        number = released.get(enrollment.id, 0) + 1
        if number > programme.length:
            result.messages += await _finish(session, enrollment, now, family_parents)
            result.finished += 1
            continue
        result.messages += await _release_week(
            session, enrollment, family, programme, number, now, family_parents
        )
        result.weeks += 1
    return result


async def _release_week(
    session: AsyncSession,
    enrollment: Enrollment,
    family: Family,
    programme: Programme,
    number: int,
    now: datetime,
    parents: list[Member],
) -> int:
    slot = enrollment.next_release_at or now
    # On time (the usual scheduler lag), the week keeps the grid's times. Released late (the bot
    # was down), it counts from now, so the family gets its full days before the due time.
    anchor = slot if now - slot <= ON_TIME else now
    # Missed slots are not made up: the next week comes at the next slot after the anchor.
    following = next_release_at(enrollment, family.timezone, anchor + timedelta(seconds=1))
    following = following or anchor + timedelta(days=7)
    week = HomeworkWeek(
        enrollment_id=enrollment.id,
        week_number=number,
        released_at=now,
        due_at=min(anchor + timedelta(days=enrollment.due_days), following),
        late_until=following + LATE_GRACE,
        late=False,
    )
    session.add(week)
    await session.flush()
    enrollment.next_release_at = following
    return await notify_members(
        session,
        parents,
        purpose=WEEK_PURPOSE,
        kind=WEEK_KIND,
        params={
            "programme": programme.code,
            "week": number,
            "total": programme.length,
            "week_id": week.id,
            "due": local_text(week.due_at, family),
        },
        now=now,
        object_type=OBJECT_WEEK,
        object_id=week.id,
        occurrence=f"week{number}",
        precheck=False,
    )


async def _finish(
    session: AsyncSession, enrollment: Enrollment, now: datetime, parents: list[Member]
) -> int:
    enrollment.status = EnrollmentStatus.COMPLETED.value
    enrollment.completed_at = now
    enrollment.next_release_at = None
    return await invite_to_questionnaire(session, enrollment, QuestionnairePhase.EXIT, now, parents)


# --- a parent's week -------------------------------------------------------------------------


class WeekState(StrEnum):
    OPEN = "open"  # answers welcome
    DONE = "done"  # handed in
    CLOSED = "closed"  # too late, or the programme was stopped


@dataclass(frozen=True)
class ParentWeek:
    week_id: int
    family_id: int
    programme_code: str
    number: int
    total_weeks: int | None
    state: WeekState
    due_local: str
    late_now: bool  # an answer sent now would be marked late
    answer_kinds: list[str]
    rating: int | None
    rated: bool
    commented: bool
    done_by_me: bool


def _state(week: HomeworkWeek, enrollment: Enrollment, now: datetime) -> WeekState:
    if week.done_at is not None:
        return WeekState.DONE
    if enrollment.status == EnrollmentStatus.STOPPED or now > week.late_until:
        return WeekState.CLOSED
    return WeekState.OPEN


async def _load(
    session: AsyncSession, actor: Actor | None, week_id: int, *, lock: bool = False
) -> tuple[HomeworkWeek, Enrollment, Family]:
    await authorize(session, actor, Action.HOMEWORK_ANSWER, week_id)
    found = await homework_repo.week_with_enrollment(session, week_id, lock=lock)
    if found is None:
        raise DomainError("homework_not_found")
    return found


async def parent_week(
    session: AsyncSession,
    actor: Actor | None,
    week_id: int,
    now: datetime,
    programmes: Mapping[str, Programme],
) -> ParentWeek:
    week, enrollment, family = await _load(session, actor, week_id)
    assert actor is not None
    programme = programmes.get(enrollment.programme_code)
    return ParentWeek(
        week_id=week.id,
        family_id=family.id,
        programme_code=enrollment.programme_code,
        number=week.week_number,
        total_weeks=programme.length if programme else None,
        state=_state(week, enrollment, now),
        due_local=local_text(week.due_at, family),
        late_now=now > week.due_at,
        answer_kinds=await homework_repo.answer_kinds(session, week.id),
        rating=week.rating,
        rated=week.rating is not None,
        commented=week.rating_comment is not None,
        done_by_me=week.done_by_id == actor.person_id,
    )


async def add_answer(
    session: AsyncSession,
    actor: Actor | None,
    week_id: int,
    *,
    kind: AnswerKind,
    text: str | None,
    file_id: str | None,
    message_id: int | None,
    now: datetime,
) -> HomeworkAnswer:
    """Store one message of the answer (its `late` tells whether it came after the due time)."""
    week, enrollment, _family = await _load(session, actor, week_id, lock=True)
    assert actor is not None
    state = _state(week, enrollment, now)
    if state is WeekState.DONE:
        raise DomainError("homework_done")
    if state is WeekState.CLOSED:
        raise DomainError("homework_closed")
    if kind is AnswerKind.TEXT and not (text or "").strip():
        raise DomainError("homework_empty")
    if kind is not AnswerKind.TEXT and not file_id:
        raise DomainError("homework_empty")
    answer = HomeworkAnswer(
        homework_week_id=week.id,
        person_id=actor.person_id,
        kind=kind.value,
        text=(text or None) and text[:ANSWER_TEXT_MAX_CHARS],
        file_id=file_id,
        telegram_message_id=message_id,
        created_at=now,
        late=now > week.due_at,
    )
    session.add(answer)
    await session.flush()
    return answer


async def remove_answer(
    session: AsyncSession, actor: Actor | None, week_id: int, answer_id: int, now: datetime
) -> bool:
    """Take back one's own message from a week not handed in yet (a message the bot filed as
    homework that was not meant as such). False when it is gone already or not removable."""
    week, enrollment, _family = await _load(session, actor, week_id, lock=True)
    assert actor is not None
    answer = await homework_repo.answer_by_id(session, answer_id)
    if (
        answer is None
        or answer.homework_week_id != week.id
        or answer.person_id != actor.person_id
        or _state(week, enrollment, now) is not WeekState.OPEN
    ):
        return False
    await homework_repo.delete_answer(session, answer)
    await session.flush()
    return True


class HandInOutcome(StrEnum):
    DONE = "done"
    ALREADY = "already"  # the other parent (or a double tap) was first


async def hand_in(
    session: AsyncSession, actor: Actor | None, week_id: int, now: datetime
) -> HandInOutcome:
    """Done: the week is handed in for the whole family; reminders are cancelled and the
    other parents are told."""
    week, enrollment, family = await _load(session, actor, week_id, lock=True)
    assert actor is not None
    state = _state(week, enrollment, now)
    if state is WeekState.DONE:
        return HandInOutcome.ALREADY
    if state is WeekState.CLOSED:
        raise DomainError("homework_closed")
    if not await homework_repo.answer_kinds(session, week.id):
        raise DomainError("homework_empty")
    week.done_at = now
    week.done_by_id = actor.person_id
    week.late = now > week.due_at
    await outbox_repo.cancel_queued(session, OBJECT_WEEK, week.id, REMINDER_PURPOSES)
    await notify_members(
        session,
        await parents_of(session, family.id),
        purpose=DONE_PURPOSE,
        kind=DONE_KIND,
        params={"programme": enrollment.programme_code, "week": week.week_number},
        now=now,
        object_type=OBJECT_WEEK,
        object_id=week.id,
        occurrence="done",
        skip_person_id=actor.person_id,
    )
    return HandInOutcome.DONE


async def rate(
    session: AsyncSession, actor: Actor | None, week_id: int, rating: int, now: datetime
) -> bool:
    """ "How was this week for your family?" 1..10, once per week (the first answer stays)."""
    week, _enrollment, _family = await _load(session, actor, week_id, lock=True)
    if not RATING_MIN <= rating <= RATING_MAX:
        raise DomainError("homework_rating")
    if week.done_at is None:
        raise DomainError("homework_not_done")
    if week.rating is not None:
        return False
    week.rating = rating
    return True


async def add_comment(
    session: AsyncSession, actor: Actor | None, week_id: int, text: str, now: datetime
) -> bool:
    """The optional comment to the rating, once."""
    week, _enrollment, _family = await _load(session, actor, week_id, lock=True)
    text = text.strip()
    if not text:
        raise DomainError("homework_empty")
    if len(text) > COMMENT_MAX_CHARS:
        raise DomainError("homework_comment_long")
    if week.rating is None:
        raise DomainError("homework_not_rated")
    if week.rating_comment is not None:
        return False
    week.rating_comment = text
    return True


# --- reminders -------------------------------------------------------------------------------


async def enqueue_reminders(session: AsyncSession, now: datetime) -> int:
    """Reminders due by now: at the due time, and once more two days later (only the second one
    when the first was missed altogether). Returns how many rows were queued."""
    weeks = await homework_repo.weeks_to_remind(
        session, now, now + LATE_GRACE, SECOND_REMINDER_AFTER
    )
    if not weeks:
        return 0
    parents = await homework_repo.members(
        session, {e.family_id for _, e in weeks}, FamilyLinkKind.PARENT
    )
    queued = 0
    for week, enrollment in weeks:
        second = now >= week.due_at + SECOND_REMINDER_AFTER
        queued += await notify_members(
            session,
            parents.get(enrollment.family_id, []),
            purpose=REMINDER_PURPOSE,
            kind=REMINDER_KIND,
            params={
                "programme": enrollment.programme_code,
                "week": week.week_number,
                "week_id": week.id,
                "second": second,
            },
            now=now,
            object_type=OBJECT_WEEK,
            object_id=week.id,
            occurrence="r2" if second else "r1",
            precheck=False,  # the week's reminder count says this level is not queued yet
        )
        week.reminders_queued = 2 if second else 1
    return queued


class SnoozeOutcome(StrEnum):
    SCHEDULED = "scheduled"
    ALREADY = "already"
    NOT_NEEDED = "not_needed"  # handed in, or the week is closed


async def snooze(
    session: AsyncSession, actor: Actor | None, week_id: int, now: datetime
) -> SnoozeOutcome:
    """ "Remind me tomorrow": one more reminder to this parent 24 hours later (moved out of
    quiet hours by the sender; cancelled if the week is handed in meanwhile)."""
    week, enrollment, family = await _load(session, actor, week_id)
    assert actor is not None
    if _state(week, enrollment, now) is not WeekState.OPEN:
        return SnoozeOutcome.NOT_NEEDED
    tomorrow = local_date(now + timedelta(days=1), family.timezone)
    me = Member(actor.person_id, actor.telegram_id, "")
    queued = await notify_members(
        session,
        [me],
        purpose=SNOOZE_PURPOSE,
        kind=REMINDER_KIND,
        params={
            "programme": enrollment.programme_code,
            "week": week.week_number,
            "week_id": week.id,
            "second": False,
        },
        now=now,
        due_at=now + timedelta(days=1),
        object_type=OBJECT_WEEK,
        object_id=week.id,
        occurrence=tomorrow.isoformat(),
    )
    return SnoozeOutcome.SCHEDULED if queued else SnoozeOutcome.ALREADY


# --- /progress for parents -------------------------------------------------------------------


@dataclass(frozen=True)
class WeekLine:
    week_id: int
    number: int
    state: WeekState
    late: bool
    due_local: str
    rating: int | None


@dataclass(frozen=True)
class FamilyProgress:
    family_id: int
    family_name: str
    enrollment_id: int | None
    programme_code: str | None
    status: str | None
    released: int
    total: int
    weeks: list[WeekLine]
    next_release_local: str | None
    questionnaire_due: QuestionnairePhase | None  # the one this family has not answered yet


async def overview_for_parent(
    session: AsyncSession,
    actor: Actor,
    now: datetime,
    programmes: Mapping[str, Programme],
) -> list[FamilyProgress]:
    """Each of the parent's families: week x of y, what is done, what is due."""
    from bot.services import questionnaire  # a sibling that imports this module

    found: list[FamilyProgress] = []
    for family in await homework_repo.parent_families(session, actor.person_id):
        enrollment = await questionnaire.latest_enrollment(session, family.id)
        if enrollment is None:
            found.append(
                FamilyProgress(family.id, family.name, None, None, None, 0, 0, [], None, None)
            )
            continue
        programme = programmes.get(enrollment.programme_code)
        weeks = await homework_repo.weeks_of(session, enrollment.id)
        lines = [
            WeekLine(
                w.id,
                w.week_number,
                _state(w, enrollment, now),
                w.late,
                local_text(w.due_at, family),
                w.rating,
            )
            for w in weeks
        ]
        released = max((w.week_number for w in weeks), default=0)
        upcoming = enrollment.next_release_at
        found.append(
            FamilyProgress(
                family_id=family.id,
                family_name=family.name,
                enrollment_id=enrollment.id,
                programme_code=enrollment.programme_code,
                status=enrollment.status,
                released=released,
                total=programme.length if programme else released,
                weeks=lines,
                next_release_local=local_text(upcoming, family) if upcoming else None,
                questionnaire_due=await questionnaire.due_phase(session, enrollment),
            )
        )
    return found
