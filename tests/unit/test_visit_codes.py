"""visit_codes follow the visits: /stats' help section (read from them) after a visit is logged,
edited and deleted through the visits service, and after visits written straight through the
ORM (as the test worlds and scripts do) are changed, deleted, restored and removed for good."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.content import Content
from bot.db.engine import create_sessionmaker
from bot.db.models import Family, FamilyLink, Person, PersonRole, Role, Visit, VisitCode
from bot.services import stats, visits
from bot.services.access import Actor
from bot.services.stats import Period, Scope
from bot.services.visits import VisitDraft

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # 10:00 in Moscow
MSK = "Europe/Moscow"
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30), MSK)
VOCABULARY = Content().visits

Figures = tuple[list[tuple[str, int, int]], list[tuple[str, int, int]]]


@dataclass
class World:
    sessionmaker: async_sessionmaker[AsyncSession]
    coordinator: Actor
    mentor: Actor
    other_mentor: Actor
    family_id: int
    second_family_id: int


async def _person(session: AsyncSession, telegram_id: int, *roles: Role) -> Actor:
    person = Person(
        telegram_id=telegram_id,
        display_name=f"p{telegram_id}",
        locale="ru",
        timezone=MSK,
        created_at=NOW,
    )
    person.roles = [PersonRole(role=r.value, granted_at=NOW) for r in roles]
    session.add(person)
    await session.flush()
    return Actor.of(person)


async def _family(session: AsyncSession, name: str, mentor: Actor) -> int:
    family = Family(
        name=name,
        search_name=name.casefold(),
        category="tzhs",
        support_level="basic",
        timezone=MSK,
        created_at=NOW - timedelta(days=90),
    )
    session.add(family)
    await session.flush()
    session.add(
        FamilyLink(family_id=family.id, person_id=mentor.person_id, kind="mentor", created_at=NOW)
    )
    return family.id


@pytest.fixture
async def world(engine: AsyncEngine) -> AsyncIterator[World]:
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker.begin() as session:
        coordinator = await _person(session, 1, Role.COORDINATOR)
        mentor = await _person(session, 2, Role.MENTOR)
        other = await _person(session, 3, Role.MENTOR)
        first = await _family(session, "Ивановы", mentor)
        second = await _family(session, "Петровы", mentor)
    yield World(sessionmaker, coordinator, mentor, other, first, second)


def draft(family_id: int, **changes: object) -> VisitDraft:
    base = VisitDraft(
        family_id=family_id,
        visit_date=date(2026, 11, 20),
        format="home",
        duration_minutes=60,
        methods=("observation", "curation"),
        help_given=("social_contract",),
        situation=4,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


async def log(world: World, d: VisitDraft, key: str) -> int:
    async with world.sessionmaker.begin() as session:
        visit = await visits.create_visit(
            session, world.mentor, d, now=NOW, draft_key=key, vocabulary=VOCABULARY
        )
        return visit.id


async def edit(world: World, visit_id: int, d: VisitDraft) -> None:
    async with world.sessionmaker.begin() as session:
        await visits.update_visit(
            session, world.mentor, visit_id, d, now=NOW, vocabulary=VOCABULARY
        )


async def figures(world: World, scope: Scope | None = None) -> Figures:
    """(help, methods) of November as /stats shows them: (code, families, visits)."""
    async with world.sessionmaker() as session:
        work = await stats.visit_work(session, world.coordinator, NOVEMBER, scope or Scope())
    return (
        [(t.code, t.families, t.visits) for t in work.help],
        [(t.code, t.families, t.visits) for t in work.methods],
    )


async def code_rows(world: World) -> int:
    async with world.sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(VisitCode)) or 0


async def test_logged_edited_and_deleted_visits_are_counted_as_they_are(world: World) -> None:
    first = await log(world, draft(world.family_id), "visit-key-1")
    second = await log(
        world, draft(world.second_family_id, methods=("observation",), help_given=()), "visit-key-2"
    )
    await log(world, draft(world.family_id), "visit-key-1")  # the same draft again: no new rows
    assert await figures(world) == (
        [("social_contract", 1, 1)],
        [("observation", 2, 2), ("curation", 1, 1)],
    )
    assert await code_rows(world) == 4
    # one mentor's families: the same; another mentor's: none
    assert await figures(world, Scope(mentor_id=world.mentor.person_id)) == await figures(world)
    assert await figures(world, Scope(mentor_id=world.other_mentor.person_id)) == ([], [])
    assert await figures(world, Scope(category="tzhs")) == await figures(world)
    assert await figures(world, Scope(category="sop")) == ([], [])

    # its methods and help changed
    await edit(
        world,
        first,
        draft(world.family_id, methods=("curation",), help_given=("employment", "leisure")),
    )
    assert await figures(world) == (
        [("employment", 1, 1), ("leisure", 1, 1)],
        [("curation", 1, 1), ("observation", 1, 1)],
    )

    # its day moved to October: out of November
    await edit(world, second, draft(world.second_family_id, visit_date=date(2026, 10, 30)))
    assert await figures(world) == (
        [("employment", 1, 1), ("leisure", 1, 1)],
        [("curation", 1, 1)],
    )
    await edit(world, second, draft(world.second_family_id, visit_date=date(2026, 11, 2)))
    assert await figures(world) == (
        [("employment", 1, 1), ("leisure", 1, 1), ("social_contract", 1, 1)],
        [("curation", 2, 2), ("observation", 1, 1)],
    )

    async with world.sessionmaker.begin() as session:
        assert await visits.delete_visit(session, world.mentor, first, now=NOW)
    assert await figures(world) == (
        [("social_contract", 1, 1)],
        [("curation", 1, 1), ("observation", 1, 1)],
    )
    async with world.sessionmaker.begin() as session:
        assert await visits.delete_visit(session, world.mentor, second, now=NOW)
    assert await figures(world) == ([], [])
    assert await code_rows(world) == 0


async def test_visits_written_through_the_orm_keep_their_codes(world: World) -> None:
    """What the test worlds and scripts do: add a visit, set its lists, delete it (softly),
    restore it, delete it for good."""
    async with world.sessionmaker.begin() as session:
        visit = Visit(
            family_id=world.family_id,
            mentor_id=world.mentor.person_id,
            visit_date=date(2026, 11, 5),
            recorded_at=NOW,
            format="home",
            duration_minutes=30,
            methods=["observation", "observation"],  # a repeat counts once
            help_given=[],
            situation=3,
            draft_key="orm-visit-1",
        )
        session.add(visit)
        gone = Visit(
            family_id=world.second_family_id,
            mentor_id=world.mentor.person_id,
            visit_date=date(2026, 11, 6),
            recorded_at=NOW,
            format="call",
            duration_minutes=10,
            methods=["curation"],
            help_given=["leisure"],
            situation=3,
            draft_key="orm-visit-2",
            deleted_at=NOW,  # logged deleted: no codes
        )
        session.add(gone)
        await session.flush()
        visit_id, gone_id = visit.id, gone.id
    assert await figures(world) == ([], [("observation", 1, 1)])

    async with world.sessionmaker.begin() as session:
        visit = await session.get_one(Visit, visit_id)
        visit.methods, visit.help_given = ["curation"], ["leisure"]
        gone = await session.get_one(Visit, gone_id)
        gone.deleted_at = None  # restored
    assert await figures(world) == ([("leisure", 2, 2)], [("curation", 2, 2)])

    async with world.sessionmaker.begin() as session:
        visit = await session.get_one(Visit, visit_id)
        visit.deleted_at = NOW
        visit.notes_text = "an edit of something else"
    assert await figures(world) == ([("leisure", 1, 1)], [("curation", 1, 1)])

    async with world.sessionmaker.begin() as session:
        gone = await session.get_one(Visit, gone_id)
        gone.notes_text = "nothing the codes depend on"
    assert await code_rows(world) == 2

    async with world.sessionmaker.begin() as session:  # deleted for good: ON DELETE CASCADE
        await session.execute(delete(Visit).where(Visit.id == gone_id))
    assert await code_rows(world) == 0
    assert await figures(world) == ([], [])
