"""Case management: the family's case itself, its stage and its closing.

A case goes from request and diagnosis through the approved plan (ИПСС, kept in case_plans) and
its monitoring to the final monitoring and closing. No case record means request and diagnosis.
Moving the stage on is a coordinator's (Action.FAMILY_MANAGE). The stage "closed" is the family's
closing (families.close_family), plus the final meeting's date and a short summary kept here; a
reopened family's case goes back to the final monitoring.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import CaseRecord, CaseStage, CloseReason, Family
from bot.db.repositories import cases as cases_repo
from bot.services import audit, families
from bot.services.access import Actor
from bot.services.errors import DomainError

SUMMARY_MAX = 1000
OPEN_STAGES = (
    CaseStage.INTAKE,
    CaseStage.PLAN_APPROVED,
    CaseStage.MONITORING,
    CaseStage.FINAL_MONITORING,
)


@dataclass(frozen=True)
class CaseState:
    stage: CaseStage
    final_meeting_date: date | None
    final_summary: str | None
    record: CaseRecord | None = None  # approval, the planned parting, the family's words


async def case_state(session: AsyncSession, family: Family) -> CaseState:
    """The stage (callers check access first): "closed" whenever the family is closed."""
    record = await cases_repo.case_record(session, family.id)
    stage = CaseStage(record.stage) if record else CaseStage.INTAKE
    if family.closed_at is not None:
        stage = CaseStage.CLOSED
    elif stage is CaseStage.CLOSED:
        stage = CaseStage.FINAL_MONITORING  # reopened
    return CaseState(
        stage,
        record.final_meeting_date if record else None,
        record.final_summary if record else None,
        record,
    )


async def _record(session: AsyncSession, family_id: int, now: datetime) -> CaseRecord:
    record = await cases_repo.case_record(session, family_id)
    if record is None:
        record = CaseRecord(family_id=family_id, stage=CaseStage.INTAKE.value, stage_at=now)
        session.add(record)
    return record


async def set_stage(
    session: AsyncSession,
    actor: Actor,
    family_id: int,
    stage: CaseStage,
    now: datetime,
    *,
    consilium_id: int | None = None,
) -> bool:
    """A coordinator (or a consilium: its id) moves the case to an open stage; closing goes
    through close_case. Moving to «plan approved» records who approved the plan and when.
    False when it already was there."""
    family = await families.require_manage(session, actor, family_id)
    stage = CaseStage(stage)
    if stage not in OPEN_STAGES:
        raise DomainError("stage_unknown")
    if family.closed_at is not None:
        raise DomainError("family_closed")
    if (await case_state(session, family)).stage is stage:
        return False
    record = await _record(session, family_id, now)
    record.stage = stage.value
    record.stage_at = now
    record.stage_by_id = actor.person_id
    if stage is CaseStage.PLAN_APPROVED:
        record.plan_approved_at = now
        record.plan_approved_by_id = actor.person_id
        record.plan_approved_consilium_id = consilium_id
    await session.flush()
    await audit.record(
        session, actor, "case.stage", now, object_type="family", object_id=family_id, stage=stage
    )
    return True


def check_close_note(reason: CloseReason, note: str | None) -> str | None:
    """The closing note as families.close_family will take it (asked before the final meeting's
    date and the summary, so a wrong note is said at once)."""
    cleaned = families.clean_note(note)
    if CloseReason(reason) is CloseReason.OTHER and cleaned is None:
        raise DomainError("close_note_required")
    return cleaned


def clean_summary(raw: str | None) -> str | None:
    """The final meeting's summary on one line (spaces collapsed); empty is none."""
    text = " ".join((raw or "").split())
    if len(text) > SUMMARY_MAX:
        raise DomainError("case_summary_long")
    return text or None


def check_final_date(family: Family, day: date, now: datetime) -> date:
    """The final meeting took place, at most a year ago."""
    today = families.family_today(family, now)
    if day > today:
        raise DomainError("final_date_future")
    if day < today - timedelta(days=366):
        raise DomainError("final_date_old")
    return day


async def close_case(
    session: AsyncSession,
    actor: Actor,
    family_id: int,
    reason: CloseReason,
    note: str | None,
    now: datetime,
    *,
    final_date: date | None = None,
    summary: str | None = None,
) -> Family:
    """The family's closing (families.close_family) with the final meeting's date and summary."""
    family = await families.require_manage(session, actor, family_id)
    if final_date is not None:
        check_final_date(family, final_date, now)
    summary = clean_summary(summary)
    family = await families.close_family(session, actor, family_id, reason, note, now)
    record = await _record(session, family_id, now)
    record.final_meeting_date = final_date
    record.final_summary = summary
    await session.flush()
    return family


# --- the parting, planned ahead ---------------------------------------------------------------

WORDS_MAX = 1000
PARTING_AHEAD_DAYS = 366


async def plan_final_meeting(
    session: AsyncSession, actor: Actor, family_id: int, day: date, now: datetime
) -> CaseRecord:
    """The day of the final meeting (the family's calendar), set before it happens; the
    curator is reminded the day before (consilium.enqueue_due)."""
    family = await families.require_manage(session, actor, family_id)
    if family.closed_at is not None:
        raise DomainError("family_closed")
    today = families.family_today(family, now)
    if day < today:
        raise DomainError("final_planned_past")
    if day > today + timedelta(days=PARTING_AHEAD_DAYS):
        raise DomainError("final_planned_far")
    record = await _record(session, family_id, now)
    record.final_meeting_planned_on = day
    await session.flush()
    await audit.record(
        session, actor, "case.final_meeting.plan", now, object_type="family", object_id=family_id
    )
    return record


def clean_words(raw: str | None) -> str | None:
    text = (raw or "").strip()
    if len(text) > WORDS_MAX:
        raise DomainError("words_long")
    return text or None


async def record_words(
    session: AsyncSession,
    actor: Actor,
    family_id: int,
    now: datetime,
    *,
    before: str | None,
    after: str | None,
) -> CaseRecord:
    """The family's own words at the parting: how it was before, how it is now (the client
    speaks first). Kept with the case; also once the case is closed, for the case file."""
    await families.require_manage(session, actor, family_id)
    record = await _record(session, family_id, now)
    record.words_before = clean_words(before)
    record.words_after = clean_words(after)
    await session.flush()
    await audit.record(session, actor, "case.words", now, object_type="family", object_id=family_id)
    return record
