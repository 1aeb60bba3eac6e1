"""The evaluation of a weekly programme at its end: the family's own and the specialists'.

The family's own (statements 1..5 and one optional open answer) is asked of a parent right after
the exit questionnaire; either parent may give it, once per enrollment. The specialists' (the
family's engagement, homework done, the programme's fit, 1..5 each, and whether further work is
needed) is recorded by the family's mentor or curator once the programme is completed, also
once per enrollment; it answers the programme's final question "is further work needed?".
Staff who see the programme see both; every view of the family's evaluation is audited (its open
answer is the family's personal data).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.evaluation import SCALE_VALUES, SPECIALIST_ITEMS, FamilyEvaluation
from bot.db.models import (
    Enrollment,
    EnrollmentStatus,
    FurtherWork,
    ProgrammeEvaluation,
    QuestionnairePhase,
    SpecialistEvaluation,
)
from bot.db.repositories import programme_evaluations as evaluations_repo
from bot.db.repositories import programmes as programmes_repo
from bot.db.repositories import questionnaires as questionnaires_repo
from bot.services import audit
from bot.services.access import Action, Actor, authorize, is_allowed
from bot.services.errors import DomainError

OPEN_ANSWER_MAX_CHARS = 1000
NOTE_MAX_CHARS = 1000


async def _enrollment(session: AsyncSession, enrollment_id: int) -> Enrollment:
    enrollment = await programmes_repo.by_id(session, enrollment_id)
    if enrollment is None:
        raise DomainError("programme_not_found")
    return enrollment


async def _exit_answered(session: AsyncSession, enrollment: Enrollment) -> bool:
    return enrollment.status == EnrollmentStatus.COMPLETED and await questionnaires_repo.answered(
        session, enrollment.id, QuestionnairePhase.EXIT
    )


def _clean(text: str | None, limit: int, too_long: str) -> str | None:
    text = (text or "").strip()
    if not text:
        return None
    if len(text) > limit:
        raise DomainError(too_long)
    return text


# --- the family's own evaluation ------------------------------------------------------------


async def family_pending(session: AsyncSession, enrollment: Enrollment) -> bool:
    """Is the family's evaluation still to give: the exit questionnaire answered, it not?"""
    return (
        await _exit_answered(session, enrollment)
        and await evaluations_repo.family_of(session, enrollment.id) is None
    )


async def check_family_open(session: AsyncSession, actor: Actor | None, enrollment_id: int) -> bool:
    """May this parent give the family's evaluation now? False once the family has given it; a
    DomainError("evaluation_closed") before the exit questionnaire of a completed programme."""
    await authorize(session, actor, Action.PROGRAMME_EVALUATE, enrollment_id)
    enrollment = await _enrollment(session, enrollment_id)
    if not await _exit_answered(session, enrollment):
        raise DomainError("evaluation_closed")
    return await evaluations_repo.family_of(session, enrollment_id) is None


def clean_open_answer(text: str | None) -> str | None:
    """The open answer stripped; None when empty; DomainError("evaluation_open_answer_long")."""
    return _clean(text, OPEN_ANSWER_MAX_CHARS, "evaluation_open_answer_long")


async def save_family(
    session: AsyncSession,
    actor: Actor | None,
    enrollment_id: int,
    answers: Mapping[str, int],
    open_answer: str | None,
    now: datetime,
    form: FamilyEvaluation,
) -> bool:
    """Stores the family's evaluation; False when the family had already given it (the other
    parent, a double tap). DomainError("evaluation_incomplete") when the answers do not match
    the statements (edited meanwhile)."""
    if not await check_family_open(session, actor, enrollment_id):
        return False
    assert actor is not None
    codes = sorted(s.code for s in form.statements)
    if sorted(answers) != codes or any(v not in SCALE_VALUES for v in answers.values()):
        raise DomainError("evaluation_incomplete")
    evaluation = ProgrammeEvaluation(
        enrollment_id=enrollment_id,
        person_id=actor.person_id,
        answers=dict(answers),
        open_answer=clean_open_answer(open_answer),
        created_at=now,
    )
    try:
        async with session.begin_nested():
            await evaluations_repo.add_family(session, evaluation)
    except IntegrityError:
        return False  # the other parent was quicker
    return True


# --- the specialists' evaluation ------------------------------------------------------------


async def check_specialist_open(
    session: AsyncSession, actor: Actor | None, enrollment_id: int
) -> SpecialistEvaluation | None:
    """May this person record the specialists' evaluation? The one already recorded, or None
    when it is still to record; DomainError("evaluation_not_completed") before the end."""
    await authorize(session, actor, Action.PROGRAMME_SPECIALIST_EVALUATE, enrollment_id)
    enrollment = await _enrollment(session, enrollment_id)
    if enrollment.status != EnrollmentStatus.COMPLETED:
        raise DomainError("evaluation_not_completed")
    return await evaluations_repo.specialist_of(session, enrollment_id)


def clean_note(text: str | None) -> str | None:
    """The note stripped; None when empty; DomainError("evaluation_note_long")."""
    return _clean(text, NOTE_MAX_CHARS, "evaluation_note_long")


@dataclass(frozen=True)
class Recorded:
    evaluation: SpecialistEvaluation
    saved: bool  # False: it had been recorded already (by a colleague, a double tap)


async def save_specialist(
    session: AsyncSession,
    actor: Actor | None,
    enrollment_id: int,
    scores: Mapping[str, int],
    further: str,
    note: str | None,
    now: datetime,
) -> Recorded:
    existing = await check_specialist_open(session, actor, enrollment_id)
    if existing is not None:
        return Recorded(existing, False)
    assert actor is not None
    if (
        sorted(scores) != sorted(SPECIALIST_ITEMS)
        or any(v not in SCALE_VALUES for v in scores.values())
        or further not in {f.value for f in FurtherWork}
    ):
        raise DomainError("evaluation_incomplete")
    evaluation = SpecialistEvaluation(
        enrollment_id=enrollment_id,
        author_id=actor.person_id,
        engagement=scores["engagement"],
        homework=scores["homework"],
        fit=scores["fit"],
        further=further,
        note=clean_note(note),
        created_at=now,
    )
    try:
        async with session.begin_nested():
            await evaluations_repo.add_specialist(session, evaluation)
    except IntegrityError:
        found = await evaluations_repo.specialist_of(session, enrollment_id)
        assert found is not None
        return Recorded(found, False)
    enrollment = await _enrollment(session, enrollment_id)
    await audit.record(
        session,
        actor,
        "programme.specialist_evaluation",
        now,
        object_type="family",
        object_id=enrollment.family_id,
        enrollment_id=enrollment_id,
        further=further,
    )
    return Recorded(evaluation, True)


# --- what staff see -------------------------------------------------------------------------


@dataclass(frozen=True)
class Evaluations:
    family: ProgrammeEvaluation | None
    specialist: SpecialistEvaluation | None
    may_record: bool  # this person may record the specialists' evaluation now


async def for_staff(
    session: AsyncSession, actor: Actor | None, enrollment_id: int, now: datetime
) -> Evaluations:
    """Both evaluations of an enrollment for the family's staff and coordinators. Seeing the
    family's own evaluation is audited."""
    enrollment = await _enrollment(session, enrollment_id)
    await authorize(session, actor, Action.PROGRAMME_VIEW, enrollment.family_id)
    family = await evaluations_repo.family_of(session, enrollment_id)
    specialist = await evaluations_repo.specialist_of(session, enrollment_id)
    may_record = (
        enrollment.status == EnrollmentStatus.COMPLETED
        and specialist is None
        and await is_allowed(session, actor, Action.PROGRAMME_SPECIALIST_EVALUATE, enrollment_id)
    )
    if family is not None:
        await audit.record(
            session,
            actor,
            "programme.evaluation_view",
            now,
            object_type="family",
            object_id=enrollment.family_id,
            enrollment_id=enrollment_id,
        )
    return Evaluations(family, specialist, may_record)


def family_average(evaluation: ProgrammeEvaluation) -> float | None:
    """The mean of the family's scores, for a one-line summary."""
    values = [v for v in evaluation.answers.values() if isinstance(v, int)]
    return sum(values) / len(values) if values else None
