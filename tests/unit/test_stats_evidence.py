"""Evidence that change lasts in /stats, /report, /charts and /export, on the known month of
tests/stats_world.py with tests/evidence_world.py's rows: lasting change (overall and by
follow-up month), meetings by reason, decisions taken and carried out by their date, the two
lines of families taken off the register, and the export's four sheets."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.content import Content
from bot.db.models import Role
from bot.dialogs.review import text
from bot.i18n import Translator
from bot.i18n.telegram import create_i18n
from bot.services import charts, evidence_stats, report
from bot.services.access import Actor
from bot.services.charts import Chart
from bot.services.errors import AccessDenied
from bot.services.evidence_stats import meeting_reason_label
from bot.services.export import write_workbook
from bot.services.programme_follow_ups import kept_change
from bot.services.stats import ProgrammesFigures, Scope
from tests.evidence_world import (
    DECISIONS,
    IMPROVED,
    LASTING,
    LASTING_BY_MONTHS,
    REASONS,
    Evidence,
    add_evidence,
)
from tests.factories import make_person
from tests.stats_world import NOVEMBER, NOW, TODAY, World, build

CONTENT = Content()
I18N = create_i18n("ru")


async def world(session: AsyncSession) -> tuple[World, Evidence]:
    w = await build(session)
    return w, await add_evidence(session, w)


def gettext(locale: str) -> Any:
    return Translator(I18N, locale).gettext


# --- the figures -------------------------------------------------------------------------------


async def test_lasting_change_overall_and_by_month(session: AsyncSession) -> None:
    w, _e = await world(session)
    got = await evidence_stats.lasting_change(session, w.boss, NOVEMBER, Scope(), CONTENT)
    assert (got.followed, got.kept) == LASTING
    assert [(r.months, r.followed, r.kept) for r in got.by_months] == LASTING_BY_MONTHS


async def test_lasting_change_follows_the_scope_and_the_programme_tolerance(
    session: AsyncSession,
) -> None:
    w, _e = await world(session)
    # mentor1's families are F1 and F2: F1's earlier programme (kept), F2's has no positive
    # dynamics.
    mine = Scope(mentor_id=w.mentor1.person_id)
    got = await evidence_stats.lasting_change(session, w.boss, NOVEMBER, mine, CONTENT)
    assert (got.followed, got.kept) == (1, 1)
    # A programme that allows no drop at all: F6's 38 after 40 no longer counts as kept.
    strict = Content()
    code = "tochka_opory"
    strict.programmes[code] = strict.programmes[code].model_copy(update={"lasting_tolerance": 0})
    got = await evidence_stats.lasting_change(session, w.boss, NOVEMBER, Scope(), strict)
    assert (got.followed, got.kept) == (3, 0)
    # The SQL agrees with the rule at its boundary (programme_follow_ups.kept_change).
    assert kept_change(40, 38, 2) and not kept_change(40, 38, 0)


async def test_meetings_counted_by_reason(session: AsyncSession) -> None:
    w, _e = await world(session)
    got = await evidence_stats.meeting_reasons(session, w.boss, NOVEMBER, Scope())
    assert got == REASONS


async def test_decisions_taken_and_carried_out_by_their_date(session: AsyncSession) -> None:
    w, _e = await world(session)
    got = await evidence_stats.decisions(session, w.boss, NOVEMBER, Scope(), today=TODAY)
    figures = (got.taken, got.done_by_date, got.done_late, got.not_done, got.open, got.overdue)
    assert figures == DECISIONS


async def test_families_taken_off_the_register(session: AsyncSession) -> None:
    w, _e = await world(session)
    got = await evidence_stats.closed_improvement(session, w.boss, NOVEMBER, Scope())
    assert (got.closed, got.with_meeting) == IMPROVED


async def test_only_coordinators(session: AsyncSession) -> None:
    w, _e = await world(session)
    for call in (
        evidence_stats.lasting_change(session, w.mentor1, NOVEMBER, Scope(), CONTENT),
        evidence_stats.meeting_reasons(session, w.mentor1, NOVEMBER, Scope()),
        evidence_stats.decisions(session, w.mentor1, NOVEMBER, Scope(), today=TODAY),
        evidence_stats.closed_improvement(session, w.mentor1, NOVEMBER, Scope()),
    ):
        with pytest.raises(AccessDenied):
            await call


# --- /stats texts ------------------------------------------------------------------------------


async def test_stats_texts_in_english_and_russian(session: AsyncSession) -> None:
    w, _e = await world(session)
    lasting = await evidence_stats.lasting_change(session, w.boss, NOVEMBER, Scope(), CONTENT)
    reasons = await evidence_stats.meeting_reasons(session, w.boss, NOVEMBER, Scope())
    decisions = await evidence_stats.decisions(session, w.boss, NOVEMBER, Scope(), today=TODAY)
    no_programmes = ProgrammesFigures(0, 0, 0, 0)

    en = text.programmes_text(no_programmes, gettext("en"), "en", lasting)
    assert "Change kept at the follow-up: 2 of 3 (67 %)" in en
    assert "• after 6 months: 1 of 2 (50 %)" in en and "• after 12 months: 1 of 1 (100 %)" in en
    ru = text.programmes_text(no_programmes, gettext("ru"), "ru", lasting)
    assert "Перемены сохранились при повторном опросе: 2 из 3 (67 %)" in ru
    assert "• через 6 мес.: 1 из 2 (50 %)" in ru

    en_lines = "\n".join(
        text.reason_lines(reasons, lambda c: meeting_reason_label(CONTENT, c, "en"), str)
        + text.decision_lines(decisions, str)
    )
    assert "Meetings in the period by reason: 3" in en_lines
    assert "• not stated: 1 of 3 (33 %)" in en_lines
    assert "Decisions taken in the period: 5" in en_lines
    assert "Carried out by their date: 1 of 5 (20 %)" in en_lines
    assert "Carried out later: 1 of 5 (20 %)" in en_lines
    assert "Of them overdue: 1 of 2 (50 %)" in en_lines
    _ru = gettext("ru")
    ru_lines = "\n".join(
        text.reason_lines(reasons, lambda c: meeting_reason_label(CONTENT, c, "ru"), _ru)
        + text.decision_lines(decisions, _ru)
    )
    assert "Встречи за период по причинам: 3" in ru_lines
    assert "• причина не указана: 1 из 3 (33 %)" in ru_lines
    assert "Выполнено в срок: 1 из 5 (20 %)" in ru_lines


def test_nothing_to_show_adds_no_lines() -> None:
    assert text.lasting_lines(evidence_stats.LastingChange(), str) == []
    assert text.reason_lines({}, str, str) == []
    assert text.decision_lines(evidence_stats.DecisionsOutcome(), str) == []


# --- /report -----------------------------------------------------------------------------------


async def _report(session: AsyncSession, actor: Actor, locale: str) -> report.Report:
    return await report.build(
        session,
        actor,
        NOVEMBER,
        Scope(),
        today=TODAY,
        content=CONTENT,
        locale=locale,
        gettext=gettext(locale),
    )


def _notes(built: report.Report) -> dict[str, tuple[Any, str]]:
    return {row.label: (row.value, row.note) for s in built.sections for row in s.rows}


async def test_report_lines_in_english(session: AsyncSession) -> None:
    w, _e = await world(session)
    built = await _report(session, w.boss, "en")
    rows = _notes(built)
    assert rows["Families taken off the register because their situation improved"] == (2, "")
    assert rows["Of them with a network meeting held"] == (1, "1 of 2")
    assert rows["Followed up after a programme with positive dynamics"] == (3, "")
    assert rows["Kept the change"] == (2, "2 of 3")
    assert rows["Share who kept the change"] == (pytest.approx(2 / 3), "2 of 3")
    assert rows["Kept the change after 6 months"] == (1, "1 of 2")
    assert rows["Kept the change after 12 months"] == (1, "1 of 1")
    assert rows["Meetings in the period by reason"] == (3, "")
    assert rows[meeting_reason_label(CONTENT, "abuse", "en")] == (1, "1 of 3")
    assert rows[meeting_reason_label(CONTENT, "refusal", "en")] == (0, "0 of 3")
    assert rows["Reason not stated"] == (1, "1 of 3")
    assert rows["Decisions taken in the period"] == (5, "")
    assert rows["Carried out by their date"] == (1, "1 of 5")
    assert rows["Marked not done"] == (1, "1 of 5")
    assert rows["Share carried out by their date"] == (pytest.approx(0.2), "1 of 5")


async def test_report_lines_in_russian_in_the_workbook(session: AsyncSession) -> None:
    w, _e = await world(session)
    built = await _report(session, w.boss, "ru")
    sheet = load_workbook(io.BytesIO(report.workbook(built, gettext("ru")))).worksheets[0]
    cells = {row[0].value: (row[1].value, row[2].value) for row in sheet.iter_rows(max_col=3)}
    assert cells["Снято с учёта по улучшению ситуации"][0] == 2
    assert cells["Из них с проведённой сетевой встречей"] == (1, "1 из 2")
    assert cells["Перемены сохранились"] == (2, "2 из 3")
    assert cells["Перемены сохранились через 12 мес."] == (1, "1 из 1")
    assert cells["Выполнено в срок"] == (1, "1 из 5")


# --- /charts -----------------------------------------------------------------------------------


async def _chart(session: AsyncSession, actor: Actor, locale: str) -> charts.Picture | None:
    return await charts.draw(
        session,
        actor,
        Chart.LASTING,
        NOVEMBER,
        Scope(),
        content=CONTENT,
        locale=locale,
        gettext=gettext(locale),
    )


@pytest.mark.parametrize(
    ("locale", "title"),
    [("ru", "Сохранение перемен при повторном опросе"), ("en", "Change kept at the follow-up")],
)
async def test_lasting_chart(session: AsyncSession, locale: str, title: str) -> None:
    w, _e = await world(session)
    picture = await _chart(session, w.boss, locale)
    assert picture is not None and picture.png.startswith(b"\x89PNG")
    assert picture.n == LASTING[0]
    assert picture.title == title


async def test_lasting_chart_without_follow_ups_is_none(session: AsyncSession) -> None:
    w = await build(session)
    assert await _chart(session, w.boss, "en") is None


# --- /export -----------------------------------------------------------------------------------


async def _export(engine: AsyncEngine, boss: Actor, tmp_path: Path, locale: str) -> Path:
    summary = await write_workbook(
        async_sessionmaker(engine, expire_on_commit=False),
        boss,
        NOVEMBER,
        locale=locale,
        gettext=gettext(locale),
        content=CONTENT,
        path=tmp_path / f"export_{locale}.xlsx",
        now=NOW,
    )
    return summary.path


def _sheet(path: Path, title: str) -> list[list[Any]]:
    book = load_workbook(path, read_only=True)
    return [list(row) for row in book[title].iter_rows(values_only=True)]


async def test_export_sheets_in_english(
    engine: AsyncEngine, session: AsyncSession, tmp_path: Path
) -> None:
    w, e = await world(session)
    await session.commit()
    path = await _export(engine, w.boss, tmp_path, "en")
    book = load_workbook(path, read_only=True)
    first = book.sheetnames.index("Enrolments")  # in this order, wherever they stand
    assert book.sheetnames[first : first + 4] == [
        "Enrolments",
        "Families' evaluations",
        "Specialists' evaluations",
        "Meeting decisions",
    ]

    enrolments = _sheet(path, "Enrolments")
    assert enrolments[0] == [
        "Enrolment id",
        "Family id",
        "Programme",
        "Status",
        "Start",
        "Completed",
        "Positive dynamics",
        "Entry total",
        "Exit total",
        "Follow-up total, 6 months",
        "Follow-up total, 12 months",
    ]
    by_id = {row[0]: row for row in enrolments[1:]}
    # F6's programme ended in April, followed up in November: in the sheet; F2's earlier one
    # was followed up too.
    assert by_id[e.enrolments["F6"]][6:] == ["yes", 10, 40, 38, None]
    assert by_id[e.enrolments["F1_old"]][6:] == ["yes", 10, 30, 10, 29]
    assert by_id[e.enrolments["F2_old"]][6:] == ["no", 30, 20, 35, None]
    assert by_id[e.enrolments["F3"]][3] == "completed"
    assert by_id[e.enrolments["F3"]][9:] == [None, None]  # due, not answered
    assert "F3" not in {str(cell) for row in enrolments for cell in row}  # no family names

    family = _sheet(path, "Families' evaluations")
    statements = CONTENT.evaluation.family.statements
    assert family[0][:4] == ["Enrolment id", "Family id", "Programme", "Given"]
    assert family[0][-2:] == ["Open answer given", "Open answer"]
    assert len(family) == 2  # the October one is outside
    scores = dict(zip([s.code for s in statements], family[1][4:-2], strict=True))
    assert scores["real_problems"] == 5 and scores["lasting"] == 3
    assert scores["adapted"] is None  # not answered
    assert family[1][-2:] == ["yes", "Спасибо"]

    specialists = _sheet(path, "Specialists' evaluations")
    assert specialists[0][4:] == [
        "Engagement (1–5)",
        "Homework done (1–5)",
        "Programme's fit (1–5)",
        "Further work",
        "Specialist's note",
    ]
    assert specialists[1][4:] == [4, 3, 5, "yes: within the case plan", "Ещё поработать с бюджетом"]

    decisions = _sheet(path, "Meeting decisions")
    assert decisions[0] == [
        "Decision id",
        "Meeting id",
        "Family id",
        "Decision",
        "By",
        "Taken",
        "Carried out",
        "Carried out by its date",
        "Marked not done",
        "Why not done",
    ]
    rows = {row[0]: row for row in decisions[1:]}
    assert len(rows) == DECISIONS[0]  # the October one is outside
    assert rows[e.decisions["by_date"]][7] == "yes"
    assert rows[e.decisions["late"]][7] == "no"  # done after midnight in Moscow
    assert rows[e.decisions["overdue"]][7] is None
    assert rows[e.decisions["not_done"]][9] == "Не успели"
    assert rows[e.decisions["by_date"]][4] is not None  # the date, as a date


async def test_export_sheet_names_in_russian(
    engine: AsyncEngine, session: AsyncSession, tmp_path: Path
) -> None:
    w, _e = await world(session)
    await session.commit()
    path = await _export(engine, w.boss, tmp_path, "ru")
    book = load_workbook(path, read_only=True)
    first = book.sheetnames.index("Участие в программах")  # in this order, wherever they stand
    assert book.sheetnames[first : first + 4] == [
        "Участие в программах",
        "Оценка программы семьёй",
        "Оценка программы специалистами",
        "Решения встреч",
    ]
    header = _sheet(path, "Участие в программах")[0]
    assert header[-2:] == ["Сумма через 6 мес.", "Сумма через 12 мес."]
    first_statement = CONTENT.evaluation.family.statements[0].get("ru")
    assert _sheet(path, "Оценка программы семьёй")[0][4].startswith(first_statement[:20])


async def test_a_parent_gets_no_evidence(session: AsyncSession) -> None:
    parent = await make_person(session, 77, Role.PARENT, now=NOW)
    with pytest.raises(AccessDenied):
        await evidence_stats.lasting_change(session, parent, NOVEMBER, Scope(), CONTENT)
    assert date(2026, 11, 1) == NOVEMBER.start
