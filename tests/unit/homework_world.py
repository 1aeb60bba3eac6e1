"""Homework at the service level, as the unit tests of homework and questionnaire reminders
arrange it: a family with parents enrolled from Monday 23.11.2026, the programmes and the
questionnaire (module fixtures), releasing and answering weeks, and the outbox rows they queue.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.programmes import Programme, Questionnaire, load_programmes, load_questionnaire
from bot.db.models import (
    AnswerKind,
    Enrollment,
    EnrollmentStatus,
    FamilyLinkKind,
    HomeworkWeek,
    OutboxMessage,
    Role,
    SupportLevel,
)
from bot.db.repositories import families as families_repo
from bot.services import families, homework, programmes
from bot.services.access import Actor
from tests.factories import make_person

# Sunday 22.11.2026, 13:00 in Moscow; week 1 of every enrollment here is Monday 23.11 at 18:00.
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
SLOT = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
WEEK = timedelta(days=7)
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
DUE_DAYS = 3
DUE = SLOT + timedelta(days=DUE_DAYS)
CODE = "tochka_opory"
_telegram_ids = itertools.count(10_000)


@pytest.fixture(scope="module")
def known() -> dict[str, Programme]:
    return load_programmes()


@pytest.fixture(scope="module")
def survey() -> Questionnaire:
    return load_questionnaire()


@dataclass
class World:
    boss: Actor
    family_id: int
    parents: list[Actor]
    mentors: list[Actor]
    enrollment: Enrollment


async def person(session: AsyncSession, *roles: Role) -> Actor:
    return await make_person(session, next(_telegram_ids), *roles, now=NOW)


async def world(
    session: AsyncSession,
    known: dict[str, Programme],
    *,
    parents: int = 1,
    mentors: list[Actor] | None = None,
    name: str = "Ивановы",
    due_days: int = DUE_DAYS,
) -> World:
    """A family with parents (and mentors, when given) enrolled from Monday 23.11, 18:00."""
    boss = await person(session, Role.COORDINATOR)
    family = await families.add(
        session,
        boss,
        name=name,
        category="tzhs",
        support_level=SupportLevel.BASIC,
        timezone="Europe/Moscow",
        known_categories={"tzhs"},
        now=NOW,
    )
    people = [await person(session, Role.PARENT) for _ in range(parents)]
    for parent in people:
        await families_repo.link(session, family.id, parent.person_id, FamilyLinkKind.PARENT, NOW)
    for mentor in mentors or []:
        await families_repo.link(session, family.id, mentor.person_id, FamilyLinkKind.MENTOR, NOW)
    enrollment = await programmes.enrol(
        session,
        boss,
        family.id,
        CODE,
        start_date=date(2026, 11, 23),
        release_weekday=0,
        release_time=time(18, 0),
        due_days=due_days,
        now=NOW,
        known_programmes=known,
    )
    return World(boss, family.id, people, list(mentors or []), enrollment)


async def release(
    session: AsyncSession, known: dict[str, Programme], at: datetime
) -> homework.ReleaseResult:
    # One batch holds every family of these worlds (the job repeats it for a big slot).
    return await homework.release_due(session, at, known)


async def weeks_of(session: AsyncSession, w: World) -> list[HomeworkWeek]:
    rows = await session.scalars(
        select(HomeworkWeek)
        .where(HomeworkWeek.enrollment_id == w.enrollment.id)
        .order_by(HomeworkWeek.week_number)
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def week_one(session: AsyncSession, known: dict[str, Programme], w: World) -> HomeworkWeek:
    await release(session, known, SLOT)
    return (await weeks_of(session, w))[0]


async def outbox_rows(
    session: AsyncSession, purpose: str, *, person_id: int | None = None
) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.purpose == purpose)
    if person_id is not None:
        query = query.where(OutboxMessage.person_id == person_id)
    # Some services update rows in bulk: read what the database holds, not the identity map.
    rows = await session.scalars(
        query.order_by(OutboxMessage.id).execution_options(populate_existing=True)
    )
    return list(rows)


async def answer(
    session: AsyncSession, who: Actor, week_id: int, at: datetime, text: str = "Поговорили"
) -> bool:
    """Answer with a text; returns whether it counts as late."""
    stored = await homework.add_answer(
        session,
        who,
        week_id,
        kind=AnswerKind.TEXT,
        text=text,
        file_id=None,
        message_id=None,
        now=at,
    )
    return stored.late


def all_answers(survey: Questionnaire, value: int) -> dict[str, int]:
    return {s.code: value for s in survey.statements}


async def complete(session: AsyncSession, known: dict[str, Programme], w: World) -> None:
    for n in range(known[CODE].length + 1):
        await release(session, known, SLOT + n * WEEK)
    assert w.enrollment.status == EnrollmentStatus.COMPLETED
