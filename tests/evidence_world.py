"""Evidence that change lasts, on top of tests/stats_world.py's November 2026: follow-ups of
completed programmes, the two evaluations, meetings' reasons and decisions with their outcomes,
and one more family taken off the register for improvement (without a meeting). Rows outside
November that must not count are marked. The expected figures are the constants below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    Enrollment,
    EnrollmentStatus,
    Family,
    Meeting,
    MeetingDecision,
    ProgrammeEvaluation,
    QuestionnaireFollowUp,
    SpecialistEvaluation,
)
from tests.stats_world import MSK, World, at

# Of the programmes completed with positive dynamics followed up in November (F6's, F4's and
# F1's earlier one), two kept the change at their latest follow-up.
LASTING = (3, 2)
LASTING_BY_MONTHS = [(6, 2, 1), (12, 1, 1)]  # (months, followed, kept)
REASONS = {"abuse": 1, "crisis_conflict": 1, None: 1}  # the cancelled meeting's is not counted
# taken, by their date, later, marked not done, open, overdue on 23 November
DECISIONS = (5, 1, 1, 1, 2, 1)
IMPROVED = (2, 1)  # closed for improvement in November, of them with a meeting held (F3)


@dataclass
class Evidence:
    enrolments: dict[str, int]  # F6, F4, F1_old, F2_old, F3 -> enrollment id
    decisions: dict[str, int]


def moment(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), UTC)


async def add_evidence(session: AsyncSession, w: World) -> Evidence:
    enrolments = await _enrolments(session, w)
    await _follow_ups(session, enrolments)
    await _evaluations(session, enrolments)
    await _reasons(session, w)
    decisions = await _decisions(session, w)
    session.add(
        Family(
            name="F7",
            search_name="f7",
            category="tzhs",
            support_level="basic",
            timezone=MSK,
            created_at=at(date(2026, 2, 1)),
            closed_at=at(date(2026, 11, 20)),
            closed_reason="improvement",
        )
    )
    await session.flush()
    return Evidence(enrolments, decisions)


async def _enrolments(session: AsyncSession, w: World) -> dict[str, int]:
    found = {
        name: (
            await session.scalars(
                select(Enrollment.id).where(
                    Enrollment.family_id == w.families[name],
                    Enrollment.status == EnrollmentStatus.COMPLETED.value,
                )
            )
        ).one()
        for name in ("F3", "F4", "F6")
    }
    older = {
        # F1's programme of 2025, with positive dynamics; F2's without.
        "F1_old": _completed_in_2025(w.families["F1"], entry=10, exit_total=30),
        "F2_old": _completed_in_2025(w.families["F2"], entry=30, exit_total=20),
    }
    session.add_all(older.values())
    await session.flush()
    return {**found, **{name: row.id for name, row in older.items()}}


def _completed_in_2025(family_id: int, *, entry: int, exit_total: int) -> Enrollment:
    return Enrollment(
        family_id=family_id,
        programme_code="tochka_opory",
        start_date=date(2025, 1, 10),
        release_weekday=0,
        release_time=time(10),
        created_at=at(date(2025, 1, 10)),
        status=EnrollmentStatus.COMPLETED.value,
        completed_at=at(date(2025, 5, 1)),
        entry_total=entry,
        exit_total=exit_total,
    )


async def _follow_ups(session: AsyncSession, e: dict[str, int]) -> None:
    rows = [
        # enrolment, months, answered, total
        ("F6", 6, date(2026, 11, 10), 38),  # exit 40, tolerance 2: kept
        ("F4", 6, date(2026, 11, 12), 20),  # exit 25: not kept
        ("F1_old", 6, date(2025, 11, 3), 10),  # a year ago: not kept, not this period's
        ("F1_old", 12, date(2026, 11, 20), 29),  # exit 30: kept, and the latest
        ("F2_old", 6, date(2026, 11, 15), 35),  # no positive dynamics: not in the base
        ("F3", 6, None, None),  # due, not answered yet
    ]
    for name, months, answered, total in rows:
        session.add(
            QuestionnaireFollowUp(
                enrollment_id=e[name],
                months=months,
                due_at=at(date(2026, 11, 1)),
                released_at=at(date(2026, 11, 1)),
                answered_at=at(answered) if answered else None,
                answers={"q1": total} if total is not None else None,
                total=total,
            )
        )
    await session.flush()


async def _evaluations(session: AsyncSession, e: dict[str, int]) -> None:
    session.add_all(
        [
            ProgrammeEvaluation(
                enrollment_id=e["F3"],
                answers={"real_problems": 5, "real_benefit": 4, "lasting": 3},
                open_answer="Спасибо",
                created_at=at(date(2026, 11, 6)),
            ),
            ProgrammeEvaluation(  # October: outside
                enrollment_id=e["F6"],
                answers={"real_problems": 2},
                created_at=at(date(2026, 10, 6)),
            ),
            SpecialistEvaluation(
                enrollment_id=e["F3"],
                engagement=4,
                homework=3,
                fit=5,
                further="case_plan",
                note="Ещё поработать с бюджетом",
                created_at=at(date(2026, 11, 7)),
            ),
        ]
    )
    await session.flush()


async def _meeting(session: AsyncSession, w: World, family: str, day: date) -> Meeting:
    return (
        await session.scalars(
            select(Meeting).where(
                Meeting.family_id == w.families[family], Meeting.starts_at == at(day)
            )
        )
    ).one()


async def _reasons(session: AsyncSession, w: World) -> None:
    for family, day, reason in [
        ("F1", date(2026, 11, 5), "abuse"),
        ("F3", date(2026, 11, 12), "crisis_conflict"),
        ("F2", date(2026, 11, 20), "refusal"),  # cancelled
        ("F1", date(2026, 10, 15), "abuse"),  # October
    ]:
        meeting = await _meeting(session, w, family, day)
        await session.execute(update(Meeting).where(Meeting.id == meeting.id).values(reason=reason))


async def _decisions(session: AsyncSession, w: World) -> dict[str, int]:
    held = await _meeting(session, w, "F1", date(2026, 11, 5))
    october = await _meeting(session, w, "F1", date(2026, 10, 15))
    late_evening = moment(date(2026, 11, 10), 21, 30)  # 11 November after midnight in Moscow
    rows = {
        "by_date": (held, date(2026, 11, 11), late_evening, None),
        "late": (held, date(2026, 11, 10), late_evening, None),
        "not_done": (held, date(2026, 11, 15), None, moment(date(2026, 11, 19), 9)),
        "overdue": (held, date(2026, 11, 20), None, None),
        "open": (held, date(2026, 11, 30), None, None),
        "october": (october, date(2026, 10, 20), None, None),
    }
    ids = {}
    for key, (meeting, due, done, not_done) in rows.items():
        decision = MeetingDecision(
            meeting_id=meeting.id,
            what=f"Решение {key}",
            who="Мама",
            due_date=due,
            created_at=at(meeting.starts_at.date(), 15),
            done_at=done,
            not_done_at=not_done,
            not_done_reason="Не успели" if not_done else None,
        )
        session.add(decision)
        await session.flush()
        ids[key] = decision.id
    return ids
