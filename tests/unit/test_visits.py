"""The visits service: validation, idempotent saving, the edit window, access, listing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.content import Content
from bot.db.engine import create_sessionmaker
from bot.db.models import (
    AuditEntry,
    Family,
    FamilyLink,
    Person,
    PersonRole,
    Role,
    SafetyConcern,
    Visit,
)
from bot.services import visits
from bot.services.access import Actor
from bot.services.errors import AccessDenied, DomainError
from bot.services.visits import VisitDraft

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # 10:00 in Moscow, 14:00 in Kemerovo
VOCABULARY = Content().visits


@dataclass
class World:
    sessionmaker: async_sessionmaker[AsyncSession]
    coordinator: Actor
    mentor: Actor
    other_mentor: Actor
    family_id: int
    other_family_id: int
    far_family_id: int  # Asia/Novokuznetsk, UTC+7


async def _person(session: AsyncSession, telegram_id: int, *roles: Role) -> Actor:
    person = Person(
        telegram_id=telegram_id,
        display_name=f"p{telegram_id}",
        locale="ru",
        timezone="Europe/Moscow",
        created_at=NOW,
    )
    person.roles = [PersonRole(role=r.value, granted_at=NOW) for r in roles]
    session.add(person)
    await session.flush()
    return Actor.of(person)


async def _family(session: AsyncSession, name: str, zone: str = "Europe/Moscow") -> int:
    family = Family(
        name=name,
        search_name=name.casefold(),
        category="tzhs",
        support_level="basic",
        timezone=zone,
        created_at=NOW,
    )
    session.add(family)
    await session.flush()
    return family.id


@pytest.fixture
async def world(engine: AsyncEngine) -> AsyncIterator[World]:
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker.begin() as session:
        coordinator = await _person(session, 1, Role.COORDINATOR)
        mentor = await _person(session, 2, Role.MENTOR)
        other = await _person(session, 3, Role.MENTOR)
        family_id = await _family(session, "Ивановы")
        other_family_id = await _family(session, "Петровы")
        far_family_id = await _family(session, "Кемеровские", "Asia/Novokuznetsk")
        for fid, who in ((family_id, mentor), (far_family_id, mentor), (other_family_id, other)):
            session.add(
                FamilyLink(family_id=fid, person_id=who.person_id, kind="mentor", created_at=NOW)
            )
    yield World(sessionmaker, coordinator, mentor, other, family_id, other_family_id, far_family_id)


def draft(family_id: int, **changes: object) -> VisitDraft:
    base = VisitDraft(
        family_id=family_id,
        visit_date=date(2026, 11, 23),
        format="home",
        duration_minutes=60,
        methods=("observation",),
        help_given=(),
        situation=4,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


async def create(world: World, d: VisitDraft, key: str = "draft-key-1", **kw: object) -> Visit:
    actor = kw.pop("actor", world.mentor)
    now = kw.pop("now", NOW)
    async with world.sessionmaker.begin() as session:
        return await visits.create_visit(
            session,
            actor,  # type: ignore[arg-type]
            d,
            now=now,  # type: ignore[arg-type]
            draft_key=key,
            vocabulary=VOCABULARY,
        )


async def count(world: World, model: type) -> int:
    async with world.sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"visit_date": date(2026, 11, 24)}, "visit_date_future"),
        ({"format": "teleport"}, "visit_format_unknown"),
        ({"duration_minutes": 0}, "visit_duration_invalid"),
        ({"methods": ()}, "visit_methods_empty"),
        ({"methods": ("observation", "hypnosis")}, "visit_methods_unknown"),
        ({"help_given": ("money_tree",)}, "visit_help_unknown"),
        ({"situation": 0}, "visit_situation_invalid"),
        ({"situation": 6}, "visit_situation_invalid"),
        ({"concern": True}, "visit_concern_text_missing"),
        ({"concern": True, "concern_text": "   "}, "visit_concern_text_missing"),
        ({"concern": True, "concern_text": "x" * 1001}, "visit_concern_text_too_long"),
        ({"notes_text": "x" * 1501}, "visit_notes_too_long"),
        ({"notes_voice_file_id": "x" * 256}, "visit_voice_invalid"),
        ({"next_visit_date": date(2026, 11, 20)}, "visit_next_date_before_visit"),
        ({"next_visit_date": date(2026, 11, 23)}, "visit_next_date_before_visit"),
    ],
)
def test_validation_names_the_wrong_field(changes: dict[str, object], code: str) -> None:
    with pytest.raises(DomainError) as caught:
        visits.validate(draft(1, **changes), today=date(2026, 11, 23), vocabulary=VOCABULARY)
    assert caught.value.code == code


def test_validation_normalises() -> None:
    clean = visits.validate(
        draft(
            1,
            methods=["prevention", "observation", "observation"],
            help_given=["other", "leisure"],
            concern=False,
            concern_text="stale",
            notes_text="  заметка  ",
            next_visit_date=date(2026, 12, 1),
        ),
        today=date(2026, 11, 23),
        vocabulary=VOCABULARY,
    )
    assert clean.methods == ("observation", "prevention")  # content order, once each
    assert clean.help_given == ("leisure", "other")
    assert clean.concern_text is None and clean.notes_text == "заметка"


async def test_today_is_the_familys_day(world: World) -> None:
    late = NOW + timedelta(hours=13)  # 20:00 UTC: 23:00 in Moscow, 03:00 on the 24th in Kemerovo
    with pytest.raises(DomainError) as caught:
        await create(world, draft(world.family_id, visit_date=date(2026, 11, 24)), now=late)
    assert caught.value.code == "visit_date_future"
    visit = await create(world, draft(world.far_family_id, visit_date=date(2026, 11, 24)), now=late)
    assert visit.visit_date == date(2026, 11, 24) and visit.recorded_at == late


async def test_same_draft_key_saves_once(world: World) -> None:
    first = await create(world, draft(world.family_id, concern=True, concern_text="синяки"))
    second = await create(world, draft(world.family_id, concern=True, concern_text="синяки"))
    assert first.id == second.id
    assert await count(world, Visit) == 1
    assert await count(world, SafetyConcern) == 1
    async with world.sessionmaker() as session:
        concern = await session.scalar(select(SafetyConcern))
    assert concern is not None
    assert (concern.visit_id, concern.family_id, concern.alerts_sent) == (
        first.id,
        world.family_id,
        0,
    )
    assert concern.raised_at == NOW and concern.next_alert_at == NOW
    # another mentor cannot hijack the key
    with pytest.raises(DomainError):
        await create(world, draft(world.other_family_id), actor=world.other_mentor)


async def test_visit_without_concern_raises_none(world: World) -> None:
    await create(world, draft(world.family_id))
    assert await count(world, SafetyConcern) == 0


async def test_mentor_cannot_log_for_a_family_not_theirs(world: World) -> None:
    with pytest.raises(AccessDenied):
        await create(world, draft(world.other_family_id))
    async with world.sessionmaker() as session:
        with pytest.raises(AccessDenied):
            await visits.check_can_log(session, world.mentor, world.other_family_id)
        families = await visits.mentor_families(session, world.mentor)
    assert {f.id for f in families} == {world.family_id, world.far_family_id}
    assert await count(world, Visit) == 0


async def test_closed_family_takes_no_visits(world: World) -> None:
    async with world.sessionmaker.begin() as session:
        family = await session.get(Family, world.family_id)
        assert family is not None
        family.closed_at = NOW
    with pytest.raises(DomainError) as caught:
        await create(world, draft(world.family_id))
    assert caught.value.code == "family_closed"
    async with world.sessionmaker() as session:
        families = await visits.mentor_families(session, world.mentor)
    assert [f.id for f in families] == [world.far_family_id]


async def _update(world: World, actor: Actor, visit_id: int, now: datetime, **changes: object):  # type: ignore[no-untyped-def]
    async with world.sessionmaker.begin() as session:
        return await visits.update_visit(
            session,
            actor,
            visit_id,
            draft(world.family_id, **changes),
            now=now,
            edit_hours=48,
            vocabulary=VOCABULARY,
        )


async def audit_actions(world: World) -> list[tuple[str, int | None]]:
    async with world.sessionmaker() as session:
        rows = await session.execute(select(AuditEntry.action, AuditEntry.object_id))
        return [(a, o) for a, o in rows.all()]


async def test_author_edits_within_48_hours_then_only_a_coordinator(world: World) -> None:
    visit = await create(world, draft(world.family_id))
    later = NOW + timedelta(hours=47)
    edited = await _update(world, world.mentor, visit.id, later, duration_minutes=90)
    assert edited.duration_minutes == 90 and edited.updated_at == later
    assert edited.updated_by_id == world.mentor.person_id
    assert await audit_actions(world) == []  # the author's own change is not audited

    too_late = NOW + timedelta(hours=49)
    with pytest.raises(DomainError) as caught:
        await _update(world, world.mentor, visit.id, too_late, duration_minutes=15)
    assert caught.value.code == "visit_edit_window_closed"
    with pytest.raises(DomainError):
        async with world.sessionmaker.begin() as session:
            await visits.delete_visit(session, world.mentor, visit.id, now=too_late)

    fixed = await _update(world, world.coordinator, visit.id, too_late, duration_minutes=30)
    assert fixed.duration_minutes == 30 and fixed.updated_by_id == world.coordinator.person_id
    assert await audit_actions(world) == [("visit.edit", visit.id)]
    async with world.sessionmaker.begin() as session:
        assert await visits.delete_visit(session, world.coordinator, visit.id, now=too_late)
        assert not await visits.delete_visit(session, world.coordinator, visit.id, now=too_late)
    assert await audit_actions(world) == [("visit.edit", visit.id), ("visit.delete", visit.id)]


async def test_other_mentor_cannot_touch_a_visit(world: World) -> None:
    visit = await create(world, draft(world.family_id))
    async with world.sessionmaker() as session:
        with pytest.raises(AccessDenied):
            await visits.get_visit(session, world.other_mentor, visit.id, now=NOW)
        with pytest.raises(AccessDenied):
            await visits.open_for_edit(session, world.other_mentor, visit.id, now=NOW)
        with pytest.raises(AccessDenied):
            await visits.delete_visit(session, world.other_mentor, visit.id, now=NOW)
        with pytest.raises(AccessDenied):
            await visits.visits_of_family(
                session, world.other_mentor, world.family_id, offset=0, limit=5, now=NOW
            )
    with pytest.raises(AccessDenied):
        await _update(world, world.other_mentor, visit.id, NOW)


async def test_edit_keeps_the_family_and_adds_a_concern_once(world: World) -> None:
    visit = await create(world, draft(world.family_id))
    async with world.sessionmaker.begin() as session:
        with pytest.raises(DomainError) as caught:
            await visits.update_visit(
                session, world.mentor, visit.id, draft(world.far_family_id), now=NOW
            )
    assert caught.value.code == "visit_family_fixed"
    await _update(world, world.mentor, visit.id, NOW, concern=True, concern_text="тревога")
    await _update(world, world.mentor, visit.id, NOW, concern=True, concern_text="тревога!")
    assert await count(world, SafetyConcern) == 1


async def test_lists_are_paged_newest_first_and_skip_deleted(world: World) -> None:
    for n in range(7):
        await create(
            world, draft(world.family_id, visit_date=date(2026, 11, 10 + n)), key=f"key-{n:04d}"
        )
    await create(world, draft(world.far_family_id, visit_date=date(2026, 11, 1)), key="far-key1")
    async with world.sessionmaker.begin() as session:
        rows, total = await visits.visits_of_mentor(session, world.mentor, offset=0, limit=3)
        assert total == 8
        assert [r.visit.visit_date.day for r in rows] == [16, 15, 14]
        rows, _ = await visits.visits_of_mentor(session, world.mentor, offset=6, limit=3)
        assert [(r.visit.visit_date.day, r.family_name) for r in rows] == [
            (10, "Ивановы"),
            (1, "Кемеровские"),
        ]
        await visits.delete_visit(session, world.mentor, rows[0].visit.id, now=NOW)
        rows, total = await visits.visits_of_mentor(
            session, world.mentor, offset=0, limit=10, family_id=world.family_id
        )
        assert total == 6 and all(r.family_name == "Ивановы" for r in rows)
        rows, total = await visits.visits_of_family(
            session, world.coordinator, world.family_id, offset=0, limit=2, now=NOW
        )
        assert total == 6 and rows[0].mentor_name == "p2"
        rows, total = await visits.visits_of_mentor(session, world.other_mentor, offset=0, limit=5)
        assert total == 0
    assert ("visit.list.view", world.family_id) in await audit_actions(world)


async def test_a_coordinators_look_at_a_visit_is_audited(world: World) -> None:
    visit = await create(world, draft(world.family_id))
    async with world.sessionmaker.begin() as session:
        await visits.get_visit(session, world.mentor, visit.id, now=NOW)
        assert await audit_actions(world) == []
        row = await visits.get_visit(session, world.coordinator, visit.id, now=NOW)
        assert row.family_name == "Ивановы"
    assert await audit_actions(world) == [("visit.view", visit.id)]
