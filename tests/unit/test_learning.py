"""The mentors' course: the file is checked at start (errors name it), lessons are done once per
person with their minutes, a candidate's last lesson tells every coordinator once, only a
coordinator confirms them as trained (a second confirm is stale), records sessions and keeps the
materials; hours and notes are checked."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content import Content
from bot.content.base import ContentError
from bot.content.course import COURSE_PATH, load_course
from bot.db.models import MentorProfile, MentorStatus, OutboxMessage, Role
from bot.services import learning
from bot.services.access import Actor
from bot.services.errors import AccessDenied, DomainError
from tests.factories import make_person

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
COURSE = load_course()


def test_the_shipped_course_has_the_nine_subjects() -> None:
    course = Content().course
    assert len(course.subjects) == 9
    for subject in course.subjects:
        assert 1 <= len(subject.lessons) <= 2
    assert course.materials and course.total_minutes() > 0


def _broken(tmp_path: Path, change: Callable[[dict[str, Any]], object]) -> Path:
    raw = yaml.safe_load(COURSE_PATH.read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "course.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def _same_lesson_code(raw: dict[str, Any]) -> None:
    raw["subjects"][1]["lessons"][0]["code"] = raw["subjects"][0]["lessons"][0]["code"]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (_same_lesson_code, "lessons: codes must be unique"),
        (lambda raw: raw["subjects"][1].update(code=raw["subjects"][0]["code"]), "subjects"),
        (lambda raw: raw["subjects"][0]["lessons"][0].update(minutes=0), "minutes"),
        (lambda raw: raw["subjects"][0]["lessons"][0]["text"].update(en=" "), "empty"),
        (lambda raw: raw["subjects"][0].update(lessons=[]), "lessons"),
        (lambda raw: raw["subjects"][0].update(extra=1), "extra"),
    ],
)
def test_a_broken_file_names_itself(
    tmp_path: Path, change: Callable[[dict[str, Any]], object], problem: str
) -> None:
    path = _broken(tmp_path, change)
    with pytest.raises(ContentError) as caught:
        load_course(path)
    assert str(path) in str(caught.value) and problem in str(caught.value)


async def _mentor(session: AsyncSession, telegram_id: int, status: MentorStatus) -> Actor:
    actor = await make_person(session, telegram_id, Role.MENTOR, now=NOW)
    session.add(
        MentorProfile(person_id=actor.person_id, status=status.value, status_at=NOW, created_at=NOW)
    )
    await session.flush()
    return actor


async def _do_all(session: AsyncSession, actor: Actor) -> None:
    for code in COURSE.lesson_codes():
        await learning.mark_done(session, actor, COURSE, code, None, NOW)


async def test_lessons_done_once_and_the_candidate_finishing_tells_coordinators(
    session: AsyncSession,
) -> None:
    boss = await make_person(session, 1, Role.COORDINATOR, now=NOW)
    other_boss = await make_person(session, 2, Role.COORDINATOR, now=NOW)
    actor = await _mentor(session, 50, MentorStatus.TESTED)
    first = COURSE.lesson_codes()[0]
    assert await learning.mark_done(session, actor, COURSE, first, "  мысль  ", NOW)
    assert not await learning.mark_done(session, actor, COURSE, first, "ещё", NOW)
    with pytest.raises(DomainError, match="lesson_not_found"):
        await learning.mark_done(session, actor, COURSE, "nope", None, NOW)
    with pytest.raises(DomainError, match="note_too_long"):
        await learning.mark_done(session, actor, COURSE, COURSE.lesson_codes()[1], "x" * 1001, NOW)
    progress = await learning.progress(session, actor, COURSE)
    assert progress.lessons_done == 1 and not progress.finished
    await _do_all(session, actor)
    progress = await learning.progress(session, actor, COURSE)
    assert progress.finished and progress.minutes == COURSE.total_minutes()

    sent = list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.person_id)))
    assert [r.person_id for r in sent] == [boss.person_id, other_boss.person_id]
    assert sent[0].kind == learning.FINISHED_KIND
    assert sent[0].params == {"name": "P50", "person_id": actor.person_id}

    with pytest.raises(AccessDenied):
        await learning.confirm_trained(session, actor, actor.person_id, NOW)
    done = await learning.confirm_trained(session, boss, actor.person_id, NOW)
    assert done is learning.Confirmed.DONE
    again = await learning.confirm_trained(session, other_boss, actor.person_id, NOW)
    assert again is learning.Confirmed.STALE
    profile = await session.get(MentorProfile, actor.person_id)
    assert profile is not None and profile.status == MentorStatus.TRAINED


async def test_an_active_mentor_finishing_tells_no_one(session: AsyncSession) -> None:
    await make_person(session, 1, Role.COORDINATOR, now=NOW)
    actor = await _mentor(session, 50, MentorStatus.ACTIVE)
    await _do_all(session, actor)
    assert not list(await session.scalars(select(OutboxMessage)))


async def test_parents_and_participants_cannot_learn(session: AsyncSession) -> None:
    for n, role in enumerate((Role.PARENT, Role.PARTICIPANT)):
        someone = await make_person(session, 60 + n, role, now=NOW)
        with pytest.raises(AccessDenied):
            await learning.progress(session, someone, COURSE)
        with pytest.raises(AccessDenied):
            await learning.materials(session, someone)
    with pytest.raises(AccessDenied):
        await learning.progress(session, None, COURSE)


async def test_sessions_and_materials_are_for_coordinators(session: AsyncSession) -> None:
    boss = await make_person(session, 1, Role.COORDINATOR, now=NOW)
    mentor = await _mentor(session, 50, MentorStatus.ACTIVE)
    kwargs: dict[str, Any] = {
        "person_id": mentor.person_id,
        "held_on": date(2026, 12, 1),
        "subject_code": "aggression",
        "hours": 1.5,
        "note": None,
        "now": NOW,
    }
    with pytest.raises(AccessDenied):
        await learning.record_session(session, mentor, COURSE, **kwargs)
    await learning.record_session(session, boss, COURSE, **kwargs)
    assert (await learning.progress(session, mentor, COURSE)).minutes == 90
    with pytest.raises(DomainError, match="mentor_not_found"):
        await learning.record_session(
            session, boss, COURSE, **{**kwargs, "person_id": boss.person_id}
        )
    with pytest.raises(DomainError, match="subject_not_found"):
        await learning.record_session(session, boss, COURSE, **{**kwargs, "subject_code": "zz"})

    with pytest.raises(AccessDenied):
        await learning.add_material(
            session, mentor, title="Гайд", media="document", file_id="F1", now=NOW
        )
    material_id = await learning.add_material(
        session, boss, title="  Гайд   для  наставника ", media="document", file_id="F1", now=NOW
    )
    (found,) = await learning.materials(session, mentor)
    assert found.title == "Гайд для наставника"
    with pytest.raises(AccessDenied):
        await learning.remove_material(session, mentor, material_id, NOW)
    assert await learning.remove_material(session, boss, material_id, NOW)
    assert not await learning.remove_material(session, boss, material_id, NOW)
    assert not await learning.materials(session, mentor)
    with pytest.raises(DomainError, match="material_not_found"):
        await learning.material(session, mentor, material_id)


@pytest.mark.parametrize(
    ("text", "hours"), [("1.5", 1.5), ("2,25", 2.25), ("12", 12.0), (" 0.5 ", 0.5)]
)
def test_hours_as_typed(text: str, hours: float) -> None:
    assert learning.parse_hours(text) == hours


@pytest.mark.parametrize("text", ["0", "13", "-1", "1.5.2", "два", "", "1e2", "100"])
def test_hours_refused(text: str) -> None:
    with pytest.raises(DomainError, match="hours_invalid"):
        learning.parse_hours(text)
