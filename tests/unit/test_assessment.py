"""The case assessment at the service level: the content file's checks, recording and replacing
a rating, the summary (before → after, averages, change), who may record and who may see it,
a closed family, and the audit trail (ids and codes only)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.assessment import ASSESSMENT_PATH, load_assessment
from bot.content.base import ContentError
from bot.db.models import AssessmentPhase, AuditEntry, CaseAssessment, CloseReason, FamilyLink, Role
from bot.services import assessment, families
from bot.services.access import Actor
from bot.services.errors import AccessDenied
from tests.factories import make_person
from tests.unit.meeting_setup import NOW, raises, setup

SPEC = load_assessment()
INTAKE, FINAL = AssessmentPhase.INTAKE, AssessmentPhase.FINAL


async def attach(session: AsyncSession, actor: Actor, family_id: int, kind: str) -> None:
    session.add(
        FamilyLink(family_id=family_id, person_id=actor.person_id, kind=kind, created_at=NOW)
    )
    await session.flush()


async def audits(session: AsyncSession, action: str) -> list[AuditEntry]:
    found = await session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    )
    return list(found)


def test_the_shipped_file_names_the_model_programmes_aspects() -> None:
    assert SPEC.codes() == [
        "children",
        "adults",
        "care",
        "discipline",
        "abuse",
        "childhood",
        "family",
        "living",
    ]
    assert [a.code for a in SPEC.aspects if a.on_offer] == ["childhood", "family", "living"]
    assert (SPEC.low, SPEC.high) == (1, 5)
    assert SPEC.point_label(1, "en") == "serious difficulties"
    assert SPEC.aspect_name("retired_code", "ru") == "retired_code"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d["aspects"].append(dict(d["aspects"][0])), "duplicate codes ['children']"),
        (lambda d: d["aspects"][0].update(code="Дети"), "aspects.0.code"),
        (lambda d: d["aspects"][0].update(code="x" * 33), "aspects.0.code"),
        (lambda d: d["scale"].pop(2), "values going up by one"),
        (lambda d: d.update(scale=d["scale"][:1]), "2 to 10 points"),
        (lambda d: d["scale"][0].update(ru="очень " * 10), "scale point 1"),
        (lambda d: d.update(note_max=5), "note_max"),
        (lambda d: d["aspects"][1]["hint"].update(en="  "), "aspects.1.hint.en"),
        (lambda d: d.update(aspects=[]), "1 to 20 aspects"),
        (lambda d: d.update(extra=1), "extra"),
    ],
)
def test_a_broken_file_is_named_with_its_problem(
    tmp_path: Path, change: object, problem: str
) -> None:
    data = yaml.safe_load(ASSESSMENT_PATH.read_text(encoding="utf-8"))
    change(data)  # type: ignore[operator]
    path = tmp_path / "assessment.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_assessment(path)
    assert str(path) in str(caught.value) and problem in str(caught.value)


async def test_record_replace_and_summarise(session: AsyncSession) -> None:
    boss, family_id = await setup(session)
    row = await assessment.record(
        session, boss, family_id, INTAKE, "children", 2, "  Маша часто болеет  ", SPEC, NOW
    )
    assert (row.phase, row.aspect, row.score, row.note) == (
        "intake",
        "children",
        2,
        "Маша часто болеет",
    )
    assert row.assessed_on == date(2026, 11, 23) and row.assessed_by_id == boss.person_id
    await assessment.record(session, boss, family_id, INTAKE, "care", 3, None, SPEC, NOW)
    await assessment.record(session, boss, family_id, INTAKE, "living", 1, "", SPEC, NOW)
    # A second rating of the same aspect replaces the first: one row, new score, note and day.
    later = NOW + timedelta(days=40)
    again = await assessment.record(
        session, boss, family_id, INTAKE, "children", 3, "уже лучше", SPEC, later
    )
    assert again.id == row.id and (again.score, again.note) == (3, "уже лучше")
    assert again.assessed_on == date(2027, 1, 2)
    for aspect, score in (("children", 4), ("care", 4), ("abuse", 5)):
        await assessment.record(session, boss, family_id, "final", aspect, score, None, SPEC, later)
    stored = await session.scalars(
        select(CaseAssessment).where(CaseAssessment.family_id == family_id)
    )
    assert len(list(stored)) == 6

    recorded = await audits(session, "case.assessment.record")
    assert len(recorded) == 7
    assert recorded[0].object_type == "family" and recorded[0].object_id == family_id
    assert recorded[0].details == {"phase": "intake", "aspect": "children", "replaced": False}
    assert recorded[3].details == {"phase": "intake", "aspect": "children", "replaced": True}
    assert not any("Маша" in str(entry.details) for entry in recorded)

    summary = await assessment.summary(session, boss, family_id, False, SPEC, later)
    by_code = {line.code: line for line in summary.lines}
    assert [line.code for line in summary.lines] == SPEC.codes()
    children = by_code["children"]
    assert children.intake is not None and children.final is not None
    assert (children.intake.score, children.intake.note, children.final.score) == (
        3,
        "уже лучше",
        4,
    )
    assert children.change == 1
    assert by_code["living"].intake is not None and by_code["living"].intake.note is None
    assert by_code["living"].final is None and by_code["living"].change is None
    assert by_code["abuse"].intake is None and by_code["abuse"].final is not None
    assert by_code["adults"].intake is None and by_code["adults"].final is None
    assert (summary.rated(INTAKE), summary.total(INTAKE), summary.average(INTAKE)) == (3, 7, 2.33)
    assert (summary.rated(FINAL), summary.total(FINAL), summary.average(FINAL)) == (3, 13, 4.33)
    assert [line.code for line in summary.compared] == ["children", "care"]
    assert summary.average_change == 1.0
    assert summary.day(INTAKE) == date(2027, 1, 2) and summary.day(FINAL) == date(2027, 1, 2)
    assert not summary.empty

    # Every view is audited; the rows for statistics and the case file need no actor.
    await assessment.summary(session, boss, family_id, False, SPEC, later)
    views = await audits(session, "case.assessment.view")
    assert [(v.object_type, v.object_id, v.details) for v in views] == [
        ("family", family_id, None)
    ] * 2
    assert len(await assessment.rows_of_family(session, family_id)) == 6
    marks = await assessment.phase_marks(session, boss, family_id, FINAL)
    assert {code: m.score for code, m in marks.items()} == {"children": 4, "care": 4, "abuse": 5}


async def test_a_retired_aspect_is_still_shown_by_its_code(session: AsyncSession) -> None:
    boss, family_id = await setup(session)
    session.add(
        CaseAssessment(
            family_id=family_id,
            phase="intake",
            aspect="old_aspect",
            score=2,
            note=None,
            assessed_on=date(2026, 11, 1),
            assessed_by_id=boss.person_id,
            created_at=NOW,
        )
    )
    await session.flush()
    summary = await assessment.summary(session, boss, family_id, False, SPEC, NOW)
    assert summary.lines[-1].code == "old_aspect" and len(summary.lines) == len(SPEC.aspects) + 1
    assert await assessment.summary(session, boss, family_id, False, SPEC, NOW)


async def test_what_is_refused_and_why(session: AsyncSession) -> None:
    boss, family_id = await setup(session)
    record = assessment.record
    await raises(
        "assessment_aspect_unknown",
        record(session, boss, family_id, INTAKE, "nope", 3, None, SPEC, NOW),
    )
    await raises(
        "assessment_score_unknown",
        record(session, boss, family_id, INTAKE, "care", 6, None, SPEC, NOW),
    )
    await raises(
        "assessment_score_unknown",
        record(session, boss, family_id, INTAKE, "care", 0, None, SPEC, NOW),
    )
    await raises(
        "assessment_score_unknown",
        record(session, boss, family_id, INTAKE, "care", True, None, SPEC, NOW),
    )
    await raises(
        "assessment_phase_unknown",
        record(session, boss, family_id, "middle", "care", 3, None, SPEC, NOW),
    )
    long_note = "я" * (SPEC.note_max + 1)
    await raises(
        "assessment_note_long",
        record(session, boss, family_id, INTAKE, "care", 3, long_note, SPEC, NOW),
    )
    await raises(
        "family_not_found", record(session, boss, 999999, INTAKE, "care", 3, None, SPEC, NOW)
    )
    assert await assessment.rows_of_family(session, family_id) == []
    assert await assessment.may_record(session, boss, family_id)

    # A closed family's assessment can be read, not changed.
    await record(session, boss, family_id, INTAKE, "care", 3, None, SPEC, NOW)
    await families.close_family(session, boss, family_id, CloseReason.MOVED, None, NOW)
    await raises(
        "family_closed", record(session, boss, family_id, FINAL, "care", 4, None, SPEC, NOW)
    )
    await raises("family_closed", assessment.phase_marks(session, boss, family_id, FINAL))
    assert not await assessment.may_record(session, boss, family_id)
    summary = await assessment.summary(session, boss, family_id, False, SPEC, NOW)
    assert summary.rated(INTAKE) == 1


async def test_who_may_record_and_who_may_see(session: AsyncSession) -> None:
    boss, family_id = await setup(session)
    await assessment.record(session, boss, family_id, INTAKE, "care", 3, "заметка", SPEC, NOW)
    mentor = await make_person(session, 2, Role.MENTOR, now=NOW)
    other_mentor = await make_person(session, 3, Role.MENTOR, now=NOW)
    parent = await make_person(session, 4, Role.PARENT, now=NOW)
    second_boss = await make_person(session, 5, Role.COORDINATOR, now=NOW)
    await attach(session, mentor, family_id, "mentor")
    await attach(session, parent, family_id, "parent")

    # Coordinators record and see, whether or not they are linked to the family.
    await assessment.record(session, second_boss, family_id, FINAL, "care", 4, None, SPEC, NOW)
    assert (await assessment.summary(session, second_boss, family_id, False, SPEC, NOW)).rated(
        FINAL
    ) == 1

    for someone in (mentor, other_mentor, parent, None):
        with pytest.raises(AccessDenied):
            await assessment.record(session, someone, family_id, INTAKE, "care", 5, None, SPEC, NOW)
        with pytest.raises(AccessDenied):
            await assessment.phase_marks(session, someone, family_id, INTAKE)
        assert not await assessment.may_record(session, someone, family_id)
        with pytest.raises(AccessDenied):
            await assessment.summary(session, someone, family_id, False, SPEC, NOW)

    # Where the service allows it, the family's own mentor sees it (and still cannot record).
    seen = await assessment.summary(session, mentor, family_id, True, SPEC, NOW)
    assert seen.rated(INTAKE) == 1
    for someone in (other_mentor, parent):
        with pytest.raises(AccessDenied):
            await assessment.summary(session, someone, family_id, True, SPEC, NOW)
    rows = await assessment.rows_of_family(session, family_id)
    assert [(r.phase, r.score) for r in rows] == [("final", 4), ("intake", 3)]
