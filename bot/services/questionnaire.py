"""The family-functioning self-assessment before week 1 and after the last week, and the result.

One response per family and phase (either parent may give it). The entry one is open while the
enrollment runs; the exit one once the programme is completed. "Completed with positive dynamics"
is exit total above entry total (`Enrollment.positive_dynamics`), unless a coordinator overrode it
with a note.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.programmes import Questionnaire
from bot.db.models import Enrollment, EnrollmentStatus, QuestionnairePhase, QuestionnaireResponse
from bot.db.repositories import programmes as programmes_repo
from bot.db.repositories import questionnaires as questionnaires_repo
from bot.services import audit, programme_evaluations
from bot.services.access import Action, Actor, authorize
from bot.services.errors import DomainError
from bot.services.homework import cancel_questionnaire_reminders

NOTE_MAX_CHARS = 500
CURRENT = (EnrollmentStatus.ACTIVE.value, EnrollmentStatus.PAUSED.value)


async def latest_enrollment(session: AsyncSession, family_id: int) -> Enrollment | None:
    """The running enrollment, else the most recent one."""
    enrollments = await programmes_repo.of_family(session, family_id)
    running = next((e for e in enrollments if e.status in CURRENT), None)
    return running or (enrollments[0] if enrollments else None)


async def _answered(session: AsyncSession, enrollment_id: int, phase: QuestionnairePhase) -> bool:
    return await questionnaires_repo.answered(session, enrollment_id, phase)


def _open_phase(enrollment: Enrollment) -> QuestionnairePhase | None:
    if enrollment.status in CURRENT:
        return QuestionnairePhase.ENTRY
    if enrollment.status == EnrollmentStatus.COMPLETED:
        return QuestionnairePhase.EXIT
    return None


async def due_phase(session: AsyncSession, enrollment: Enrollment) -> QuestionnairePhase | None:
    """The questionnaire the family can answer now and has not, if any. The exit one stays due
    until the family's evaluation of the programme that follows it is given too."""
    phase = _open_phase(enrollment)
    if phase is None:
        return None
    if await _answered(session, enrollment.id, phase):
        exit_then_evaluation = phase is QuestionnairePhase.EXIT
        if exit_then_evaluation and await programme_evaluations.family_pending(session, enrollment):
            return phase
        return None
    return phase


@dataclass(frozen=True)
class Saved:
    saved: bool  # False: the family had already answered (the other parent, a double tap)
    total: int | None


async def check_open(
    session: AsyncSession, actor: Actor | None, enrollment_id: int, phase: QuestionnairePhase
) -> bool:
    """May this parent start this questionnaire now? False when already answered; a
    DomainError when it is not open (wrong phase, programme stopped)."""
    await authorize(session, actor, Action.QUESTIONNAIRE_ANSWER, enrollment_id)
    enrollment = await programmes_repo.by_id(session, enrollment_id)
    if enrollment is None:
        raise DomainError("programme_not_found")
    if _open_phase(enrollment) is not phase:
        raise DomainError("questionnaire_closed")
    return not await _answered(session, enrollment_id, phase)


async def save(
    session: AsyncSession,
    actor: Actor | None,
    enrollment_id: int,
    phase: QuestionnairePhase,
    answers: Mapping[str, int],
    now: datetime,
    questionnaire: Questionnaire,
) -> Saved:
    if not await check_open(session, actor, enrollment_id, phase):
        return Saved(False, None)
    assert actor is not None
    codes = [s.code for s in questionnaire.statements]
    values = {step.value for step in questionnaire.scale}
    if sorted(answers) != sorted(codes) or any(v not in values for v in answers.values()):
        raise DomainError("questionnaire_incomplete")
    total = sum(answers[code] for code in codes)
    enrollment = await programmes_repo.by_id(session, enrollment_id)
    assert enrollment is not None
    try:
        async with session.begin_nested():
            session.add(
                QuestionnaireResponse(
                    enrollment_id=enrollment_id,
                    person_id=actor.person_id,
                    phase=phase.value,
                    answers=dict(answers),
                    total=total,
                    created_at=now,
                )
            )
            await session.flush()
    except IntegrityError:
        return Saved(False, None)  # the other parent was quicker
    if phase is QuestionnairePhase.ENTRY:
        enrollment.entry_total = total
    else:
        enrollment.exit_total = total
    await cancel_questionnaire_reminders(session, enrollment_id)
    return Saved(True, total)


async def set_result(
    session: AsyncSession,
    actor: Actor | None,
    family_id: int,
    positive: bool | None,
    note: str | None,
    now: datetime,
) -> Enrollment:
    """A coordinator's decision on "completed with positive dynamics" (None: back to the
    questionnaire totals). A note is required for an override."""
    await authorize(session, actor, Action.PROGRAMME_RESULT, family_id)
    assert actor is not None
    enrollment = await latest_enrollment(session, family_id)
    if enrollment is None:
        raise DomainError("programme_not_found")
    note = (note or "").strip() or None
    if positive is not None and note is None:
        raise DomainError("programme_result_note")
    if note is not None and len(note) > NOTE_MAX_CHARS:
        raise DomainError("programme_result_note_long")
    enrollment.positive_override = positive
    enrollment.override_note = note if positive is not None else None
    enrollment.override_by_id = actor.person_id if positive is not None else None
    await audit.record(
        session,
        actor,
        "programme.result",
        now,
        object_type="family",
        object_id=family_id,
        enrollment_id=enrollment.id,
        positive=positive,
    )
    return enrollment
