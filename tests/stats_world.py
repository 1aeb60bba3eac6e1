"""A known month of rows for the figures of /stats, its report, charts and export: families,
visits, concerns, meetings with SRS answers, programme weeks and case plans in November 2026,
plus rows just outside it that must not count. Each test module checks its own output against
the same world.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    CaseRecord,
    Enrollment,
    EnrollmentStatus,
    Family,
    FamilyLink,
    HomeworkWeek,
    Meeting,
    MeetingParticipant,
    MeetingStatus,
    PlanTask,
    Role,
    SafetyConcern,
    SrsResponse,
    Visit,
)
from bot.services.access import Actor
from bot.services.stats import Period
from tests.factories import make_person

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TODAY = date(2026, 11, 23)
MSK = "Europe/Moscow"
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30), MSK)
ITEMS = ["relationship", "goals", "approach", "overall"]


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), UTC)


@dataclass
class World:
    boss: Actor
    mentor1: Actor
    mentor2: Actor
    mentor3: Actor
    families: dict[str, int]


async def build(session: AsyncSession) -> World:
    boss = await make_person(session, 1, Role.COORDINATOR, now=NOW)
    m1 = await make_person(session, 11, Role.MENTOR, now=NOW)
    m2 = await make_person(session, 12, Role.MENTOR, now=NOW)
    m3 = await make_person(session, 13, Role.MENTOR, now=NOW)
    jan = at(date(2026, 1, 10))
    spec = {
        # name: category, level, created, closed, reason, mentor
        "F1": ("tzhs", "basic", jan, None, None, m1),
        "F2": ("sop", "crisis", jan, None, None, m1),
        "F3": ("tzhs", "basic", jan, at(date(2026, 11, 5)), "improvement", m2),
        "F4": ("large", "basic", jan, at(date(2026, 11, 10)), "moved", m2),
        "F5": ("tzhs", "basic", at(date(2026, 11, 15)), None, None, None),
        "F6": ("sop", "basic", jan, at(date(2026, 5, 1)), "improvement", None),
    }
    ids: dict[str, int] = {}
    for name, (category, level, created, closed, reason, mentor) in spec.items():
        family = Family(
            name=name,
            search_name=name.casefold(),
            category=category,
            support_level=level,
            timezone=MSK,
            created_at=created,
            closed_at=closed,
            closed_reason=reason,
        )
        session.add(family)
        await session.flush()
        ids[name] = family.id
        if mentor:
            session.add(
                FamilyLink(
                    family_id=family.id, person_id=mentor.person_id, kind="mentor", created_at=jan
                )
            )
    world = World(boss, m1, m2, m3, ids)
    await _visits(session, world)
    await _concerns(session, world)
    await _meetings(session, world)
    await _programmes(session, world)
    await session.flush()
    return world


async def _visits(session: AsyncSession, w: World) -> None:
    rows = [
        (w.mentor1, "F1", date(2026, 11, 2), False),
        (w.mentor1, "F1", date(2026, 11, 9), False),
        (w.mentor1, "F1", date(2026, 11, 16), False),
        (w.mentor1, "F2", date(2026, 11, 20), False),
        (w.mentor2, "F3", date(2026, 11, 3), False),
        (w.mentor2, "F3", date(2026, 11, 4), True),  # deleted
        (w.mentor1, "F2", date(2026, 10, 20), False),  # October
    ]
    for index, (mentor, family, day, deleted) in enumerate(rows):
        session.add(
            Visit(
                family_id=w.families[family],
                mentor_id=mentor.person_id,
                visit_date=day,
                recorded_at=at(day),
                format="home",
                duration_minutes=60,
                methods=[],
                help_given=[],
                situation=3,
                draft_key=f"v{index}",
                deleted_at=at(day, 13) if deleted else None,
            )
        )
        await session.flush()


async def _concerns(session: AsyncSession, w: World) -> None:
    raised = [
        (date(2026, 11, 2), 30),
        (date(2026, 11, 9), 90),
        (date(2026, 11, 16), None),
        (date(2026, 10, 5), 5),  # October
    ]
    for index, (day, minutes) in enumerate(raised):
        visit = Visit(
            family_id=w.families["F2"],
            mentor_id=w.mentor1.person_id,
            visit_date=day,
            recorded_at=at(day),
            format="call",
            duration_minutes=10,
            methods=[],
            help_given=[],
            situation=1,
            concern=True,
            draft_key=f"c{index}",
            deleted_at=at(day),  # keeps the visit figures above unchanged
        )
        session.add(visit)
        await session.flush()
        session.add(
            SafetyConcern(
                visit_id=visit.id,
                family_id=w.families["F2"],
                raised_at=at(day),
                acknowledged_at=at(day) + timedelta(minutes=minutes) if minutes else None,
            )
        )


async def _meetings(session: AsyncSession, w: World) -> None:
    def meeting(family: str, day: date, status: MeetingStatus, key: str) -> Meeting:
        return Meeting(
            family_id=w.families[family],
            child_name="Маша",
            topic="t",
            format="dialogue",
            starts_at=at(day),
            timezone=MSK,
            place="p",
            duration_minutes=90,
            facilitators="f",
            contact="c",
            note="n",
            status=status.value,
            created_at=at(date(2026, 10, 1)),
            draft_key=key,
        )

    plan = [
        (
            "F1",
            date(2026, 11, 5),
            MeetingStatus.HELD,
            [
                # invited, rsvp, attended, srs scores
                (True, "yes", True, (10, 9, 10, 9)),
                (True, "maybe", False, None),
                (True, None, False, None),
                (False, None, None, None),
                (True, "yes", True, (8, 7, 8, 7)),
            ],
        ),
        ("F3", date(2026, 11, 12), MeetingStatus.HELD, [(True, "yes", True, (10, 10, 10, 10))]),
        ("F2", date(2026, 11, 28), MeetingStatus.PLANNED, [(True, "no", None, None)]),
        ("F2", date(2026, 11, 20), MeetingStatus.CANCELLED, [(True, "yes", None, None)]),
        ("F1", date(2026, 10, 15), MeetingStatus.HELD, [(True, "yes", True, (1, 1, 1, 1))]),
    ]
    for index, (family, day, status, people) in enumerate(plan):
        row = meeting(family, day, status, f"m{index}")
        session.add(row)
        await session.flush()
        for invited, rsvp, attended, scores in people:
            participant = MeetingParticipant(
                meeting_id=row.id,
                name="x",
                relation="friend",
                approved_by_child=True,
                invited_at=at(day - timedelta(days=7)) if invited else None,
                rsvp=rsvp,
                attended=attended,
                created_at=at(day - timedelta(days=8)),
            )
            session.add(participant)
            await session.flush()
            if scores:
                session.add(
                    SrsResponse(
                        meeting_id=row.id,
                        participant_id=participant.id,
                        scores=dict(zip(ITEMS, scores, strict=True)),
                        total=sum(scores),
                        created_at=at(day + timedelta(days=1)),
                    )
                )


async def _programmes(session: AsyncSession, w: World) -> None:
    def enrollment(family: str, created: date, **extra: object) -> Enrollment:
        values: dict[str, object] = {
            "family_id": w.families[family],
            "programme_code": "tochka_opory",
            "start_date": created,
            "release_weekday": 0,
            "release_time": time(10),
            "created_at": at(created),
            "status": EnrollmentStatus.ACTIVE.value,
        }
        values.update(extra)
        return Enrollment(**values)

    e1 = enrollment("F1", date(2026, 9, 1))
    e2 = enrollment("F2", date(2026, 11, 3))
    done = EnrollmentStatus.COMPLETED.value
    rest = [
        enrollment(
            "F3",
            date(2026, 6, 1),
            status=done,
            completed_at=at(date(2026, 11, 5)),
            entry_total=20,
            exit_total=30,
        ),
        enrollment(
            "F4",
            date(2026, 6, 1),
            status=done,
            completed_at=at(date(2026, 11, 8)),
            entry_total=30,
            exit_total=25,
            positive_override=True,
        ),
        enrollment(
            "F6",
            date(2026, 1, 15),
            status=done,
            completed_at=at(date(2026, 4, 1)),
            entry_total=10,
            exit_total=40,
        ),
        enrollment(
            "F5",
            date(2026, 6, 1),
            status=EnrollmentStatus.STOPPED.value,
            stopped_at=at(date(2026, 10, 1)),
        ),
    ]
    session.add_all([e1, e2, *rest])
    await session.flush()
    weeks = [
        (e1, 1, date(2026, 11, 2), date(2026, 11, 3), 8),
        (e1, 2, date(2026, 11, 9), date(2026, 11, 10), 6),
        (e1, 3, date(2026, 11, 16), None, None),
        (e2, 1, date(2026, 11, 10), date(2026, 11, 11), 10),
    ]
    for owner, number, released, done_on, rating in weeks:
        session.add(
            HomeworkWeek(
                enrollment_id=owner.id,
                week_number=number,
                released_at=at(released, 7),
                due_at=at(released + timedelta(days=3)),
                late_until=at(released + timedelta(days=8)),
                done_at=at(done_on) if done_on else None,
                rating=rating,
            )
        )


async def add_plans(session: AsyncSession, w: World) -> None:
    """Plan tasks and case records on top of `build` (kept apart: the export's tests count
    `build`'s rows). Deadlines in November: F1 done on the 10th, open on the 20th (overdue on
    the 23rd), in progress on the 25th; F2 not done on the 12th, open on the 27th and 28th; F3
    done on the 1st; and an open one of F6, closed in May (not the period's). Outside: F1's on
    1 December, F2's on 31 October, F5's on 10 December. Added in November (Moscow days): F1's
    of the 20th (a visit), 25th (a decision) and 1 December; F2's of the 27th (a decision, added
    at 00:30 on 1 November Moscow time) and 28th (a visit); F5's was added at 00:30 on
    1 December, outside. Stages now: F1 reopened after closing (final monitoring), F2 plan
    approved, F5 no record (request and diagnosis); F3 closed with a final meeting, F4 without."""
    f1, f2, f3, f4, f5, f6 = (w.families[name] for name in ("F1", "F2", "F3", "F4", "F5", "F6"))
    tasks = [
        # family, due, status, source, created (UTC)
        (f1, date(2026, 11, 10), "done", None, at(date(2026, 10, 20))),
        (f1, date(2026, 11, 20), "planned", "visit", at(date(2026, 11, 2))),
        (f1, date(2026, 11, 25), "in_progress", "meeting_decision", at(date(2026, 11, 3))),
        (f1, date(2026, 12, 1), "planned", None, at(date(2026, 11, 4))),
        (f2, date(2026, 11, 12), "not_done", None, at(date(2026, 10, 1))),
        (f2, date(2026, 11, 28), "planned", "visit", at(date(2026, 11, 20))),
        (
            f2,
            date(2026, 11, 27),
            "planned",
            "meeting_decision",
            datetime(2026, 10, 31, 21, 30, tzinfo=UTC),
        ),
        (f2, date(2026, 10, 31), "done", None, at(date(2026, 10, 1))),
        (f3, date(2026, 11, 1), "done", None, at(date(2026, 10, 10))),
        (f5, date(2026, 12, 10), "planned", None, datetime(2026, 11, 30, 21, 30, tzinfo=UTC)),
        (f6, date(2026, 11, 15), "planned", None, at(date(2026, 4, 1))),
    ]
    for index, (family_id, due, status, source, created) in enumerate(tasks):
        session.add(
            PlanTask(
                family_id=family_id,
                title=f"Задача {index}",
                due_date=due,
                status=status,
                source_type=source,
                source_id=index if source else None,
                created_at=created,
            )
        )
    feb = at(date(2026, 2, 1))
    for family_id, stage, final in (
        (f1, "closed", date(2026, 6, 1)),  # closed in June, reopened since
        (f2, "plan_approved", None),
        (f3, "closed", date(2026, 11, 4)),
        (f4, "closed", None),
    ):
        session.add(
            CaseRecord(family_id=family_id, stage=stage, stage_at=feb, final_meeting_date=final)
        )
    await session.flush()
