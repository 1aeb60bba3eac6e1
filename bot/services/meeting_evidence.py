"""What shows a network meeting's effect, kept by coordinators: why the meeting was called (a
code of content/meetings.yaml), the facilitators' assessment of its process (how far it moved in
each phase, 0–3, and the reflection group's note) and the record two weeks after it (how the
child and the family are now, each open decision done or not and why, whether a new social map
or a new meeting is needed).

The record holds words about the child: every coordinator's view of it is audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.meetings import SCALE_VALUES, MeetingsFile
from bot.db.models import (
    Meeting,
    MeetingDecision,
    MeetingFollowUp,
    MeetingProcessAssessment,
    MeetingStatus,
)
from bot.db.repositories import meeting_decisions as decisions_repo
from bot.db.repositories import meeting_evidence as evidence_repo
from bot.db.repositories import meetings as meetings_repo
from bot.db.repositories import outbox as outbox_repo
from bot.services import audit
from bot.services.access import Action, Actor, authorize, is_allowed
from bot.services.errors import DomainError
from bot.services.meeting_decisions import DUE_PURPOSE, OBJECT_DECISION

NOTE_MAX = 1000  # the reflection group's note
NOW_MAX = 1000  # how the child / the family are now
WHY_MAX = 300  # why a decision was not done


def _text(value: str | None, limit: int, code: str) -> str | None:
    """A free text of a form: stripped, None when empty, refused when too long."""
    text = (value or "").strip()
    if not text:
        return None
    if len(text) > limit:
        raise DomainError(f"{code}_long")
    return text


async def _meeting(session: AsyncSession, actor: Actor | None, meeting_id: int) -> Meeting:
    await authorize(session, actor, Action.MEETING_MANAGE)
    meeting = await meetings_repo.by_id(session, meeting_id)
    if meeting is None:
        raise DomainError("meeting_not_found")
    return meeting


async def _held(session: AsyncSession, actor: Actor | None, meeting_id: int) -> Meeting:
    meeting = await _meeting(session, actor, meeting_id)
    if meeting.status != MeetingStatus.HELD:
        raise DomainError("meeting_not_held")
    return meeting


# --- why the meeting is called ------------------------------------------------------------------


def check_reason(code: str | None, spec: MeetingsFile) -> str:
    """`code` if it is one of the reasons in content/meetings.yaml."""
    if code is None or code not in spec.reason_codes():
        raise DomainError("meeting_reason_unknown")
    return code


async def set_reason(
    session: AsyncSession,
    actor: Actor | None,
    meeting_id: int,
    code: str,
    spec: MeetingsFile,
    now: datetime,
) -> bool:
    """Change why the meeting is called (any status: it is the coordinators' own record, never
    shown to the invited); False when it is the same."""
    meeting = await _meeting(session, actor, meeting_id)
    reason = check_reason(code, spec)
    if meeting.reason == reason:
        return False
    meeting.reason = reason
    await audit.record(
        session, actor, "meeting.reason", now, object_type="meeting", object_id=meeting.id
    )
    return True


# --- the facilitators' assessment of the process ------------------------------------------------


@dataclass(frozen=True)
class ProcessSummary:
    furthest: str | None  # the last phase (in the file's order) the meeting reached at all
    furthest_value: int
    fully: int  # phases gone through fully
    phases: int  # phases in the file
    has_note: bool


def process_summary(assessment: MeetingProcessAssessment, spec: MeetingsFile) -> ProcessSummary:
    scores = assessment.phases or {}
    reached = [code for code in spec.phase_codes() if int(scores.get(code, 0)) > 0]
    furthest = reached[-1] if reached else None
    return ProcessSummary(
        furthest=furthest,
        furthest_value=int(scores.get(furthest, 0)) if furthest else 0,
        fully=sum(1 for code in spec.phase_codes() if int(scores.get(code, 0)) == SCALE_VALUES[-1]),
        phases=len(spec.phases),
        has_note=bool(assessment.reflection_note),
    )


async def process_of(
    session: AsyncSession, actor: Actor | None, meeting_id: int
) -> MeetingProcessAssessment | None:
    await _meeting(session, actor, meeting_id)
    return await evidence_repo.process_of(session, meeting_id)


async def save_process(
    session: AsyncSession,
    actor: Actor | None,
    meeting_id: int,
    phases: Mapping[str, int],
    note: str | None,
    spec: MeetingsFile,
    now: datetime,
) -> MeetingProcessAssessment:
    """Record (or redo) a held meeting's process: every phase of the file scored 0–3."""
    meeting = await _held(session, actor, meeting_id)
    if set(phases) != set(spec.phase_codes()) or any(
        value not in SCALE_VALUES for value in phases.values()
    ):
        raise DomainError("process_incomplete")
    scores = {code: int(phases[code]) for code in spec.phase_codes()}
    text = _text(note, NOTE_MAX, "process_note")
    assessment = await evidence_repo.process_of(session, meeting.id)
    if assessment is None:
        assessment = MeetingProcessAssessment(meeting_id=meeting.id, created_at=now)
        session.add(assessment)
    assessment.phases = scores
    assessment.reflection_note = text
    assessment.author_id = actor.person_id if actor else None
    assessment.updated_at = now
    await session.flush()
    await audit.record(
        session, actor, "meeting.process", now, object_type="meeting", object_id=meeting.id
    )
    return assessment


# --- two weeks after -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """An open decision at the follow-up: done, or not done and why."""

    decision_id: int
    done: bool
    why: str | None = None


@dataclass(frozen=True)
class FollowUpDraft:
    child_now: str | None
    family_now: str | None
    outcomes: tuple[Outcome, ...]
    new_map_needed: bool
    new_meeting_needed: bool


@dataclass(frozen=True)
class FollowUpForm:
    """What the record's form starts from: the meeting, the record so far and the decisions
    still open (those marked not done before among them)."""

    meeting: Meeting
    record: MeetingFollowUp | None
    open_decisions: list[MeetingDecision]


async def follow_up_form(
    session: AsyncSession, actor: Actor | None, meeting_id: int
) -> FollowUpForm:
    meeting = await _held(session, actor, meeting_id)
    record = await evidence_repo.follow_up_of(session, meeting.id)
    return FollowUpForm(meeting, record, await evidence_repo.open_decisions(session, meeting.id))


async def open_follow_up(
    session: AsyncSession, actor: Actor | None, meeting_id: int, now: datetime
) -> FollowUpForm:
    """The form as a coordinator opens it: a record already made is a view of words about the
    child, so it is audited."""
    form = await follow_up_form(session, actor, meeting_id)
    if form.record is not None:
        await _audit_view(session, actor, meeting_id, now)
    return form


async def _audit_view(
    session: AsyncSession, actor: Actor | None, meeting_id: int, now: datetime
) -> None:
    await audit.record(
        session, actor, "meeting.follow_up_view", now, object_type="meeting", object_id=meeting_id
    )


async def save_follow_up(
    session: AsyncSession,
    actor: Actor | None,
    meeting_id: int,
    draft: FollowUpDraft,
    now: datetime,
) -> MeetingFollowUp:
    """Record (or redo) the two-week follow-up of a held meeting. Each outcome must be one of
    the meeting's open decisions: done closes it (its due reminder is dropped), not done keeps
    it open with why; decisions without an outcome stay as they are."""
    meeting = await _held(session, actor, meeting_id)
    child_now = _text(draft.child_now, NOW_MAX, "follow_up_child")
    family_now = _text(draft.family_now, NOW_MAX, "follow_up_family")
    open_ones = {d.id: d for d in await evidence_repo.open_decisions(session, meeting.id)}
    ids = [outcome.decision_id for outcome in draft.outcomes]
    if len(ids) != len(set(ids)) or any(i not in open_ones for i in ids):
        raise DomainError("decision_not_found")
    whys = {
        o.decision_id: _text(o.why, WHY_MAX, "decision_why") for o in draft.outcomes if not o.done
    }
    if any(why is None for why in whys.values()):
        raise DomainError("decision_why_empty")
    for outcome in draft.outcomes:
        decision = open_ones[outcome.decision_id]
        if outcome.done:
            decision.done_at = now
            decision.not_done_reason = None
            decision.not_done_at = None
        else:
            decision.not_done_reason = whys[outcome.decision_id]
            decision.not_done_at = now
    done_ids = [o.decision_id for o in draft.outcomes if o.done]
    if done_ids:
        await outbox_repo.cancel_queued(session, OBJECT_DECISION, done_ids, [DUE_PURPOSE])
    record = await evidence_repo.follow_up_of(session, meeting.id)
    if record is None:
        record = MeetingFollowUp(meeting_id=meeting.id, created_at=now)
        session.add(record)
    record.child_now = child_now
    record.family_now = family_now
    record.new_map_needed = draft.new_map_needed
    record.new_meeting_needed = draft.new_meeting_needed
    record.author_id = actor.person_id if actor else None
    await session.flush()
    await audit.record(
        session,
        actor,
        "meeting.follow_up",
        now,
        object_type="meeting",
        object_id=meeting.id,
        done=len(done_ids),
        not_done=len(whys),
    )
    return record


# --- what the board and the case show ----------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    process: MeetingProcessAssessment | None
    follow_up: MeetingFollowUp | None
    decisions: int
    done: int
    not_done: int  # open, marked not done at the follow-up


def _decision_counts(rows: list[MeetingDecision]) -> tuple[int, int, int]:
    done = sum(1 for d in rows if d.done_at is not None)
    not_done = sum(1 for d in rows if d.done_at is None and d.not_done_at is not None)
    return len(rows), done, not_done


async def evidence(
    session: AsyncSession, actor: Actor | None, meeting_id: int, now: datetime
) -> Evidence:
    """The board's lines on the process and the follow-up (the record's view is audited)."""
    meeting = await _meeting(session, actor, meeting_id)
    process = await evidence_repo.process_of(session, meeting.id)
    record = await evidence_repo.follow_up_of(session, meeting.id)
    if record is not None:
        await _audit_view(session, actor, meeting.id, now)
    total, done, not_done = _decision_counts(await decisions_repo.of_meeting(session, meeting.id))
    return Evidence(process, record, total, done, not_done)


@dataclass(frozen=True)
class FamilyFollowUp:
    meeting: Meeting
    record: MeetingFollowUp
    decisions: int
    done: int
    not_done: int


async def family_follow_ups(
    session: AsyncSession, actor: Actor | None, family_id: int, now: datetime
) -> list[FamilyFollowUp]:
    """The family's meetings' two-week records for its case, latest first: coordinators only
    (anyone else gets none); the view is audited."""
    if not await is_allowed(session, actor, Action.MEETING_MANAGE):
        return []
    found = []
    for meeting, record in await evidence_repo.follow_ups_of_family(session, family_id):
        total, done, not_done = _decision_counts(
            await decisions_repo.of_meeting(session, meeting.id)
        )
        found.append(FamilyFollowUp(meeting, record, total, done, not_done))
    if found:
        await audit.record(
            session,
            actor,
            "meeting.follow_up_view",
            now,
            object_type="family",
            object_id=family_id,
            meetings=len(found),
        )
    return found
