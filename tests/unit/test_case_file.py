"""The case file (дело семьи) at the service level: the context built from known rows, section by
section; the DOCX rendered and read back with python-docx in Russian and English; people outside
the staff never named beyond the make-up's first names; the template's checks naming the file;
who may make it (coordinators, closed families too; not mentors or parents); the audit row; the
periods; and a fixed number of queries however long the history."""

from __future__ import annotations

import importlib.util
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content import Content
from bot.content.base import ContentError
from bot.content.case_file import CASE_FILE_PATH, VARIABLES, load_case_file
from bot.db.models import (
    AuditEntry,
    CaseAssessment,
    CaseRecord,
    CaseRequest,
    CaseStage,
    CloseReason,
    Consilium,
    ConsiliumDecision,
    Enrollment,
    FamilyLink,
    FamilyMember,
    HomeworkWeek,
    LevelChange,
    Meeting,
    MeetingDecision,
    MeetingFollowUp,
    MeetingParticipant,
    MeetingProcessAssessment,
    PlanTask,
    ProgrammeEvaluation,
    QuestionnaireFollowUp,
    Role,
    SocialMap,
    SocialMapPerson,
    SpecialistEvaluation,
    SrsResponse,
    SupportLevel,
    Visit,
)
from bot.i18n import Translator
from bot.i18n.telegram import create_i18n
from bot.services import case_file, families
from bot.services.access import Actor
from bot.services.errors import AccessDenied
from bot.services.stats import Period, RangeError
from tests.factories import make_person

CONTENT = Content()
I18N = create_i18n("ru")
MSK = "Europe/Moscow"
NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # Monday 23.11.2026, 10:00 in Moscow
YEAR = Period(date(2026, 1, 1), date(2026, 12, 31), MSK)
WORDS = "Хочу, чтобы сын снова ходил в школу <и не дрался> & всё\x07"
OUTSIDERS = ("Марина Иванова", "Анна Петровна", "Коля", "+7 900", "Бабушка Нина", "Дядя Ваня")


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


class World:
    boss: Actor
    mentor: Actor
    parent: Actor
    family_id: int


async def _link(session: AsyncSession, actor: Actor, family_id: int, kind: str) -> None:
    session.add(
        FamilyLink(family_id=family_id, person_id=actor.person_id, kind=kind, created_at=NOW)
    )


async def world(session: AsyncSession, *, visits: int = 3, meetings: int = 1) -> World:
    """A family with two years behind it: request, make-up, assessment, a level change, plan
    tasks, visits, meetings with decisions and SRS, two map snapshots, a programme, consiliums
    and the closing."""
    w = World()
    w.boss = await make_person(session, 1, Role.COORDINATOR, now=NOW)
    w.mentor = await make_person(session, 2, Role.MENTOR, now=NOW)
    w.parent = await make_person(session, 3, Role.PARENT, now=NOW)
    family = await families.add(
        session,
        w.boss,
        name="Ивановы",
        category="tzhs",
        support_level=SupportLevel.BASIC,
        timezone=MSK,
        known_categories={"tzhs"},
        now=at(date(2025, 3, 12)),
    )
    w.family_id = fid = family.id
    await _link(session, w.boss, fid, "curator")
    await _link(session, w.mentor, fid, "mentor")
    await _link(session, w.parent, fid, "parent")
    session.add(
        CaseRequest(
            family_id=fid,
            received_on=date(2025, 3, 10),
            source="kdn",
            words=WORDS,
            difficulties=["economic", "psychological"],
            level="crisis",
            level_signs=["child_unfavourable", "low_resources"],
            created_at=NOW,
            updated_at=NOW,
        )
    )
    for name, year, child, relation in [
        ("Марина", 1990, False, "mother"),
        ("Саша", 2015, True, None),
        ("младшая", None, True, None),
    ]:
        session.add(
            FamilyMember(
                family_id=fid,
                name=name,
                birth_year=year,
                is_child=child,
                relation=relation,
                created_at=NOW,
            )
        )
    for phase, aspect, score, note, day in [
        ("intake", "children", 2, "устаёт в школе", date(2025, 3, 15)),
        ("final", "children", 4, None, date(2026, 11, 1)),
        ("intake", "care", 3, None, date(2025, 3, 15)),
    ]:
        session.add(
            CaseAssessment(
                family_id=fid,
                phase=phase,
                aspect=aspect,
                score=score,
                note=note,
                assessed_on=day,
                created_at=NOW,
            )
        )
    session.add(
        LevelChange(
            family_id=fid,
            from_level="basic",
            to_level="crisis",
            source="card",
            reason="Жалоба школы",
            changed_at=at(date(2026, 2, 1)),
        )
    )
    tasks: list[tuple[str, str, date, int | None, str | None, str | None, datetime]] = [
        ("Оформить соцконтракт", "done", date(2026, 3, 1), w.mentor.person_id, None, None,
         at(date(2026, 2, 1))),
        ("Записать Сашу в секцию", "not_done", date(2026, 5, 1), w.parent.person_id, None,
         "нет мест", at(date(2026, 2, 1))),
        ("Поговорить со школой", "planned", date(2026, 11, 1), None, "школа", None,
         at(date(2026, 10, 1))),
        ("Старая задача", "done", date(2025, 6, 1), None, "Бабушка Нина", None,
         at(date(2025, 5, 1))),
    ]  # fmt: skip
    for title, status, due, who_id, who_text, note, created in tasks:
        session.add(
            PlanTask(
                family_id=fid,
                title=title,
                criteria="Сын ходит в школу" if status == "planned" else None,
                responsible_id=who_id,
                responsible_text=who_text,
                due_date=due,
                status=status,
                status_note=note,
                status_at=created + timedelta(days=20) if status != "planned" else None,
                created_at=created,
            )
        )
    visit_days = [date(2026, 2, 3) + timedelta(days=7 * i) for i in range(visits)]
    for index, day in enumerate([date(2025, 6, 1), *visit_days]):
        session.add(
            Visit(
                family_id=fid,
                mentor_id=w.mentor.person_id,
                visit_date=day,
                recorded_at=at(day),
                format="home" if index % 2 else "call",
                duration_minutes=90,
                methods=["observation", "curation"] if index % 2 else ["observation"],
                help_given=["social_contract"] if index % 2 else ["social_contract", "material"],
                situation=3,
                notes_text="Секретная заметка визита",
                draft_key=f"v{index}",
            )
        )
    session.add(  # deleted: not counted
        Visit(
            family_id=fid,
            mentor_id=w.mentor.person_id,
            visit_date=date(2026, 3, 3),
            recorded_at=NOW,
            format="home",
            duration_minutes=30,
            methods=["prevention"],
            help_given=["leisure"],
            situation=3,
            draft_key="deleted",
            deleted_at=NOW,
        )
    )
    await session.flush()
    for index in range(meetings):
        await _meeting(session, w, index)
    await _maps(session, fid)
    enrollment = Enrollment(
        family_id=fid,
        programme_code="semeyny_navigator",
        start_date=date(2026, 2, 2),
        release_weekday=0,
        release_time=datetime(2026, 1, 1, 18).time(),
        status="completed",
        created_at=NOW,
        entry_total=20,
        exit_total=30,
        completed_at=at(date(2026, 5, 1)),
    )
    session.add(enrollment)
    await session.flush()
    for months, total in ((6, 29), (12, 26)):
        session.add(
            QuestionnaireFollowUp(
                enrollment_id=enrollment.id,
                months=months,
                due_at=NOW,
                answered_at=NOW,
                answers={"a": total},
                total=total,
            )
        )
    session.add_all(
        [
            ProgrammeEvaluation(
                enrollment_id=enrollment.id,
                answers={"real_problems": 5, "benefit": 4},
                open_answer="Нас услышали",
                created_at=NOW,
            ),
            SpecialistEvaluation(
                enrollment_id=enrollment.id,
                engagement=4,
                homework=3,
                fit=5,
                further="case_plan",
                note="Нужна поддержка со школой",
                created_at=NOW,
            ),
        ]
    )
    for number in (1, 2, 3):
        released = at(date(2026, 2, 2) + timedelta(days=7 * (number - 1)), 15)
        session.add(
            HomeworkWeek(
                enrollment_id=enrollment.id,
                week_number=number,
                released_at=released,
                due_at=released + timedelta(days=3),
                late_until=released + timedelta(days=8),
                done_at=released + timedelta(days=1) if number < 3 else None,
            )
        )
    held = Consilium(
        family_id=fid,
        planned_on=date(2026, 4, 10),
        held_on=date(2026, 4, 10),
        outcome="change_plan",
        participant_ids=[w.boss.person_id, w.parent.person_id],
        participants_text="психолог ЦСОН",
        note="Семья справляется",
        next_review_on=date(2026, 8, 10),
        created_at=NOW,
    )
    session.add(held)
    session.add(Consilium(family_id=fid, planned_on=date(2026, 8, 10), created_at=NOW))
    await session.flush()
    session.add(
        ConsiliumDecision(
            consilium_id=held.id,
            what="Подключить психолога",
            who="ЦСОН",
            due_on=date(2026, 5, 1),
            created_at=NOW,
        )
    )
    session.add(
        CaseRecord(
            family_id=fid,
            stage=CaseStage.FINAL_MONITORING.value,
            stage_at=NOW,
            plan_approved_at=at(date(2026, 1, 15)),
            plan_approved_by_id=w.boss.person_id,
            final_meeting_date=date(2026, 11, 20),
            final_summary="Сын ходит в школу, долгов нет",
            words_before="Было очень тяжело",
            words_after="Стало легче дышать",
        )
    )
    await session.flush()
    await families.close_family(
        session, w.boss, fid, CloseReason.IMPROVEMENT, "Снята с учёта", at(date(2026, 11, 21))
    )
    return w


async def _meeting(session: AsyncSession, w: World, index: int) -> None:
    meeting = Meeting(
        family_id=w.family_id,
        child_name="Саша",
        topic="Хочу ходить в школу",
        format="dialogue",
        starts_at=at(date(2026, 6, 10) + timedelta(days=index), 15),
        timezone=MSK,
        place="Центр",
        duration_minutes=120,
        facilitators="Ольга",
        contact="+7 900 000-00-00",
        note="Секретная заметка встречи",
        status="held",
        reason="crisis_conflict",
        created_at=NOW,
        draft_key=f"m{index}",
    )
    cancelled = Meeting(
        family_id=w.family_id,
        child_name="Саша",
        topic="Отменённая тема",
        format="process",
        starts_at=at(date(2026, 7, 1) + timedelta(days=index), 15),
        timezone=MSK,
        place="Центр",
        duration_minutes=60,
        facilitators="Ольга",
        contact="—",
        note="—",
        status="cancelled",
        created_at=NOW,
        draft_key=f"c{index}",
    )
    session.add_all([meeting, cancelled])
    await session.flush()
    session.add_all(
        [
            MeetingProcessAssessment(
                meeting_id=meeting.id,
                phases={"preparation": 3, "story": 3, "resources": 2, "ideas": 1, "plan": 0},
                reflection_note="Сеть услышала Сашу",
                created_at=NOW,
                updated_at=NOW,
            ),
            MeetingFollowUp(
                meeting_id=meeting.id,
                child_now="Ходит в школу",
                family_now="Спокойнее",
                new_map_needed=True,
                created_at=NOW,
            ),
        ]
    )
    people = []
    for name, relation, came in [
        ("Марина Иванова", "mother", True),
        ("Анна Петровна", "teacher", True),
        ("Коля", "friend", False),
    ]:
        person = MeetingParticipant(
            meeting_id=meeting.id,
            name=name,
            relation=relation,
            approved_by_child=True,
            phone="+7 900 111-22-33",
            attended=came,
            created_at=NOW,
        )
        session.add(person)
        people.append(person)
    await session.flush()
    for person, total in zip(people[:2], (38, 30), strict=True):
        session.add(
            SrsResponse(
                meeting_id=meeting.id,
                participant_id=person.id,
                scores={"relationship": total // 4},
                total=total,
                created_at=NOW,
            )
        )
    session.add(
        MeetingDecision(
            meeting_id=meeting.id,
            what="Найти секцию",
            who="мама",
            due_date=date(2026, 7, 1),
            created_at=NOW,
            done_at=at(date(2026, 6, 30)),
        )
    )


async def _maps(session: AsyncSession, family_id: int) -> None:
    before = SocialMap(
        family_id=family_id,
        child_name="Саша",
        child_key="саша",
        taken_on=date(2025, 12, 1),
        created_at=NOW,
    )
    after = SocialMap(
        family_id=family_id,
        child_name="Саша",
        child_key="саша",
        taken_on=date(2026, 6, 1),
        created_at=NOW,
    )
    session.add_all([before, after])
    await session.flush()
    for map_id, people in [
        (
            before.id,
            [
                ("a", "Марина Иванова", "mother", 1, "supportive"),
                ("b", "Анна Петровна", "teacher", 2, "neutral"),
                ("c", "Коля", "friend", 3, "conflictual"),
            ],
        ),
        (
            after.id,
            [
                ("a", "Марина Иванова", "mother", 1, "supportive"),
                ("b", "Анна Петровна", "teacher", 1, "supportive"),
                ("d", "Дядя Ваня", "neighbour", 2, "supportive"),
            ],
        ),
    ]:
        for key, name, relation, circle, nature in people:
            session.add(
                SocialMapPerson(
                    map_id=map_id,
                    key=key,
                    name=name,
                    relation=relation,
                    circle=circle,
                    nature=nature,
                    created_at=NOW,
                )
            )
    await session.flush()


async def context_of(
    session: AsyncSession, w: World, locale: str = "en", period: Period = YEAR
) -> dict[str, Any]:
    return await case_file.build(
        session,
        w.boss,
        w.family_id,
        period,
        content=CONTENT,
        locale=locale,
        gettext=Translator(I18N, locale).gettext,
        now=NOW,
    )


def document_text(data: bytes) -> str:
    """Every paragraph of the body, the tables' cells and the header, one per line."""
    document = Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    for section in document.sections:
        lines.extend(p.text for p in section.header.paragraphs)
    return "\n".join(lines)


# --- the context, section by section ----------------------------------------------------------


async def test_the_context_holds_every_section_from_the_rows(session: AsyncSession) -> None:
    w = await world(session)
    c = await context_of(session, w)
    assert set(c) == VARIABLES
    assert c["doc"] == {
        "period": "01.01.2026 – 31.12.2026",
        "made_on": "23.11.2026",
        "made_by": "P1",
    }
    assert c["family"]["curator"] == "P1" and c["family"]["mentors"] == "P2"
    assert c["family"]["stage"] == "closed" and c["family"]["level"] == "basic"

    request = c["request"]
    assert request["recorded"] and request["date"] == "10.03.2025"
    assert request["source"] == "Juvenile affairs commission (KDNiZP)"
    assert request["words"] == WORDS.replace("\x07", "")  # nothing the document cannot hold
    level = c["level"]
    assert level["at_intake"] == "crisis"
    assert level["changes"] == [
        {"date": "01.02.2026", "change": "basic → crisis", "why": "by a coordinator: Жалоба школы"}
    ]

    members = c["members"]
    assert (members["adults"], members["children"]) == (1, 2)
    assert members["rows"][0] == {"name": "Марина", "born": "1990", "age": "36", "who": "mother"}
    assert members["rows"][2] == {"name": "младшая", "born": "unknown", "age": "—", "who": "child"}

    rows = {r["aspect"]: r for r in c["assessment"]["rows"]}
    assert rows["Children's functioning"]["before"].startswith("2 · ")
    assert rows["Children's functioning"]["after"].startswith("4 · ")
    assert rows["Children's functioning"]["change"] == "+2.0"
    assert rows["Children's functioning"]["notes"] == "before: устаёт в школе"
    assert c["assessment"]["average"] == "2.5 → 4.0 (+2.0)"

    plan = c["plan"]
    assert plan["approved"] == "The plan was approved on 15.01.2026 by P1."
    assert [t["title"] for t in plan["tasks"]] == [
        "Оформить соцконтракт",
        "Записать Сашу в секцию",
        "Поговорить со школой",
    ]  # the 2025 task was done before the period
    assert [t["responsible"] for t in plan["tasks"]] == ["P2", "a parent", "школа"]
    assert plan["tasks"][1]["status"] == "not done: нет мест"
    assert "open: 1 (overdue: 1)" in plan["summary"]

    visits = c["visits"]
    assert visits["count"] == 3 and "from 03.02.2026 to 17.02.2026" in visits["summary"]
    assert visits["by_whom"] == [{"name": "P2", "count": 3}]
    assert visits["help"] == [
        {"label": "Social contract", "count": 3},
        {"label": "Material help", "count": 1},
    ]
    assert visits["methods"][0] == {"label": "Observation", "count": 3}
    assert visits["hours"] == "4.5"

    (meeting,) = c["meetings"]  # the cancelled one is left out
    assert meeting["date"] == "10.06.2026 18:00" and meeting["child"] == "Саша"
    assert meeting["came"] == "mother, teacher or carer"
    assert meeting["srs"] == "answers: 2, mean total 34.0 of 40; under 36: 1."
    assert meeting["decisions"] == [
        {"what": "Найти секцию", "who": "мама", "due": "01.07.2026", "done": "30.06.2026"}
    ]

    (card,) = c["maps"]
    assert card["child"] == "Саша" and card["dates"] == "01.12.2025 → 01.06.2026"
    assert card["lines"] == [
        "People on the map: 3 → 3.",
        "Supportive ties: 1 → 3; conflictual: 1 → 0.",
        "Appeared: neighbour.",
        "Left: friend.",
        "Came closer: teacher or carer.",
    ]

    (programme,) = c["programmes"]
    assert programme["title"] == "Family Navigator" and programme["weeks"] == "2 of 3"
    assert programme["change"] == (
        "20 → 30 (8–40); positive dynamics; after 6 months: 29 (change kept); "
        "after 12 months: 26 (change not kept)"
    )
    assert programme["evaluations"] == [
        "The family's evaluation: 4.5 of 5 on average.",
        "In the family's words: Нас услышали",
        "The specialists' evaluation: engagement 4, homework 3, the programme's fit 5 (of 5); "
        "further work: yes: within the case plan.",
        "Нужна поддержка со школой",
    ]
    assert meeting["reason"] == "Crisis and conflicts in the family"
    assert meeting["process"] == "furthest phase reached: Ideas and proposals. Сеть услышала Сашу"
    assert meeting["follow_up"] == [
        "The child now: Ходит в школу",
        "The family now: Спокойнее",
        "Needed next: a new social map.",
    ]

    held, planned = c["consiliums"]
    assert held["heading"] == "10.04.2026 · change the plan"
    assert held["participants"] == "P1, психолог ЦСОН"  # the parent is not named
    assert held["decisions"] == [
        {"what": "Подключить психолога", "who": "ЦСОН", "due": "01.05.2026"}
    ]
    assert held["next_review"] == "10.08.2026"
    assert planned["heading"] == "10.08.2026: planned" and planned["outcome"] == "—"

    closing = c["closing"]
    assert closing["closed"] and closing["date"] == "21.11.2026"
    assert closing["reason"] == "situation improved (taken off the register)"
    assert closing["final_meeting"] == "20.11.2026"
    assert closing["words_before"] == "Было очень тяжело"
    assert closing["words_after"] == "Стало легче дышать"


async def test_a_period_narrows_the_history_but_keeps_the_frame(session: AsyncSession) -> None:
    w = await world(session)
    c = await context_of(session, w, period=Period(date(2025, 1, 1), date(2025, 12, 31), MSK))
    assert c["visits"]["count"] == 1 and c["meetings"] == [] and c["consiliums"] == []
    assert [t["title"] for t in c["plan"]["tasks"]] == ["Старая задача"]
    assert c["plan"]["tasks"][0]["responsible"] == "Бабушка Нина"  # typed words, as written
    assert c["maps"][0]["dates"] == "the map of 01.12.2025"
    assert c["request"]["recorded"] and c["members"]["rows"] and c["closing"]["closed"]


# --- the document -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (
            "ru",
            [
                "Дело семьи",
                "Конфиденциально: содержит персональные данные",
                "Ивановы, № ",
                "Дата обращения | 10.03.2025",
                "Как семья пришла в службу | КДНиЗП",
                "Запрос словами семьи | " + WORDS.replace("\x07", ""),
                "Виды трудностей | Экономические, Психологические",
                "Марина | 1990 | 36 | мама",
                "младшая | неизвестен | — | ребёнок",
                "Социальный контракт | 3",
                "Визитов: 3, с 03.02.2026 по 17.02.2026; всего часов: 4,5.",
                "Кто пришёл: мама, педагог или воспитатель",
                "Найти секцию | мама | 01.07.2026 | 30.06.2026",
                "Появились: сосед.",
                "Семейный навигатор | 02.02.2026 | завершена | 2 из 3",
                "через 6 мес.: 29 (изменения сохранились)",
                "Оценка семьи: в среднем 4,5 из 5.",
                "Почему собрали встречу: Кризис и конфликты в семье",
                "Через две недели:",
                "Ребёнок сейчас: Ходит в школу",
                "Подключить психолога | ЦСОН | 01.05.2026",
                "Слова семьи: до | Было очень тяжело",
                "Слова семьи: после | Стало легче дышать",
            ],
        ),
        (
            "en",
            [
                "Case file of the family",
                "The request in the family's words | " + WORDS.replace("\x07", ""),
                "How the family came | Juvenile affairs commission (KDNiZP)",
                "Марина | 1990 | 36 | mother",
                "Social contract | 3",
                "Who came: mother, teacher or carer",
                "Family Navigator | 02.02.2026 | completed | 2 of 3",
                "The family's words: after | Стало легче дышать",
            ],
        ),
    ],
)
async def test_the_docx_reads_back_what_was_entered(
    session: AsyncSession, locale: str, expected: list[str]
) -> None:
    w = await world(session)
    data = case_file.render(CONTENT.case_file, await context_of(session, w, locale))
    text = document_text(data)
    for line in expected:
        assert line in text, line
    assert "{{" not in text and "{%" not in text
    assert Document(io.BytesIO(data)).core_properties.title == expected[0]  # the title too
    for outsider in OUTSIDERS:  # only the make-up's first names, never a phone
        assert outsider not in text, outsider
    assert "Секретная заметка" not in text


async def test_an_empty_case_still_makes_a_document(session: AsyncSession) -> None:
    boss = await make_person(session, 1, Role.COORDINATOR, now=NOW)
    family = await families.add(
        session,
        boss,
        name="Петровы",
        category="tzhs",
        support_level=SupportLevel.BASIC,
        timezone=MSK,
        known_categories={"tzhs"},
        now=NOW,
    )
    context = await case_file.build(
        session, boss, family.id, YEAR, content=CONTENT, locale="ru",
        gettext=Translator(I18N, "ru").gettext, now=NOW,
    )  # fmt: skip
    text = document_text(case_file.render(CONTENT.case_file, context))
    assert "Не записано." in text and "За период — нет." in text and "Случай открыт." in text
    assert "План пока не утверждён." in text


def test_the_file_name_holds_no_family_name() -> None:
    assert case_file.filename(12, date(2026, 11, 23)) == "delo_12_2026-11-23.docx"


# --- the template -------------------------------------------------------------------------------


def _docx(tmp_path: Path, *paragraphs: str) -> Path:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    path = tmp_path / "case_file.docx"
    document.save(str(path))
    return path


def test_the_shipped_template_uses_the_case_files_variables() -> None:
    assert load_case_file(CASE_FILE_PATH).variables == VARIABLES


def test_the_script_makes_the_shipped_template(tmp_path: Path) -> None:
    script = Path(__file__).resolve().parents[2] / "scripts" / "make_case_file_template.py"
    spec = importlib.util.spec_from_file_location("make_case_file_template", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    target = tmp_path / "case_file.docx"
    assert module.main(["make", str(target)]) == 0
    made, shipped = Document(str(target)), Document(str(CASE_FILE_PATH))
    assert [p.text for p in made.paragraphs] == [p.text for p in shipped.paragraphs]
    assert load_case_file(target).variables == VARIABLES


@pytest.mark.parametrize(
    ("paragraphs", "problem"),
    [
        (["{{ family.name }}", "{{ secrets }}"], "unknown variables ['secrets']"),
        (["{% if request.recorded %}"], "a template tag does not parse"),
        (["{{ family.name"], "a template tag does not parse"),
    ],
)
def test_a_broken_template_is_named_with_its_problem(
    tmp_path: Path, paragraphs: list[str], problem: str
) -> None:
    path = _docx(tmp_path, *paragraphs)
    with pytest.raises(ContentError) as caught:
        load_case_file(path)
    assert str(caught.value).startswith(str(path)) and problem in str(caught.value)


def test_a_missing_or_foreign_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="file is missing") as caught:
        load_case_file(tmp_path / "case_file.docx")
    assert str(tmp_path) in str(caught.value)
    (tmp_path / "case_file.docx").write_text("not a document")
    with pytest.raises(ContentError, match=r"case_file\.docx: not a Word document"):
        load_case_file(tmp_path / "case_file.docx")


def test_a_letterhead_with_fewer_variables_is_fine(tmp_path: Path) -> None:
    path = _docx(tmp_path, "ЦСОН «Надежда»", "{{ t.title }}: {{ family.name }}")
    assert load_case_file(path).variables == {"t", "family"}


# --- who may, the audit, the periods ---------------------------------------------------------


async def test_coordinators_may_mentors_and_parents_may_not(session: AsyncSession) -> None:
    w = await world(session)  # the family is closed: coordinators still may
    assert (await case_file.require(session, w.boss, w.family_id)).id == w.family_id
    other = await make_person(session, 9, Role.COORDINATOR, now=NOW)  # not the curator
    assert await case_file.may_make(session, other, w.family_id)
    for refused in (w.mentor, w.parent):
        with pytest.raises(AccessDenied):
            await context_of(session, _as(w, refused))
    assert case_file.shows_button(w.boss) and not case_file.shows_button(w.mentor)
    assert not case_file.shows_button(None)


def _as(w: World, actor: Actor) -> World:
    copy = World()
    copy.boss, copy.mentor, copy.parent, copy.family_id = actor, w.mentor, w.parent, w.family_id
    return copy


async def test_each_case_file_is_audited_with_the_family_and_the_period(
    session: AsyncSession,
) -> None:
    w = await world(session)
    await context_of(session, w)
    (entry,) = await session.scalars(select(AuditEntry).where(AuditEntry.action == "case.file"))
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        w.boss.person_id,
        "family",
        w.family_id,
    )
    assert entry.details == {"start": "2026-01-01", "end": "2026-12-31"}


async def test_the_periods_are_the_familys_calendar(session: AsyncSession) -> None:
    w = await world(session)
    whole = await case_file.period_for(
        session, w.boss, w.family_id, case_file.PeriodKind.WHOLE, NOW
    )
    assert (whole.start, whole.end, whole.timezone) == (date(2025, 3, 10), date(2026, 11, 23), MSK)
    year = await case_file.period_for(session, w.boss, w.family_id, case_file.PeriodKind.YEAR, NOW)
    assert (year.start, year.end) == (date(2026, 1, 1), date(2026, 12, 31))
    last = await case_file.period_for(
        session, w.boss, w.family_id, case_file.PeriodKind.LAST_12_MONTHS, NOW
    )
    assert (last.start, last.end) == (date(2025, 11, 24), date(2026, 11, 23))
    typed = await case_file.typed_period(session, w.boss, w.family_id, "01.02.2026 – 31.03.2026")
    assert (typed.start, typed.end) == (date(2026, 2, 1), date(2026, 3, 31))
    with pytest.raises(RangeError):
        await case_file.typed_period(session, w.boss, w.family_id, "31.03.2026 – 01.02.2026")
    with pytest.raises(AccessDenied):
        await case_file.period_for(session, w.mentor, w.family_id, case_file.PeriodKind.YEAR, NOW)


async def test_the_number_of_queries_does_not_grow_with_the_history(
    session: AsyncSession,
) -> None:
    async def statements(visits: int, meetings: int) -> int:
        w = await world(session, visits=visits, meetings=meetings)
        counted: list[str] = []
        engine = session.get_bind()

        def count(*_args: Any) -> None:
            counted.append("")

        event.listen(engine, "before_cursor_execute", count)
        try:
            await context_of(session, w)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(counted)

    small = await statements(visits=1, meetings=1)
    await session.rollback()
    big = await statements(visits=40, meetings=6)
    assert big == small and small <= 30
