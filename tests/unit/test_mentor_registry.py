"""The mentors' registry's rules without Telegram: the moves allowed, reasons and notes, rights,
the profile made at joining, the file's checks, the /stats figures and the export's sheet."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.content import Content
from bot.content.base import ContentError
from bot.content.mentors import load_mentors
from bot.db.engine import create_sessionmaker
from bot.db.models import (
    LessonProgress,
    MentorProfile,
    MentorStatus,
    MentorStatusChange,
    Role,
    TrainingSession,
)
from bot.db.repositories import mentors as mentors_repo
from bot.i18n import Translator
from bot.i18n.telegram import create_i18n
from bot.services import mentor_registry
from bot.services.errors import AccessDenied, DomainError
from bot.services.export import export_filename, write_workbook
from bot.services.stats import Period, Scope, mentors
from tests.factories import make_person

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
TODAY = date(2026, 11, 23)
CONTENT = Content()
FILE = CONTENT.mentors
I18N = create_i18n("ru")


def test_the_moves_the_registry_allows() -> None:
    moves = mentor_registry.allowed_moves
    assert moves("candidate") == ["tested", "trained", "active", "left"]
    assert moves("tested") == ["trained", "active", "left"]
    assert moves("trained") == ["active", "left"]
    assert moves("active") == ["paused", "left"]
    assert moves("paused") == ["active", "left"]
    assert moves("left") == ["candidate"]


def test_the_file_is_checked_and_errors_name_it(tmp_path: Path) -> None:
    assert [s.code for s in FILE.statuses] == [s.value for s in MentorStatus]
    assert FILE.reason_required("paused") and FILE.reason_required("left")
    assert not FILE.reason_required("active")
    assert FILE.reason_label("vacation", "ru") == "Отпуск"
    assert FILE.reason_label("retired_code", "ru") == "retired_code"
    broken = tmp_path / "mentors.yaml"
    text = (Path(__file__).parents[2] / "content" / "mentors.yaml").read_text(encoding="utf-8")
    broken.write_text(text.replace("  paused:\n", "  pausd:\n"), encoding="utf-8")
    with pytest.raises(ContentError, match=r"mentors\.yaml"):
        load_mentors(broken)


async def _mentor(session: AsyncSession, telegram_id: int, status: str | None) -> int:
    actor = await make_person(session, telegram_id, Role.MENTOR, now=NOW)
    await mentor_registry.on_mentor_joined(session, actor.person_id, status, NOW)
    return actor.person_id


async def test_a_profile_at_joining_and_moves_with_their_rules(session: AsyncSession) -> None:
    boss = await make_person(session, 1, Role.COORDINATOR, now=NOW)
    olga = await _mentor(session, 2, "candidate")
    peter = await _mentor(session, 3, None)
    profile = await mentors_repo.profile(session, olga)
    assert profile is not None and profile.status == "candidate"
    assert (await mentors_repo.profile(session, peter)).status == "active"  # type: ignore[union-attr]
    await mentor_registry.on_mentor_joined(session, olga, None, NOW)  # joined again: as it was
    assert (await mentors_repo.profile(session, olga)).status == "candidate"  # type: ignore[union-attr]

    def move(person_id: int, to: str, **kw: Any) -> Awaitable[MentorStatusChange]:
        return mentor_registry.move(session, boss, person_id, to, NOW, content=FILE, **kw)

    for to, kw, code in (
        ("paused", {}, "mentor_reason_required"),
        ("paused", {"reason": "moved"}, "mentor_reason_unknown"),  # a reason for leaving
        ("candidate", {}, "mentor_move_not_allowed"),
        ("nonsense", {}, "mentor_move_not_allowed"),
        ("paused", {"reason": "illness", "note": "x" * 201}, "mentor_note_too_long"),
        ("paused", {"reason": "illness", "expected_from": "trained"}, "mentor_status_changed"),
    ):
        with pytest.raises(DomainError) as refused:
            await move(peter, to, **kw)
        assert refused.value.code == code
    change = await move(peter, "paused", reason="illness", note="  до  декабря ")
    assert (change.from_status, change.to_status, change.note) == ("active", "paused", "до декабря")
    await move(olga, "active")  # skipping steps forward; no reason needed
    history = await mentors_repo.history(session, olga)
    assert [(c.to_status, by) for c, by in history] == [("active", "P1"), ("candidate", None)]
    with pytest.raises(DomainError, match="mentor_not_found"):
        await move(boss.person_id, "left", reason="other")  # not a mentor


async def test_only_coordinators_read_and_move(session: AsyncSession) -> None:
    peter_actor = await make_person(session, 3, Role.MENTOR, now=NOW)
    other = await _mentor(session, 4, None)
    with pytest.raises(AccessDenied):
        await mentor_registry.list_page(
            session, peter_actor, NOW, TODAY, status=None, offset=0, limit=8
        )
    with pytest.raises(AccessDenied):
        await mentor_registry.card(session, peter_actor, other, NOW, TODAY)
    with pytest.raises(AccessDenied):
        await mentor_registry.move(
            session, peter_actor, other, "paused", NOW, content=FILE, reason="illness"
        )
    with pytest.raises(AccessDenied):
        await mentor_registry.mentor_to_assign(session, peter_actor, 1, other)


async def _training_world(session: AsyncSession) -> int:
    """Three mentors: Olga a candidate with the whole course done, Peter active with one lesson
    and a session of 90 minutes, Ivan paused with nothing."""
    olga = await _mentor(session, 2, "candidate")
    peter = await _mentor(session, 3, None)
    ivan = await _mentor(session, 4, None)
    profile = await session.get(MentorProfile, ivan)
    assert profile is not None
    profile.status = "paused"
    for code in CONTENT.course.lesson_codes():
        session.add(
            LessonProgress(
                person_id=olga, lesson_code=code, subject_code="s", minutes=30, done_at=NOW
            )
        )
    first = CONTENT.course.lesson_codes()[0]
    session.add(
        LessonProgress(
            person_id=peter, lesson_code=first, subject_code="s", minutes=30, done_at=NOW
        )
    )
    session.add(
        TrainingSession(
            person_id=peter, held_on=TODAY, subject_code="s", minutes=90, created_at=NOW
        )
    )
    await session.flush()
    return peter


async def test_the_stats_mentors_section_counts_the_registry(session: AsyncSession) -> None:
    boss = await make_person(session, 1, Role.COORDINATOR, now=NOW)
    peter = await _training_world(session)
    lessons = CONTENT.course.lesson_codes()
    period = Period(date(2026, 11, 1), date(2026, 11, 30), "Europe/Moscow")
    figures = await mentors(session, boss, period, Scope(), today=TODAY, lesson_codes=lessons)
    assert figures.by_status == (("candidate", 1), ("active", 1), ("paused", 1))
    assert figures.training_completed == 1
    assert figures.training_minutes == 30 * len(lessons) + 30 + 90
    mine = await mentors(session, boss, period, Scope(mentor_id=peter), today=TODAY)
    assert mine.by_status == ()  # a mentor's scope: no service-wide registry

    from bot.dialogs.review.text import mentors_text

    text = mentors_text(
        figures, Translator(I18N, "ru").gettext, lambda c: FILE.status_label(c, "ru")
    )
    assert "В реестре сейчас: Кандидат 1, Активен 1, На паузе 1" in text
    assert "Прошли весь курс: 1" in text
    hours = f"{(30 * len(lessons) + 120) / 60:.1f}"
    assert f"Часов обучения: {hours}" in text
    english = mentors_text(
        figures, Translator(I18N, "en").gettext, lambda c: FILE.status_label(c, "en")
    )
    assert "Registry now: Candidate 1, Active 1, Paused 1" in english


async def test_the_export_has_the_registry_sheet(
    engine: AsyncEngine, session: AsyncSession, tmp_path: Path
) -> None:
    boss = await make_person(session, 1, Role.COORDINATOR, now=NOW)
    peter = await _training_world(session)
    await session.commit()
    period = Period(date(2026, 11, 1), date(2026, 11, 30), "Europe/Moscow")
    summary = await write_workbook(
        create_sessionmaker(engine),
        boss,
        period,
        locale="ru",
        gettext=Translator(I18N, "ru").gettext,
        content=CONTENT,
        path=tmp_path / export_filename(period),
        now=NOW,
    )
    assert summary.rows["mentors"] == 3 and summary.empty  # a snapshot is not the period's data
    sheet = load_workbook(summary.path)["Наставники"]
    rows = [tuple(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == (
        "Id наставника",
        "Наставник",
        "Статус",
        "С какого времени",
        "Семьи",
        "Уроков пройдено",
        "Часов обучения",
    )
    by_id = {row[0]: row for row in rows[1:]}
    assert by_id[peter][1:3] == ("P3", "Активен")
    assert by_id[peter][3] == datetime(2026, 11, 23, 10, 0)  # Moscow wall-clock time
    assert by_id[peter][4:] == (0, 1, 2.0)
