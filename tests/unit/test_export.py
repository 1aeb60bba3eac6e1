"""The /export workbook against the known rows of tests.stats_world.build: every sheet's rows,
headers per language, local dates, labels for codes, the sheet set-up, access and audit."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.content import Content
from bot.db.engine import create_sessionmaker
from bot.db.models import (
    AuditEntry,
    CaseRecord,
    HomeworkAnswer,
    HomeworkWeek,
    Meeting,
    PlanTask,
    Role,
    SocialMap,
    SocialMapPerson,
)
from bot.i18n import Translator
from bot.i18n.telegram import create_i18n
from bot.services.access import Actor
from bot.services.errors import AccessDenied
from bot.services.export import SHEETS, ExportSummary, export_filename, write_workbook
from bot.services.stats import Period, Scope
from bot.services.xlsx import XlsxWriter
from tests.factories import make_person
from tests.stats_world import MSK, NOVEMBER, NOW, World, at, build

CONTENT = Content()
I18N = create_i18n("ru")
EXPECTED_ROWS = {
    "families": 5,  # F1–F5; F6 closed in May
    "visits": 5,  # live November visits
    "homework": 4,
    "answers": 2,  # the October answer is outside
    "meetings": 4,  # held, planned and cancelled alike; the October one is outside
    "participants": 8,
    "srs": 3,
    "concerns": 3,
    "plan_tasks": 3,  # open, done and not done in November; not the October one or F6's
    "social_maps": 3,  # two people on the 3 November snapshot, the empty 20 November one
    # The case's sheets (tests/unit/test_stats_case.py fills them): no rows in this world.
    "requests": 0,
    "members": 0,
    "assessments": 0,
    "consiliums": 0,
    # Evidence that change lasts (tests/unit/test_stats_evidence.py fills them): the four
    # enrolments in play in November; no evaluations or decisions in this world.
    "enrolments": 4,
    "family_evaluations": 0,
    "specialist_evaluations": 0,
    "decisions": 0,
    # The mentors' registry as it is now, whatever the period: this world's three mentors.
    "mentors": 3,
}


async def _answers(session: AsyncSession) -> None:
    """Two answers in November (one a text that looks like a formula), one in October."""
    week = await session.scalar(select(HomeworkWeek).order_by(HomeworkWeek.id).limit(1))
    assert week is not None
    for kind, text, moment in (
        ("text", '=HYPERLINK("x")\x07 наш ответ', at(date(2026, 11, 3), 21)),
        ("photo", None, at(date(2026, 11, 4))),
        ("text", "old", at(date(2026, 10, 30))),
    ):
        session.add(
            HomeworkAnswer(
                homework_week_id=week.id,
                kind=kind,
                text=text,
                file_id=None if text else "photo-file",
                created_at=moment,
            )
        )
    await session.flush()


async def _export(
    engine: AsyncEngine, actor: Actor, tmp_path: Path, locale: str, period: Period = NOVEMBER
) -> ExportSummary:
    return await write_workbook(
        create_sessionmaker(engine),
        actor,
        period,
        locale=locale,
        gettext=Translator(I18N, locale).gettext,
        content=CONTENT,
        path=tmp_path / export_filename(period),
        now=NOW,
    )


async def _plans_and_maps(session: AsyncSession, world: World) -> None:
    """F1's plan: open (its mentor responsible), done on 10 November («школа»), not done on
    12 November (nobody), done in October (outside), added in December (outside); an open task
    of F6, closed in May (outside). F2 has its plan approved; F3, closed on 5 November, had its
    final meeting on the 4th. Saša's map in F1: 1 October (outside), 3 November with two
    people, 20 November with nobody."""
    f1, f2, f3, f6 = (world.families[name] for name in ("F1", "F2", "F3", "F6"))
    for family_id, title, status, changed, responsible_id, text, created in (
        (f1, "Оформить пособие", "planned", None, world.mentor1.person_id, None, 10),
        (f1, "Записать в кружок", "done", date(2026, 11, 10), None, "школа", 10),
        (f1, "Сходить к врачу", "not_done", date(2026, 11, 12), None, None, 10),
        (f1, "Старая задача", "done", date(2026, 10, 5), None, None, 1),
        (f1, "Новая задача", "planned", None, None, None, 62),
        (f6, "Задача закрытой семьи", "planned", None, None, None, 1),
    ):
        session.add(
            PlanTask(
                family_id=family_id,
                title=title,
                responsible_id=responsible_id,
                responsible_text=text,
                due_date=date(2026, 11, 20),
                status=status,
                status_at=at(changed) if changed else None,
                status_note="заболели" if status == "not_done" else None,
                created_at=at(date(2026, 10, 1)) + timedelta(days=created),
            )
        )
    session.add(CaseRecord(family_id=f2, stage="plan_approved", stage_at=at(date(2026, 2, 1))))
    session.add(
        CaseRecord(
            family_id=f3,
            stage="closed",
            stage_at=at(date(2026, 11, 5)),
            final_meeting_date=date(2026, 11, 4),
            final_summary="итог",
        )
    )
    for day, people in ((date(2026, 10, 1), 1), (date(2026, 11, 3), 2), (date(2026, 11, 20), 0)):
        snapshot = SocialMap(
            family_id=f1, child_name="Саша", child_key="саша", taken_on=day, created_at=at(day)
        )
        session.add(snapshot)
        await session.flush()
        for key, name, relation, circle, nature in (
            ("k-mum", "Мама", "mother", 1, "supportive"),
            ("k-kolya", "Коля", "friend", 2, "conflictual"),
        )[:people]:
            session.add(
                SocialMapPerson(
                    map_id=snapshot.id,
                    key=key,
                    name=name,
                    relation=relation,
                    circle=circle,
                    nature=nature,
                    created_at=at(day),
                )
            )
    await session.flush()


def _rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    book = load_workbook(path)
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in book}


def _workbooks_in(directory: Path) -> list[Path]:
    return list(directory.glob("*.xlsx"))


async def _built(session: AsyncSession) -> Actor:
    world = await build(session)
    await _answers(session)
    await _plans_and_maps(session, world)
    await session.commit()
    return world.boss


async def test_every_sheet_has_the_period_rows_in_russian(
    engine: AsyncEngine, session: AsyncSession, tmp_path: Path
) -> None:
    boss = await _built(session)
    summary = await _export(engine, boss, tmp_path, "ru")
    assert summary.rows == EXPECTED_ROWS
    assert summary.path.name == "export_2026-11-01_2026-11-30.xlsx"
    sheets = _rows(summary.path)
    assert list(sheets) == [
        "Семьи",
        "Визиты",
        "Домашние задания",
        "Ответы",
        "Встречи",
        "Участники",
        "SRS",
        "Тревоги",
        "Задачи планов",
        "Карты связей",
        "Обращения",
        "Состав семей",
        "Оценки",
        "Консилиумы",
        "Участие в программах",
        "Оценка программы семьёй",
        "Оценка программы специалистами",
        "Решения встреч",
        "Наставники",
    ]
    for sheet, (title, rows) in zip(SHEETS, list(sheets.items())[: len(SHEETS)], strict=True):
        assert len(rows) - 1 == EXPECTED_ROWS[sheet.code], title
        assert len(rows[0]) == len(sheet.columns)
    families = sheets["Семьи"]
    assert families[0][:4] == ("Id семьи", "Семья", "Категория", "Уровень сопровождения")
    by_name = {row[1]: row for row in families[1:]}
    assert by_name["F2"][3] == "кризисный"
    assert by_name["F3"][6] == "снята с учёта по улучшению"
    assert by_name["F3"][5] == datetime(2026, 11, 5, 15, 0)  # 12:00 UTC is 15:00 in Moscow
    assert by_name["F1"][2] == CONTENT.category_label("tzhs", "ru")
    assert families[0][8:] == ("Этап случая", "Итоговая встреча")
    assert by_name["F1"][8:] == ("обращение и диагностика", None)
    assert by_name["F2"][8:] == ("план утверждён", None)
    assert by_name["F3"][8:] == ("закрыт", datetime(2026, 11, 4))


async def test_english_headers_labels_and_local_dates(
    engine: AsyncEngine, session: AsyncSession, tmp_path: Path
) -> None:
    boss = await _built(session)
    summary = await _export(engine, boss, tmp_path, "en")
    book = load_workbook(summary.path)
    assert book.sheetnames[0] == "Families"
    visits = book["Visits"]
    header = [c.value for c in visits[1]]
    assert header[:6] == ["Visit id", "Family id", "Family", "Mentor id", "Mentor", "Visit date"]
    assert visits.freeze_panes == "A2"
    assert visits.auto_filter.ref == f"A1:P{EXPECTED_ROWS['visits'] + 1}"
    assert visits["A1"].font.b
    assert visits.column_dimensions["A"].width >= len("Visit id")
    first = [c.value for c in visits[2]]
    assert first[5] == datetime(2026, 11, 2)  # a visit's day, as an Excel date
    assert visits["F2"].number_format == "YYYY-MM-DD"
    assert first[6] == CONTENT.visits.label("formats", "home", "en")
    assert visits["P2"].number_format == "YYYY-MM-DD HH:MM"
    assert first[15] == datetime(2026, 11, 2, 15, 0)

    answers = [[c.value for c in row] for row in book["Answers"].iter_rows()]
    assert answers[1][5] == datetime(2026, 11, 4, 0, 0)  # 21:00 UTC is past midnight in Moscow
    assert answers[1][6:] == ["text", '=HYPERLINK("x") наш ответ', "no"]
    assert book["Answers"]["H2"].data_type == "s"  # text, never a formula
    assert answers[2][6:8] == ["photo", "photo"]

    participants = [[c.value for c in row] for row in book["Participants"].iter_rows()]
    assert participants[1][5] == "friend"
    assert {row[9] for row in participants[1:]} == {
        "I'll come",
        "Not sure yet",
        "I can't come",
        None,
    }
    srs = [[c.value for c in row] for row in book["SRS"].iter_rows()]
    assert srs[0][6:11] == [
        "SRS: relationship",
        "SRS: goals and topics",
        "SRS: approach or method",
        "SRS: overall",
        "SRS total",
    ]
    assert sorted(row[10] for row in srs[1:]) == [30, 38, 40]
    concerns = [[c.value for c in row] for row in book["Concerns"].iter_rows()]
    assert sorted((row[8] for row in concerns[1:]), key=lambda m: m or 0) == [None, 30, 90]

    tasks = [[c.value for c in row] for row in book["Plan tasks"].iter_rows()]
    assert tasks[0] == [
        "Task id",
        "Family id",
        "Family",
        "Task",
        "Status",
        "Responsible",
        "Deadline",
        "Added",
        "Done",
        "Not done",
        "Why not done",
    ]
    assert [row[3:] for row in tasks[1:]] == [
        [
            "Оформить пособие",
            "planned",
            "mentor",
            datetime(2026, 11, 20),
            datetime(2026, 10, 11, 15, 0),
            None,
            None,
            None,
        ],
        [
            "Записать в кружок",
            "done",
            "written in words",  # the kind, never the typed words
            datetime(2026, 11, 20),
            datetime(2026, 10, 11, 15, 0),
            datetime(2026, 11, 10, 15, 0),
            None,
            None,
        ],
        [
            "Сходить к врачу",
            "not done",
            "not assigned",
            datetime(2026, 11, 20),
            datetime(2026, 10, 11, 15, 0),
            None,
            datetime(2026, 11, 12, 15, 0),
            "заболели",
        ],
    ]
    maps = [[c.value for c in row] for row in book["Social maps"].iter_rows()]
    assert maps[0][2:] == [
        "Snapshot date",
        "Child",
        "Person id",
        "Name",
        "Relation",
        "Circle",
        "Tie",
    ]
    assert [row[2:] for row in maps[1:]] == [
        [datetime(2026, 11, 3), "Саша", "k-mum", "Мама", "mother", 1, "supportive"],
        [datetime(2026, 11, 3), "Саша", "k-kolya", "Коля", "friend", 2, "conflictual"],
        [datetime(2026, 11, 20), "Саша", None, None, None, None, None],
    ]


async def test_nothing_given_is_an_empty_cell_never_an_empty_string(
    engine: AsyncEngine, session: AsyncSession, tmp_path: Path
) -> None:
    boss = await _built(session)
    # Texts left empty (as retention leaves a meeting's place and facilitators) and visits
    # where no help or method was chosen (the known rows have those already).
    meeting = await session.scalar(select(Meeting).order_by(Meeting.id).limit(1))
    assert meeting is not None
    meeting.place, meeting.facilitators = "", "   "
    await session.commit()
    for locale in ("ru", "en"):
        summary = await _export(engine, boss, tmp_path, locale)
        sheets = _rows(summary.path)
        empty = [
            (title, number, index)
            for title, rows in sheets.items()
            for number, row in enumerate(rows, start=1)
            for index, value in enumerate(row)
            if isinstance(value, str) and not value.strip()
        ]
        assert empty == [], locale
    visits = sheets["Visits"]
    help_given = visits[0].index("Help given")
    assert visits[0][help_given - 1] == "Methods"
    assert {row[help_given] for row in visits[1:]} == {None}  # no help recorded: no value
    assert {row[help_given - 1] for row in visits[1:]} == {None}


async def test_an_empty_period_gives_headers_only(
    engine: AsyncEngine, session: AsyncSession, tmp_path: Path
) -> None:
    boss = await _built(session)
    summary = await _export(
        engine, boss, tmp_path, "ru", Period(date(2025, 1, 1), date(2025, 1, 31), MSK)
    )
    assert summary.empty
    for title, rows in _rows(summary.path).items():
        assert len(rows) == (1 + 3 if title == "Наставники" else 1), title  # the registry now
    book = load_workbook(summary.path)
    assert book["Семьи"].auto_filter.ref == "A1:J1"
    assert book["Семьи"].freeze_panes == "A2"


async def test_the_export_is_audited_once_with_counts(
    engine: AsyncEngine, session: AsyncSession, tmp_path: Path
) -> None:
    boss = await _built(session)
    await _export(engine, boss, tmp_path, "ru")
    entries = (
        await session.scalars(select(AuditEntry).where(AuditEntry.action == "data.export"))
    ).all()
    assert len(entries) == 1
    assert entries[0].actor_id == boss.person_id
    assert entries[0].details == {"start": "2026-11-01", "end": "2026-11-30", "rows": EXPECTED_ROWS}


async def test_only_coordinators_may_export(
    engine: AsyncEngine, session: AsyncSession, tmp_path: Path
) -> None:
    world = await build(session)
    parent = await make_person(session, 21, Role.PARENT, now=NOW)
    await session.commit()
    for who in (world.mentor1, parent):
        with pytest.raises(AccessDenied):
            await _export(engine, who, tmp_path, "ru")
    # Roles are read when the job runs: a coordinator whose role is gone is refused too.
    stale = Actor(world.mentor1.person_id, world.mentor1.telegram_id, frozenset({Role.COORDINATOR}))
    with pytest.raises(AccessDenied):
        await _export(engine, stale, tmp_path, "ru")
    assert not _workbooks_in(tmp_path)
    audited = await session.scalars(select(AuditEntry).where(AuditEntry.action == "data.export"))
    assert not audited.all()


async def test_a_scope_narrows_the_rows(
    engine: AsyncEngine, session: AsyncSession, tmp_path: Path
) -> None:
    world = await build(session)
    await session.commit()
    summary = await write_workbook(
        create_sessionmaker(engine),
        world.boss,
        NOVEMBER,
        locale="ru",
        gettext=Translator(I18N, "ru").gettext,
        content=CONTENT,
        path=tmp_path / "x.xlsx",
        now=NOW + timedelta(minutes=1),
        scope=Scope(mentor_id=world.mentor2.person_id),
    )
    assert (summary.rows["families"], summary.rows["visits"], summary.rows["meetings"]) == (2, 1, 1)


def test_the_writer_keeps_values_and_positions(tmp_path: Path) -> None:
    path = tmp_path / "w.xlsx"
    book = XlsxWriter(path, "DD.MM.YYYY", "DD.MM.YYYY HH:MM")
    stream = book.sheet(
        "A 'quoted' & long sheet name that is cut here", ["a", "b", "c", "d"], [8] * 4
    )
    stream.append(
        [
            ["<b>&</b>", None, "  spaced ", 1.5],
            ["=SUM(A1)", "tab\there\x01", date(2026, 1, 2), datetime(2026, 1, 2, 13, 30)],
            ["", "  ", "\x01", None],  # nothing to read: empty cells, never empty strings
        ]
    )
    book.closed(stream)
    book.close()
    ws = load_workbook(path).active
    assert ws.title == "A 'quoted' & long sheet name th"
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[1] == ["<b>&</b>", None, "  spaced ", 1.5]
    assert rows[2] == ["=SUM(A1)", "tab\there", datetime(2026, 1, 2), datetime(2026, 1, 2, 13, 30)]
    assert rows[3] == [None, None, None, None]
    assert ws["A3"].data_type == "s" and ws["A1"].font.b and ws.auto_filter.ref == "A1:D4"
    assert ws["D3"].number_format == "DD.MM.YYYY HH:MM"
