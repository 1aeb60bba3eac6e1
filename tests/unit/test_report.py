"""The indicator report: every cell of the sheet for the known month of test_stats, in English
and in Russian; an empty period gives zeros; only coordinators get it."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content import Content
from bot.db.models import Role
from bot.i18n import Translator
from bot.i18n.telegram import create_i18n
from bot.services import report
from bot.services.access import Actor
from bot.services.errors import AccessDenied
from bot.services.evidence_stats import meeting_reason_label, reason_codes
from bot.services.stats import Period, Scope
from tests.factories import make_person
from tests.stats_world import MSK, NOVEMBER, NOW, TODAY, World, add_plans
from tests.stats_world import build as build_stats

CONTENT = Content()
I18N = create_i18n("ru")
HELP_LABELS = [c.label("en") for c in CONTENT.visits.help]
METHOD_LABELS = [c.label("en") for c in CONTENT.visits.methods]
SOURCE_LABELS = [c.label("en") for c in CONTENT.intake.sources]
DIFFICULTY_LABELS = [c.label("en") for c in CONTENT.intake.difficulties]
REASON_LABELS = [meeting_reason_label(CONTENT, code, "en") for code in reason_codes(CONTENT)]

# Everything under the header row, as (indicator, value, note): None is an empty cell.
NOVEMBER_EN: list[tuple[Any, ...]] = [
    ("Network meetings", None, None),
    ("Network meetings held", 2, None),
    ("Families with network meetings", 2, "active families: 5"),
    ("Socially dangerous position (SOP)", 0, None),
    ("Difficult life situation", 2, None),
    ("Low-income", 0, None),
    ("Large family", 0, None),
    ("Single-parent", 0, None),
    ("Guardianship", 0, None),
    ("Other", 0, None),
    ("Families taken off the register because their situation improved", 1, None),
    # F3, closed for improvement on 5 November, had its meeting held.
    ("Of them with a network meeting held", 1, "1 of 1"),
    # November's meetings that were not cancelled, none with a reason (tests of the reasons:
    # tests/unit/test_stats_evidence.py).
    ("Meetings in the period by reason", 3, None),
    *((label, 0, "0 of 3") for label in REASON_LABELS),
    ("Reason not stated", 3, "3 of 3"),
    ("Network meetings' decisions", None, None),
    ("Decisions taken in the period", 0, None),
    ("Carried out by their date", 0, "0 of 0"),
    ("Carried out later", 0, "0 of 0"),
    ("Marked not done", 0, "0 of 0"),
    ("Decisions still open", 0, "0 of 0"),
    ("Of them overdue", 0, "open: 0"),
    ("Share carried out by their date", None, "0 of 0"),
    ("Parental competence", None, None),
    ("Programmes completed", 2, None),
    ("Completed with positive dynamics", 2, None),
    ("Share with positive dynamics", 1.0, "2 of 2"),
    ("Followed up after a programme with positive dynamics", 0, None),
    ("Kept the change", 0, "0 of 0"),
    ("Share who kept the change", None, "0 of 0"),
    ("Kept the change after 6 months", 0, "0 of 0"),
    ("Kept the change after 12 months", 0, "0 of 0"),
    ("Recipients' satisfaction (SRS)", None, None),
    ("SRS responses", 3, None),
    ("Mean SRS total (0–40)", 36.0, None),
    ("Totals under 36 (a signal)", pytest.approx(1 / 3), "1 of 3"),
    ("Patronage visits", None, None),
    ("Visits", 5, None),
    ("Families visited", 3, None),
    ("Mentors who visited", 2, "mentors: 3"),
    ("Help given on visits (families)", None, None),
    # Every kind of help and every method, in content/visits.yaml's order: none on these visits.
    *((label, 0, "visits: 0") for label in HELP_LABELS),
    ("Methods used on visits (families)", None, None),
    *((label, 0, "visits: 0") for label in METHOD_LABELS),
    ("Family programmes", None, None),
    ("Enrolled in the period", 1, None),
    ("Active", 4, None),
    ("Completed", 2, None),
    ("Completed with positive dynamics", 2, None),
    ("Mean weekly self-rating (1–10)", 8.0, "ratings: 3"),
    ("Homework hand-in rate", 0.75, "3 of 4 weeks released"),
    ("Children and adults reached", None, None),
    ("Children reached", 0, "families with the make-up recorded: 0 of 5"),
    ("Adults reached", 0, None),
    ("Requests: how the families came", None, None),
    ("Requests received in the period", 0, None),
    *((label, 0, "0 of 0") for label in SOURCE_LABELS),
    ("Requests: kinds of difficulty", None, None),
    *((label, 0, "0 of 0") for label in DIFFICULTY_LABELS),
    ("Case plans", None, None),
    ("Plan tasks due in the period", 7, None),
    ("Tasks done", 2, None),
    ("Tasks not done", 1, None),
    ("Tasks still open", 4, None),
    ("Of them overdue", 1, "open: 4"),
    ("Share of plan tasks done", pytest.approx(2 / 7), "2 of 7"),
    ("Families with a plan task due in the period", 3, None),
    ("Plan tasks added in the period", 5, None),
    ("From visits", 2, None),
    ("From network meetings' decisions", 2, None),
    ("Cases closed", 2, None),
    ("With a final meeting", 1, "1 of 2"),
    ("Consilium reviews held", 0, None),
    ("Assessment before and after", None, None),
    ("Families with a final assessment in the period", 0, None),
    ("Mean preliminary assessment", None, "no families"),
    ("Mean final assessment", None, "no families"),
    ("Mean change", None, "no families"),
    ("Improved", 0, "0 of 0"),
    ("Unchanged", 0, "0 of 0"),
    ("Worse", 0, "0 of 0"),
    # November includes "today" (23 November): the cases now, as /stats shows them.
    ("Cases on 23.11.2026", None, None),
    ("Open cases", 3, None),
    ("request and diagnosis", 1, "1 of 3"),
    ("plan approved", 1, "1 of 3"),
    ("plan carried out, with monitoring", 0, "0 of 3"),
    ("final monitoring", 1, "1 of 3"),
    ("With a consilium review overdue", 0, "0 of 3"),
    ("Consilium reviews overdue", 0, None),
]
HEADER_ROW = 4  # title, period, an empty row, then the header


async def build(session: AsyncSession) -> World:
    """The month of test_stats with its case plans."""
    world = await build_stats(session)
    await add_plans(session, world)
    return world


async def make(session: AsyncSession, actor: Actor, period: Period, locale: str) -> Worksheet:
    t = Translator(I18N, locale)
    built = await report.build(
        session,
        actor,
        period,
        Scope(),
        today=TODAY,
        content=CONTENT,
        locale=locale,
        gettext=t.gettext,
    )
    book = load_workbook(io.BytesIO(report.workbook(built, t.gettext)))
    assert len(book.worksheets) == 1
    return book.worksheets[0]


def body(sheet: Worksheet) -> list[tuple[Any, ...]]:
    return [
        tuple(cell.value for cell in row)
        for row in sheet.iter_rows(min_row=HEADER_ROW + 1, max_col=3)
    ]


async def test_every_cell_in_english(session: AsyncSession) -> None:
    w = await build(session)
    sheet = await make(session, w.boss, NOVEMBER, "en")
    assert sheet["A1"].value == "Service report"
    assert sheet["A1"].font.bold
    assert sheet["A2"].value == "Period: 01.11.2026 – 30.11.2026"
    header = [c.value for c in sheet[HEADER_ROW]]
    assert header == ["Indicator", "Value", "Base / notes"]
    assert all(c.font.bold for c in sheet[HEADER_ROW])
    assert body(sheet) == NOVEMBER_EN


async def test_numbers_are_numbers_with_formats(session: AsyncSession) -> None:
    w = await build(session)
    sheet = await make(session, w.boss, NOVEMBER, "en")
    cells = {row[0].value: row[1] for row in sheet.iter_rows(min_row=HEADER_ROW + 1, max_col=2)}
    assert cells["Visits"].data_type == "n" and cells["Visits"].number_format == "0"
    assert cells["Homework hand-in rate"].number_format == "0.0%"
    assert cells["Mean SRS total (0–40)"].number_format == "0.0"
    assert sheet.cell(HEADER_ROW + 1, 1).font.bold  # the first section heading
    # Columns are as wide as their longest text, within bounds.
    longest = len("Families taken off the register because their situation improved")
    assert sheet.column_dimensions["A"].width == longest + 2
    assert report.MIN_WIDTH <= sheet.column_dimensions["B"].width <= report.MAX_WIDTH


async def test_labels_in_russian(session: AsyncSession) -> None:
    w = await build(session)
    sheet = await make(session, w.boss, NOVEMBER, "ru")
    assert sheet["A1"].value == "Отчёт службы"
    assert sheet["A2"].value == "Период: 01.11.2026 – 30.11.2026"
    assert [c.value for c in sheet[HEADER_ROW]] == ["Показатель", "Значение", "База / примечание"]
    rows = body(sheet)
    assert [r[1] for r in rows] == [r[1] for r in NOVEMBER_EN]  # the same figures
    labels = {r[0]: r for r in rows}
    assert labels["Проведено сетевых встреч"][1] == 2
    assert labels["ТЖС (трудная жизненная ситуация)"][1] == 2
    assert labels["Снято с учёта по улучшению ситуации"][1] == 1
    assert labels["Доля с положительной динамикой"][2] == "2 из 2"
    assert labels["Семей, с которыми проведены сетевые встречи"][2] == "активных семей: 5"
    assert labels["Планы работы со случаем (ИПСС)"][1:] == (None, None)
    assert labels["Задачи планов со сроком в периоде"][1] == 7
    assert labels["Из них просрочено"][1:] == (1, "в работе: 4")
    assert labels["С итоговой встречей"][1:] == (1, "1 из 2")
    # The SRS figure is framed as in /stats: the signal's share, with its base.
    assert labels["Итог ниже 36 (сигнал)"][1:] == (pytest.approx(1 / 3), "1 из 3")


async def test_an_empty_period_gives_zeros(session: AsyncSession) -> None:
    w = await build(session)
    year = Period(date(2025, 1, 1), date(2025, 12, 31), MSK)
    t = Translator(I18N, "en")
    built = await report.build(
        session, w.boss, year, Scope(), today=TODAY, content=CONTENT, locale="en", gettext=t.gettext
    )
    assert built.empty
    sheet = load_workbook(io.BytesIO(report.workbook(built, t.gettext))).worksheets[0]
    values = {r[0]: r[1] for r in body(sheet) if r[1] is not None}
    assert values["Network meetings held"] == 0
    assert values["Visits"] == 0
    shares = {r[0]: r for r in body(sheet)}
    assert shares["Homework hand-in rate"][1:] == (None, "0 of 0 weeks released")
    assert shares["Mean SRS total (0–40)"][1:] == (None, "no responses")
    assert shares["Share of plan tasks done"][1:] == (None, "0 of 0")
    counts = [r[1] for r in body(sheet) if isinstance(r[1], int)]
    assert counts and not any(counts)
    assert not (await _november(session, w.boss)).empty


async def _november(session: AsyncSession, actor: Actor) -> report.Report:
    return await report.build(
        session,
        actor,
        NOVEMBER,
        Scope(),
        today=TODAY,
        content=CONTENT,
        locale="en",
        gettext=lambda s: s,
    )


async def test_a_scope_is_named_and_narrows(session: AsyncSession) -> None:
    w = await build(session)
    built = await report.build(
        session,
        w.boss,
        NOVEMBER,
        Scope(category="tzhs"),
        today=TODAY,
        content=CONTENT,
        locale="en",
        gettext=lambda s: s,
    )
    assert built.scope == "Families in the category Difficult life situation"
    assert built.value("Visits") == 4
    assert built.value("Network meetings held") == 2
    assert built.value("Plan tasks due in the period") == 4
    assert built.value("Cases closed") == 1


async def test_mentor_and_parent_are_refused(session: AsyncSession) -> None:
    w = await build(session)
    parent = await make_person(session, 21, Role.PARENT, now=NOW)
    for who in (w.mentor1, parent):
        with pytest.raises(AccessDenied):
            await _november(session, who)
