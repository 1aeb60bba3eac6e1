"""The preliminary assessment of a family's case (предварительная оценка), at intake and again
at the final monitoring: each aspect of content/assessment.yaml rated on its short scale, with
an optional note, one row per family, phase and aspect (a new rating replaces the old one).

Coordinators record it (the curator is one) while the family is open; coordinators see it, and
the family's mentors too where the service allows it (settings.mentors_see_case_details);
parents and participants never (bot/services/case_access.py). Every view of the summary and
every recording is audited, with ids and codes only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.assessment import AssessmentFile
from bot.db.models import AssessmentPhase, CaseAssessment, Family
from bot.db.repositories import assessments as assessments_repo
from bot.db.repositories import families as families_repo
from bot.services import audit, case_access, families
from bot.services.access import Actor
from bot.services.errors import DomainError

PHASES = (AssessmentPhase.INTAKE, AssessmentPhase.FINAL)


def _phase(value: str | AssessmentPhase) -> AssessmentPhase:
    try:
        return AssessmentPhase(value)
    except ValueError:
        raise DomainError("assessment_phase_unknown") from None


def clean_note(raw: str | None, spec: AssessmentFile) -> str | None:
    """The note as kept: stripped, None when empty; too long → DomainError."""
    text = (raw or "").strip()
    if len(text) > spec.note_max:
        raise DomainError("assessment_note_long")
    return text or None


# --- who may -------------------------------------------------------------------------------------


async def require_recording(session: AsyncSession, actor: Actor | None, family_id: int) -> Family:
    """The family whose assessment this person may record now: coordinators, the family open."""
    family = await case_access.require_keep(session, actor, family_id)
    if family.closed_at is not None:
        raise DomainError("family_closed")
    return family


async def require_viewing(
    session: AsyncSession, actor: Actor | None, family_id: int, mentors_see: bool
) -> Family:
    return await case_access.require_details(session, actor, family_id, mentors_see)


async def may_record(session: AsyncSession, actor: Actor | None, family_id: int) -> bool:
    """Whether the recording buttons are shown (each press is checked again)."""
    if not await case_access.may_keep(session, actor, family_id):
        return False
    family = await families_repo.by_id(session, family_id)
    return family is not None and family.closed_at is None


# --- recording -----------------------------------------------------------------------------------


async def record(
    session: AsyncSession,
    actor: Actor | None,
    family_id: int,
    phase: str | AssessmentPhase,
    aspect: str,
    score: int,
    note: str | None,
    spec: AssessmentFile,
    now: datetime,
) -> CaseAssessment:
    """Rate one aspect in one phase; a rating already there is replaced (score, note, day, who)."""
    family = await require_recording(session, actor, family_id)
    which = _phase(phase)
    if spec.aspect(aspect) is None:
        raise DomainError("assessment_aspect_unknown")
    if isinstance(score, bool) or not isinstance(score, int) or score not in spec.values():
        raise DomainError("assessment_score_unknown")
    text = clean_note(note, spec)
    today = families.family_today(family, now)
    row = await assessments_repo.find(session, family_id, which.value, aspect)
    replaced = row is not None
    if row is None:
        row = CaseAssessment(family_id=family_id, phase=which.value, aspect=aspect)
        session.add(row)
    row.score = score
    row.note = text
    row.assessed_on = today
    row.assessed_by_id = actor.person_id if actor else None
    row.created_at = now
    await session.flush()
    await audit.record(
        session,
        actor,
        "case.assessment.record",
        now,
        object_type="family",
        object_id=family_id,
        phase=which.value,
        aspect=aspect,
        replaced=replaced,
    )
    return row


# --- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    score: int
    note: str | None
    day: date


@dataclass(frozen=True)
class AspectLine:
    code: str
    intake: Mark | None
    final: Mark | None

    @property
    def change(self) -> int | None:
        if self.intake is None or self.final is None:
            return None
        return self.final.score - self.intake.score


def _average(scores: list[int]) -> float | None:
    return round(sum(scores) / len(scores), 2) if scores else None


@dataclass(frozen=True)
class Summary:
    """Before → after per aspect (the file's aspects in its order, then any retired code)."""

    lines: list[AspectLine]
    low: int
    high: int

    def _marks(self, phase: AssessmentPhase) -> list[Mark]:
        pick = (lambda ln: ln.intake) if phase is AssessmentPhase.INTAKE else (lambda ln: ln.final)
        return [m for m in (pick(line) for line in self.lines) if m is not None]

    def rated(self, phase: AssessmentPhase) -> int:
        return len(self._marks(phase))

    def total(self, phase: AssessmentPhase) -> int:
        return sum(m.score for m in self._marks(phase))

    def average(self, phase: AssessmentPhase) -> float | None:
        return _average([m.score for m in self._marks(phase)])

    def day(self, phase: AssessmentPhase) -> date | None:
        """The latest day an aspect was rated in this phase."""
        days = [m.day for m in self._marks(phase)]
        return max(days) if days else None

    @property
    def compared(self) -> list[AspectLine]:
        """Aspects rated both times."""
        return [line for line in self.lines if line.change is not None]

    @property
    def average_change(self) -> float | None:
        """The mean change over the aspects rated both times (positive: better)."""
        return _average([line.change for line in self.compared if line.change is not None])

    @property
    def empty(self) -> bool:
        return not any(line.intake or line.final for line in self.lines)


def summarize(rows: Iterable[CaseAssessment], spec: AssessmentFile) -> Summary:
    """The summary of a family's rows (no access check: for callers that did their own, such
    as statistics and the case file)."""
    marks: dict[str, dict[str, Mark]] = {}
    for row in rows:
        marks.setdefault(row.aspect, {})[row.phase] = Mark(row.score, row.note, row.assessed_on)
    order = spec.codes() + sorted(code for code in marks if spec.aspect(code) is None)
    lines = [
        AspectLine(
            code,
            marks.get(code, {}).get(AssessmentPhase.INTAKE.value),
            marks.get(code, {}).get(AssessmentPhase.FINAL.value),
        )
        for code in order
    ]
    return Summary(lines, spec.low, spec.high)


async def rows_of_family(session: AsyncSession, family_id: int) -> list[CaseAssessment]:
    """Every assessment row of the family, by phase and aspect. No access check and no audit:
    for statistics and the case file, which check and audit themselves."""
    return await assessments_repo.of_family(session, family_id)


async def summary(
    session: AsyncSession,
    actor: Actor | None,
    family_id: int,
    mentors_see: bool,
    spec: AssessmentFile,
    now: datetime,
) -> Summary:
    """Before → after for a screen showing it: access checked, the view audited."""
    await require_viewing(session, actor, family_id, mentors_see)
    await audit.record(
        session, actor, "case.assessment.view", now, object_type="family", object_id=family_id
    )
    return summarize(await assessments_repo.of_family(session, family_id), spec)


async def phase_marks(
    session: AsyncSession, actor: Actor | None, family_id: int, phase: str | AssessmentPhase
) -> dict[str, Mark]:
    """The ratings of one phase by aspect, for the person recording it (who just saw them on
    the audited summary)."""
    await require_recording(session, actor, family_id)
    rows = await assessments_repo.of_phase(session, family_id, _phase(phase).value)
    return {row.aspect: Mark(row.score, row.note, row.assessed_on) for row in rows}


@dataclass(frozen=True)
class Overview:
    family: Family
    summary: Summary
    can_record: bool  # a coordinator and the family open (each press is checked again)


async def overview(
    session: AsyncSession,
    actor: Actor | None,
    family_id: int,
    mentors_see: bool,
    spec: AssessmentFile,
    now: datetime,
) -> Overview:
    """The assessment's screen: the family, before → after (the view audited), and whether this
    person may record."""
    family = await require_viewing(session, actor, family_id, mentors_see)
    found = await summary(session, actor, family_id, mentors_see, spec, now)
    return Overview(family, found, await may_record(session, actor, family_id))
