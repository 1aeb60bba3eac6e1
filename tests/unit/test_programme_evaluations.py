"""The evaluations of a programme at its end, at the service level: the family's own (a parent,
after the exit questionnaire of a completed programme, once) and the specialists' (the family's
mentor or curator, once); who may give and see them; the audit of staff views."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.base import ContentError
from bot.content.evaluation import EVALUATION_PATH, FamilyEvaluation, load_evaluation
from bot.content.programmes import Programme, Questionnaire
from bot.db.models import (
    AuditEntry,
    FamilyLinkKind,
    FurtherWork,
    ProgrammeEvaluation,
    QuestionnairePhase,
    Role,
    SpecialistEvaluation,
)
from bot.db.repositories import families as families_repo
from bot.services import programme_evaluations as evaluations
from bot.services import questionnaire
from bot.services.access import Actor
from bot.services.errors import AccessDenied, DomainError
from tests.unit.homework_world import (
    NOW,
    WEEK,
    World,
    all_answers,
    complete,
    known,
    person,
    survey,
    world,
)

__all__ = ["known", "survey"]  # module fixtures, from homework_world

LATER = NOW + 12 * WEEK
SCORES = {"engagement": 4, "homework": 3, "fit": 5}


@pytest.fixture(scope="module")
def form() -> FamilyEvaluation:
    return load_evaluation().family


def rated(form: FamilyEvaluation, value: int) -> dict[str, int]:
    return {s.code: value for s in form.statements}


async def finished(
    session: AsyncSession,
    known: dict[str, Programme],
    survey: Questionnaire,
    mentors: list[Actor] | None = None,
) -> World:
    """A completed programme whose exit questionnaire the first parent has answered."""
    w = await world(session, known, mentors=mentors)
    await complete(session, known, w)
    await questionnaire.save(
        session,
        w.parents[0],
        w.enrollment.id,
        QuestionnairePhase.EXIT,
        all_answers(survey, 4),
        LATER,
        survey,
    )
    return w


async def test_a_parent_gives_it_once_after_the_exit_questionnaire(
    session: AsyncSession,
    known: dict[str, Programme],
    survey: Questionnaire,
    form: FamilyEvaluation,
) -> None:
    w = await world(session, known, parents=2)
    mum, dad = w.parents
    with pytest.raises(DomainError) as running:
        await evaluations.check_family_open(session, mum, w.enrollment.id)
    assert running.value.code == "evaluation_closed"  # the programme is still running
    await complete(session, known, w)
    with pytest.raises(DomainError) as no_exit:
        await evaluations.save_family(
            session, mum, w.enrollment.id, rated(form, 5), None, LATER, form
        )
    assert no_exit.value.code == "evaluation_closed"  # the exit questionnaire comes first
    await questionnaire.save(
        session,
        dad,
        w.enrollment.id,
        QuestionnairePhase.EXIT,
        all_answers(survey, 3),
        LATER,
        survey,
    )
    assert await evaluations.family_pending(session, w.enrollment)
    # The exit questionnaire stays "due" on /progress until the evaluation is given.
    assert await questionnaire.due_phase(session, w.enrollment) is QuestionnairePhase.EXIT
    assert await evaluations.check_family_open(session, mum, w.enrollment.id)
    saved = await evaluations.save_family(
        session, mum, w.enrollment.id, rated(form, 4), "  Помогли разговоры  ", LATER, form
    )
    assert saved
    again = await evaluations.save_family(
        session, dad, w.enrollment.id, rated(form, 1), None, LATER, form
    )
    assert not again  # the other parent: already given for the family
    [row] = list(await session.scalars(select(ProgrammeEvaluation)))
    assert (row.enrollment_id, row.person_id) == (w.enrollment.id, mum.person_id)
    assert row.answers == rated(form, 4) and row.open_answer == "Помогли разговоры"
    assert not await evaluations.family_pending(session, w.enrollment)
    assert await questionnaire.due_phase(session, w.enrollment) is None


async def test_the_familys_answers_are_checked(
    session: AsyncSession,
    known: dict[str, Programme],
    survey: Questionnaire,
    form: FamilyEvaluation,
) -> None:
    w = await finished(session, known, survey)
    [mum] = w.parents
    partial = dict(list(rated(form, 3).items())[:-1])
    wrong = {**rated(form, 3), form.statements[0].code: 9}
    for answers in (partial, wrong, {**rated(form, 3), "unknown": 2}):
        with pytest.raises(DomainError) as error:
            await evaluations.save_family(session, mum, w.enrollment.id, answers, None, LATER, form)
        assert error.value.code == "evaluation_incomplete"
    too_long = "я" * (evaluations.OPEN_ANSWER_MAX_CHARS + 1)
    with pytest.raises(DomainError) as long_answer:
        await evaluations.save_family(
            session, mum, w.enrollment.id, rated(form, 3), too_long, LATER, form
        )
    assert long_answer.value.code == "evaluation_open_answer_long"
    assert list(await session.scalars(select(ProgrammeEvaluation))) == []
    assert await evaluations.save_family(
        session, mum, w.enrollment.id, rated(form, 3), "   ", LATER, form
    )
    [row] = list(await session.scalars(select(ProgrammeEvaluation)))
    assert row.open_answer is None  # only spaces: no open answer


async def test_only_the_familys_parents_give_it(
    session: AsyncSession,
    known: dict[str, Programme],
    survey: Questionnaire,
    form: FamilyEvaluation,
) -> None:
    mentor = await person(session, Role.MENTOR)
    w = await finished(session, known, survey, mentors=[mentor])
    other = await world(session, known, name="Петровы")
    strangers = [other.parents[0], mentor, w.boss]
    for who in strangers:
        with pytest.raises(AccessDenied):
            await evaluations.save_family(
                session, who, w.enrollment.id, rated(form, 5), None, LATER, form
            )
    with pytest.raises(AccessDenied):
        await evaluations.check_family_open(session, None, w.enrollment.id)
    assert list(await session.scalars(select(ProgrammeEvaluation))) == []


async def test_the_mentor_records_the_specialists_evaluation_once(
    session: AsyncSession, known: dict[str, Programme], survey: Questionnaire
) -> None:
    mentor = await person(session, Role.MENTOR)
    w = await world(session, known, mentors=[mentor])
    with pytest.raises(DomainError) as running:
        await evaluations.save_specialist(
            session, mentor, w.enrollment.id, SCORES, FurtherWork.CASE_PLAN, None, NOW
        )
    assert running.value.code == "evaluation_not_completed"
    await complete(session, known, w)
    seen = await evaluations.for_staff(session, mentor, w.enrollment.id, LATER)
    assert seen.may_record and seen.specialist is None and seen.family is None
    recorded = await evaluations.save_specialist(
        session, mentor, w.enrollment.id, SCORES, FurtherWork.CASE_PLAN, " Нужен план ", LATER
    )
    assert recorded.saved
    row = recorded.evaluation
    assert (row.engagement, row.homework, row.fit) == (4, 3, 5)
    assert (row.further, row.note, row.author_id) == ("case_plan", "Нужен план", mentor.person_id)
    again = await evaluations.save_specialist(
        session, mentor, w.enrollment.id, SCORES, FurtherWork.CLOSING, None, LATER
    )
    assert not again.saved and again.evaluation.id == row.id  # shows the one recorded
    assert len(list(await session.scalars(select(SpecialistEvaluation)))) == 1
    seen = await evaluations.for_staff(session, mentor, w.enrollment.id, LATER)
    assert not seen.may_record and seen.specialist is not None
    [entry] = list(
        await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "programme.specialist_evaluation")
        )
    )
    assert entry.object_id == w.family_id and "Нужен план" not in str(entry.details)


async def test_the_curator_may_record_it_a_coordinator_alone_or_another_mentor_not(
    session: AsyncSession, known: dict[str, Programme], survey: Questionnaire
) -> None:
    w = await finished(session, known, survey)
    other_mentor = await person(session, Role.MENTOR)
    await world(session, known, name="Петровы", mentors=[other_mentor])
    for who in (w.boss, other_mentor, w.parents[0]):
        with pytest.raises(AccessDenied):
            await evaluations.save_specialist(
                session, who, w.enrollment.id, SCORES, FurtherWork.CLOSING, None, LATER
            )
    # The coordinator sees the programme, and may not record: not its curator.
    seen = await evaluations.for_staff(session, w.boss, w.enrollment.id, LATER)
    assert not seen.may_record
    with pytest.raises(AccessDenied):
        await evaluations.for_staff(session, other_mentor, w.enrollment.id, LATER)
    curator = await person(session, Role.COORDINATOR)
    await families_repo.link(session, w.family_id, curator.person_id, FamilyLinkKind.CURATOR, NOW)
    for scores, further in (
        ({**SCORES, "fit": 6}, FurtherWork.CLOSING.value),
        ({"engagement": 4, "homework": 3}, FurtherWork.CLOSING.value),
        (SCORES, "maybe"),
    ):
        with pytest.raises(DomainError) as error:
            await evaluations.save_specialist(
                session, curator, w.enrollment.id, scores, further, None, LATER
            )
        assert error.value.code == "evaluation_incomplete"
    with pytest.raises(DomainError) as long_note:
        await evaluations.save_specialist(
            session,
            curator,
            w.enrollment.id,
            SCORES,
            FurtherWork.CLOSING,
            "x" * (evaluations.NOTE_MAX_CHARS + 1),
            LATER,
        )
    assert long_note.value.code == "evaluation_note_long"
    recorded = await evaluations.save_specialist(
        session, curator, w.enrollment.id, SCORES, FurtherWork.CLOSING, None, LATER
    )
    assert recorded.saved and recorded.evaluation.note is None


async def test_staff_views_of_the_familys_evaluation_are_audited(
    session: AsyncSession,
    known: dict[str, Programme],
    survey: Questionnaire,
    form: FamilyEvaluation,
) -> None:
    w = await finished(session, known, survey)
    seen = await evaluations.for_staff(session, w.boss, w.enrollment.id, LATER)
    assert seen.family is None  # nothing to see yet: nothing audited
    await evaluations.save_family(
        session, w.parents[0], w.enrollment.id, rated(form, 2), "Мало времени", LATER, form
    )
    seen = await evaluations.for_staff(session, w.boss, w.enrollment.id, LATER)
    assert seen.family is not None and seen.family.open_answer == "Мало времени"
    assert evaluations.family_average(seen.family) == 2
    views = list(
        await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "programme.evaluation_view")
        )
    )
    assert [(v.actor_id, v.object_id) for v in views] == [(w.boss.person_id, w.family_id)]
    assert "Мало времени" not in str(views[0].details)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda raw: raw["specialist"]["items"].pop(), "specialist.items: exactly the codes"),
        (lambda raw: raw["family"]["scale"].pop(), "family.scale: exactly the values 1 to 5"),
        (lambda raw: raw["family"]["statements"].append(raw["family"]["statements"][0]), "dup"),
        (lambda raw: raw["family"].pop("open_question"), "family.open_question"),
    ],
)
def test_a_broken_evaluation_file_is_named_at_start(
    tmp_path: Path, change: object, problem: str
) -> None:
    raw = yaml.safe_load(EVALUATION_PATH.read_text(encoding="utf-8"))
    change(raw)  # type: ignore[operator]
    path = tmp_path / "evaluation.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError) as error:
        load_evaluation(path)
    assert str(path) in str(error.value) and problem in str(error.value)
