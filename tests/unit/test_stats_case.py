"""The case's figures in /stats, /report and /export against the known rows of
tests/case_stats_world.py (its docstring lists them): help given and methods used, children and
adults reached, requests by source and difficulty, consilium reviews held and overdue, the
assessment's change; the texts in Russian and English, the report's rows and the export's new
sheets read back."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.content import Content
from bot.db.engine import create_sessionmaker
from bot.db.models import (
    Role,
)
from bot.dialogs.review import text
from bot.i18n import Translator
from bot.i18n.telegram import create_i18n
from bot.services import report, stats
from bot.services.errors import AccessDenied
from bot.services.export import export_filename, write_workbook
from bot.services.stats import Period, Scope
from tests.case_stats_world import world
from tests.factories import make_person
from tests.stats_world import MSK, NOVEMBER, NOW, TODAY, World

CONTENT = Content()
I18N = create_i18n("ru")
OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31), MSK)


# --- /stats figures ------------------------------------------------------------------------------


async def test_families_reach_and_requests(session: AsyncSession) -> None:
    w = await world(session)
    got = await stats.families(session, w.boss, NOVEMBER, Scope())
    assert got.reach == stats.Reach(children=3, adults=3, families_with_makeup=2, active=5)
    assert got.requests == stats.Requests(
        received=3,
        by_source={"school": 1, "self": 1, "kdn": 1},
        by_difficulty={"economic": 2, "psychological": 1},
    )
    assert await stats.reach(session, w.boss, NOVEMBER, Scope()) == got.reach
    assert await stats.requests(session, w.boss, NOVEMBER, Scope()) == got.requests


async def test_help_given_and_methods_used(session: AsyncSession) -> None:
    w = await world(session)
    work = await stats.visit_work(session, w.boss, NOVEMBER, Scope())
    assert work.families_visited == 3
    assert [(t.code, t.families, t.visits) for t in work.help] == [
        ("social_contract", 2, 3),
        ("employment", 1, 1),
        ("leisure", 1, 1),
    ]
    assert [(t.code, t.families, t.visits) for t in work.methods] == [
        ("observation", 2, 3),
        ("curation", 2, 2),
    ]
    # The report's "Families visited" is the same base.
    report_rows = await report.build(
        session,
        w.boss,
        NOVEMBER,
        Scope(),
        today=TODAY,
        content=CONTENT,
        locale="en",
        gettext=lambda m: m,
    )
    assert report_rows.value("Families visited") == 3


async def test_consilium_reviews_and_assessment_change(session: AsyncSession) -> None:
    w = await world(session)
    got = await stats.plans(session, w.boss, NOVEMBER, Scope(), today=TODAY)
    assert got.consiliums_held == 1
    assert (got.consiliums_overdue, got.consilium_overdue_families) == (1, 1)
    assert got.open_families == 3
    a = got.assessment
    assert (a.families, a.improved, a.unchanged, a.worse) == (3, 1, 1, 1)
    assert a.intake_mean == pytest.approx((2.5 + 3 + 4) / 3)
    assert a.final_mean == pytest.approx((3.5 + 3 + 2.5) / 3)
    assert a.change_mean == pytest.approx((1 + 0 - 1.5) / 3)
    assert await stats.assessment_change(session, w.boss, NOVEMBER, Scope()) == a
    assert await stats.consilium_reviews(session, w.boss, NOVEMBER, Scope(), today=TODAY) == (
        1,
        1,
        1,
    )
    # The next day F1's review planned for today is overdue too.
    tomorrow = date(2026, 11, 24)
    later = await stats.plans(session, w.boss, NOVEMBER, Scope(), today=tomorrow)
    assert (later.consiliums_overdue, later.consilium_overdue_families) == (2, 2)


async def test_october_a_period_without_today(session: AsyncSession) -> None:
    w = await world(session)
    plans = await stats.plans(session, w.boss, OCTOBER, Scope(), today=TODAY)
    assert plans.stages is None and plans.consiliums_overdue is None
    assert plans.consiliums_held == 1
    # F4's final assessment of 30 October; F1's final is dated by its latest aspect (20 Nov).
    assert (plans.assessment.families, plans.assessment.improved) == (1, 1)
    assert plans.assessment.change_mean == pytest.approx(3.0)
    families = await stats.families(session, w.boss, OCTOBER, Scope())
    assert families.requests.by_source == {"health": 1}
    work = await stats.visit_work(session, w.boss, OCTOBER, Scope())
    assert [(t.code, t.families, t.visits) for t in work.help] == [
        ("leisure", 1, 1),
        ("social_contract", 1, 1),
    ]


@pytest.mark.parametrize(
    ("scope_of", "expected"),
    [
        # mentor1 has F1 and F2; mentor2 F3 and F4; the category "tzhs" F1, F3, F5 (and F6)
        ("mentor1", ((3, 3, 2), 1, ["social_contract", "leisure"], (1, 1), 2)),
        ("mentor2", ((0, 0, 0), 1, ["employment"], (0, 0), 1)),
        ("tzhs", ((2, 1, 1), 2, ["social_contract", "employment", "leisure"], (0, 0), 2)),
    ],
)
async def test_every_figure_narrows_to_the_scope(
    session: AsyncSession, scope_of: str, expected: tuple[Any, ...]
) -> None:
    w = await world(session)
    scope = (
        Scope(category=scope_of)
        if scope_of == "tzhs"
        else Scope(mentor_id=getattr(w, scope_of).person_id)
    )
    families = await stats.families(session, w.boss, NOVEMBER, scope)
    work = await stats.visit_work(session, w.boss, NOVEMBER, scope)
    plans = await stats.plans(session, w.boss, NOVEMBER, scope, today=TODAY)
    reach = families.reach
    got = (
        (reach.children, reach.adults, reach.families_with_makeup),
        families.requests.received,
        [t.code for t in work.help],
        (plans.consiliums_overdue, plans.consilium_overdue_families),
        plans.assessment.families,
    )
    assert got == expected


async def test_only_coordinators(session: AsyncSession) -> None:
    w = await world(session)
    parent = await make_person(session, 21, Role.PARENT, now=NOW)
    for who in (w.mentor1, parent):
        for call in (
            stats.reach(session, who, NOVEMBER, Scope()),
            stats.requests(session, who, NOVEMBER, Scope()),
            stats.visit_work(session, who, NOVEMBER, Scope()),
            stats.assessment_change(session, who, NOVEMBER, Scope()),
            stats.consilium_reviews(session, who, NOVEMBER, Scope(), today=TODAY),
        ):
            with pytest.raises(AccessDenied):
                await call


# --- /stats texts --------------------------------------------------------------------------------


def translator(locale: str) -> text.Gettext:
    return Translator(I18N, locale).gettext


def intake_label(locale: str) -> text.ListLabel:
    return lambda what, code: CONTENT.intake.label(what, code, locale)


def visits_label(locale: str) -> text.ListLabel:
    return lambda what, code: CONTENT.visits.label(what, code, locale)


async def test_texts_in_russian(session: AsyncSession) -> None:
    w = await world(session)
    _ = translator("ru")
    families = await stats.families(session, w.boss, NOVEMBER, Scope())
    lines = text.families_text(
        families, _, lambda c: c, lambda c: c, intake=intake_label("ru")
    ).split("\n")
    for line in (
        "Охвачено детей: 3",
        "Охвачено взрослых: 3",
        "Семей с записанным составом: 2 из 5 (40 %)",
        "Обращений за период: 3",
        "Как семьи пришли в службу:",
        "• КДНиЗП: 1 из 3 (33 %)",
        "• Школа или детский сад: 1 из 3 (33 %)",
        "Виды трудностей:",
        "• Экономические: 2 из 3 (67 %)",
        "• Психологические: 1 из 3 (33 %)",
    ):
        assert line in lines, line

    work = await stats.visit_work(session, w.boss, NOVEMBER, Scope())
    lines = text.help_text(work, _, visits_label("ru")).split("\n")
    assert lines[0] == "<b>Оказанная помощь</b>"
    for line in (
        "Семей с визитами: 3",
        "Оказанная помощь:",
        "• Социальный контракт: семей 2 из 3 (67 %), визитов 3",
        "• Трудоустройство: семей 1 из 3 (33 %), визитов 1",
        "Применённые методы:",
        "• Наблюдение: семей 2 из 3 (67 %), визитов 3",
        "• Курирование: семей 2 из 3 (67 %), визитов 2",
    ):
        assert line in lines, line

    plans = await stats.plans(session, w.boss, NOVEMBER, Scope(), today=TODAY)
    lines = text.plans_text(plans, _, "ru").split("\n")
    for line in (
        "Проведено консилиумов: 1",
        "Из них с просроченным консилиумом: 1 из 3 (33 %)",
        "Оценка до → после (итоговая в периоде): семей 3",
        "В среднем: 3,2 → 3,0 (изменение -0,2)",
        "Стало лучше: 1 из 3 (33 %)",
        "Без изменений: 1 из 3 (33 %)",
        "Стало хуже: 1 из 3 (33 %)",
    ):
        assert line in lines, line


async def test_texts_in_english_and_labels_escaped(session: AsyncSession) -> None:
    w = await world(session)
    _ = translator("en")
    plans = await stats.plans(session, w.boss, NOVEMBER, Scope(), today=TODAY)
    got = text.plans_text(plans, _, "en")
    assert "On average: 3.2 → 3.0 (change -0.2)" in got
    assert "Of them with a consilium review overdue: 1 of 3 (33 %)" in got
    work = await stats.visit_work(session, w.boss, NOVEMBER, Scope())
    got = text.help_text(work, _, lambda what, code: f"<{code}> & co")
    assert "• &lt;social_contract&gt; &amp; co: families 2 of 3 (67 %), visits 3" in got
    assert "Families visited: 3" in got and "Methods used:" in got
    empty = await stats.visit_work(session, w.boss, OCTOBER, Scope(mentor_id=w.mentor2.person_id))
    assert text.help_text(empty, _, visits_label("en")) == (
        f"<b>{_('Help given')}</b>\n{_(text.NO_DATA)}"
    )
    families = await stats.families(session, w.boss, NOVEMBER, Scope())
    got = text.families_text(families, _, str, str, intake=intake_label("en"))
    assert "• The family came itself: 1 of 3 (33 %)" in got
    assert "Children reached: 3" in got


async def test_without_labels_the_breakdowns_are_left_out(session: AsyncSession) -> None:
    """Until the caller names the codes, they are not shown as codes."""
    w = await world(session)
    _ = translator("en")
    families = await stats.families(session, w.boss, NOVEMBER, Scope())
    got = text.families_text(families, _, str, str)
    assert "Requests received in the period: 3" in got and "school" not in got


def test_an_empty_plans_section_stays_empty_and_no_assessment_no_lines() -> None:
    _ = translator("en")
    only_held = stats.PlansFigures(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, consiliums_held=2)
    got = text.plans_text(only_held, _, "en")
    assert "Consilium reviews held: 2" in got and "On average" not in got
    assert text.plans_text(stats.PlansFigures(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), _) == (
        f"<b>{_('Plans')}</b>\n{_(text.NO_DATA)}"
    )


# --- /report -------------------------------------------------------------------------------------


async def test_report_rows(session: AsyncSession) -> None:
    w = await world(session)
    t = Translator(I18N, "en")
    built = await report.build(
        session,
        w.boss,
        NOVEMBER,
        Scope(),
        today=TODAY,
        content=CONTENT,
        locale="en",
        gettext=t.gettext,
    )
    rows = {
        (section.title, row.label): (row.value, row.note)
        for section in built.sections
        for row in section.rows
    }
    help_section, methods_section = (
        "Help given on visits (families)",
        "Methods used on visits (families)",
    )
    assert rows[(help_section, "Social contract")] == (2, "visits: 3")
    assert rows[(help_section, "Financial literacy")] == (0, "visits: 0")
    assert rows[(methods_section, "Curation")] == (2, "visits: 2")
    assert built.value("Children reached") == 3
    assert rows[("Children and adults reached", "Children reached")][1] == (
        "families with the make-up recorded: 2 of 5"
    )
    assert built.value("Adults reached") == 3
    assert built.value("Requests received in the period") == 3
    sources = "Requests: how the families came"
    assert rows[(sources, "School or kindergarten")] == (1, "1 of 3")
    assert rows[(sources, "Police")] == (0, "0 of 3")
    assert rows[("Requests: kinds of difficulty", "Economic")] == (2, "2 of 3")
    assert built.value("Consilium reviews held") == 1
    assert built.value("Families with a final assessment in the period") == 3
    assert built.value("Mean preliminary assessment") == pytest.approx(9.5 / 3)
    assert built.value("Mean final assessment") == pytest.approx(3.0)
    assert built.value("Mean change") == pytest.approx(-0.5 / 3)
    assessed = "Assessment before and after"
    assert rows[(assessed, "Improved")] == (1, "1 of 3")
    assert rows[(assessed, "Worse")] == (1, "1 of 3")
    now = "Cases on 23.11.2026"
    assert rows[(now, "Open cases")] == (3, "")
    assert rows[(now, "With a consilium review overdue")] == (1, "1 of 3")
    assert rows[(now, "Consilium reviews overdue")] == (1, "")

    # A period that does not include today has no "cases on" section.
    october = await report.build(
        session,
        w.boss,
        OCTOBER,
        Scope(),
        today=TODAY,
        content=CONTENT,
        locale="ru",
        gettext=Translator(I18N, "ru").gettext,
    )
    titles = [section.title for section in october.sections]
    assert not any(title.startswith("Случаи на") for title in titles)
    assert "Оценка до и после" in titles
    assert october.value("Охвачено детей") == 3  # F1 and F2 were active in October too


# --- /export -------------------------------------------------------------------------------------


async def _export(engine: AsyncEngine, w: World, tmp_path: Path, locale: str) -> Path:
    summary = await write_workbook(
        create_sessionmaker(engine),
        w.boss,
        NOVEMBER,
        locale=locale,
        gettext=Translator(I18N, locale).gettext,
        content=CONTENT,
        path=tmp_path / export_filename(NOVEMBER),
        now=NOW,
    )
    assert {k: summary.rows[k] for k in ("requests", "members", "assessments", "consiliums")} == {
        "requests": 3,
        "members": 6,  # not F6's child: F6 was closed in May
        "assessments": 5,  # rated in November
        "consiliums": 5,  # planned or held in November
    }
    return summary.path


def _sheet(path: Path, title: str) -> list[list[Any]]:
    return [list(row) for row in load_workbook(path)[title].iter_rows(values_only=True)]


async def test_export_sheets_in_russian(
    engine: AsyncEngine, session: AsyncSession, tmp_path: Path
) -> None:
    w = await world(session)
    await session.commit()
    path = await _export(engine, w, tmp_path, "ru")
    f1, f2, f3, f5 = (w.families[name] for name in ("F1", "F2", "F3", "F5"))

    requests = _sheet(path, "Обращения")
    assert requests[0] == [
        "Id семьи",
        "Дата обращения",
        "Как семья пришла в службу",
        "Запрос словами семьи",
        "Виды трудностей",
        "Уровень сопровождения",
        "Признаки уровня",
    ]
    assert requests[1:] == [
        [
            f2,
            datetime(2026, 11, 3),
            "Школа или детский сад",
            "Сын не ходит в школу",
            "Экономические; Психологические",
            "кризисный",
            "Неблагоприятное положение ребёнка; Жестокое обращение",
        ],
        [
            f5,
            datetime(2026, 11, 15),
            "Семья обратилась сама",
            None,
            "Экономические",
            "базовый",
            "Семья ощущает потребность в поддержке",
        ],
        [
            f3,
            datetime(2026, 11, 1),
            "КДНиЗП",
            None,
            None,
            "базовый",
            CONTENT.intake.label("level_signs", "felt_need", "ru"),
        ],
    ]

    members = _sheet(path, "Состав семей")
    assert members[0] == [
        "Id семьи",
        "Имя",
        "Год рождения",
        "Ребёнок или взрослый",
        "Кем приходится детям",
    ]
    assert members[1:] == [
        [f1, "Саша", 2015, "ребёнок", None],
        [f1, "старший", 2010, "ребёнок", None],
        [f1, "Ольга", 1988, "взрослый", "мама"],
        [f2, "Маша", 2019, "ребёнок", None],
        [f2, "Иван", 1980, "взрослый", "папа"],
        [f2, "бабушка", None, "взрослый", CONTENT.intake.label("relations", "grandparent", "ru")],
    ]
    # No family's name anywhere on the case's sheets.
    for title in ("Обращения", "Состав семей", "Оценки", "Консилиумы"):
        cells = {cell for row in _sheet(path, title) for cell in row}
        assert not {"F1", "F2", "F3", "F5"} & cells, title

    assessments = _sheet(path, "Оценки")
    assert assessments[0] == [
        "Id семьи",
        "Оценка",
        "Аспект",
        "Балл",
        "Дата оценки",
        "Примечание к оценке",
    ]
    children = CONTENT.assessment.aspect_name("children", "ru")
    assert assessments[1] == [f1, "итоговая", children, 4, datetime(2026, 11, 20), "спокойнее"]


async def test_export_sheets_in_english(
    engine: AsyncEngine, session: AsyncSession, tmp_path: Path
) -> None:
    w = await world(session)
    await session.commit()
    path = await _export(engine, w, tmp_path, "en")
    f1, f2, f3, f5 = (w.families[name] for name in ("F1", "F2", "F3", "F5"))
    book = load_workbook(path)
    # The case's sheets, then the four of evidence that change lasts (test_stats_evidence).
    first = book.sheetnames.index("Requests")  # in this order, wherever they stand
    assert book.sheetnames[first : first + 4] == [
        "Requests",
        "Make-up",
        "Assessments",
        "Consilium reviews",
    ]

    consiliums = _sheet(path, "Consilium reviews")
    assert consiliums[0] == [
        "Consilium id",
        "Family id",
        "Planned for",
        "Held on",
        "Cancelled on",
        "Outcome",
        "Participants who use the bot",
        "Other participants",
        "Decisions",
        "Next review",
    ]
    rows = [row[1:] for row in consiliums[1:]]
    assert rows == [
        [
            f1,
            datetime(2026, 11, 12),
            datetime(2026, 11, 12),
            None,
            "change the plan",
            1,
            "психолог ЦСОН",
            2,
            datetime(2026, 12, 20),
        ],
        [f1, datetime(2026, 11, 23), None, None, None, 0, None, 0, None],
        [f2, datetime(2026, 11, 20), None, None, None, 0, None, 0, None],
        # Cancelled at 12:00 UTC on 30 October: 15:00 in Moscow.
        [f5, datetime(2026, 11, 1), None, datetime(2026, 10, 30, 15, 0), None, 0, None, 0, None],
        [f3, datetime(2026, 11, 2), None, None, None, 0, None, 0, None],
    ]
    assert "обсудили школу" not in {cell for row in consiliums for cell in row}  # never the note

    assessments = _sheet(path, "Assessments")
    # By family (a preliminary one before the final ones); only what was rated in November.
    assert [(row[0], row[1], row[2], row[3]) for row in assessments[1:]] == [
        (f1, "final", CONTENT.assessment.aspect_name("children", "en"), 4),
        (f2, "final", CONTENT.assessment.aspect_name("children", "en"), 3),
        (f3, "final", CONTENT.assessment.aspect_name("children", "en"), 2),
        (f3, "final", CONTENT.assessment.aspect_name("adults", "en"), 3),
        (f5, "final", CONTENT.assessment.aspect_name("adults", "en"), 3),
    ]
    members = _sheet(path, "Make-up")
    assert members[3][3:] == ["adult", "mother"]
    assert members[1][3] == "child"
