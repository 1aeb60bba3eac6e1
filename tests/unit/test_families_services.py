"""Families services: the card, assignments, closing and reopening, the support level."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    AuditEntry,
    CloseReason,
    FamilyLinkKind,
    LevelSource,
    OutboxMessage,
    Role,
    SupportLevel,
)
from bot.db.repositories import families as families_repo
from bot.services import assignments, families
from bot.services.access import Actor
from bot.services.errors import AccessDenied, DomainError
from tests.factories import make_person

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


async def person(session: AsyncSession, telegram_id: int, *roles: Role) -> Actor:
    return await make_person(session, telegram_id, *roles, now=NOW)


async def family(session: AsyncSession, coordinator: Actor, name: str = "Ивановы") -> int:
    created = await families.add(
        session,
        coordinator,
        name=name,
        category="tzhs",
        support_level=SupportLevel.BASIC,
        timezone="Europe/Moscow",
        known_categories={"tzhs"},
        now=NOW,
    )
    return created.id


async def count(session: AsyncSession, model: type, *where: object) -> int:
    return await session.scalar(select(func.count()).select_from(model).where(*where)) or 0  # type: ignore[arg-type]


async def test_card_lists_the_people_and_is_audited(session: AsyncSession) -> None:
    boss = await person(session, 1, Role.COORDINATOR)
    mentor = await person(session, 2, Role.MENTOR)
    parent = await person(session, 3, Role.PARENT)
    family_id = await family(session, boss)
    await families_repo.link(session, family_id, parent.person_id, FamilyLinkKind.PARENT, NOW)
    assert await assignments.assign_mentor(session, boss, family_id, mentor.person_id, NOW)
    assert await assignments.set_curator(session, boss, family_id, boss.person_id, NOW)
    card = await families.family_card(session, boss, family_id, NOW)
    assert [p.name for p in card.parents] == ["P3"]
    assert [p.name for p in card.mentors] == ["P2"]
    assert card.curator is not None and card.curator.name == "P1"
    assert card.can_manage and not card.is_closed
    assert await count(session, AuditEntry, AuditEntry.action == "family.view") == 1
    # its mentor may look, not manage
    mentor_view = await families.family_card(session, mentor, family_id, NOW)
    assert not mentor_view.can_manage


async def test_strangers_to_the_family_are_refused(session: AsyncSession) -> None:
    boss = await person(session, 1, Role.COORDINATOR)
    mentor = await person(session, 2, Role.MENTOR)
    other_mentor = await person(session, 4, Role.MENTOR)
    parent = await person(session, 3, Role.PARENT)
    family_id = await family(session, boss)
    await assignments.assign_mentor(session, boss, family_id, mentor.person_id, NOW)
    await families_repo.link(session, family_id, parent.person_id, FamilyLinkKind.PARENT, NOW)
    for outsider in (other_mentor, parent):
        with pytest.raises(AccessDenied):
            await families.family_card(session, outsider, family_id, NOW)
    for actor in (mentor, other_mentor, parent):
        calls = (
            assignments.assign_mentor(session, actor, family_id, other_mentor.person_id, NOW),
            assignments.unassign_mentor(session, actor, family_id, mentor.person_id, NOW),
            assignments.set_curator(session, actor, family_id, boss.person_id, NOW),
            families.close_family(session, actor, family_id, CloseReason.MOVED, None, NOW),
            families.reopen_family(session, actor, family_id, NOW),
            families.set_support_level(
                session,
                actor,
                family_id,
                SupportLevel.CRISIS,
                NOW,
                source=LevelSource.CARD,
                reason="x",
            ),
            assignments.mentor_candidates(session, actor, family_id, offset=0, limit=8),
            assignments.staff(session, actor, family_id),
        )
        for call in calls:
            with pytest.raises(AccessDenied):
                await call
    with pytest.raises(DomainError, match="family_not_found"):
        await families.family_card(session, boss, 999, NOW)


async def test_assignments_check_roles_and_tell_once(session: AsyncSession) -> None:
    boss = await person(session, 1, Role.COORDINATOR)
    mentor = await person(session, 2, Role.MENTOR)
    parent = await person(session, 3, Role.PARENT)
    family_id = await family(session, boss)
    with pytest.raises(DomainError, match="not_a_mentor"):
        await assignments.assign_mentor(session, boss, family_id, parent.person_id, NOW)
    with pytest.raises(DomainError, match="not_a_coordinator"):
        await assignments.set_curator(session, boss, family_id, mentor.person_id, NOW)
    assert await assignments.assign_mentor(session, boss, family_id, mentor.person_id, NOW)
    assert not await assignments.assign_mentor(session, boss, family_id, mentor.person_id, NOW)
    rows = list(await session.scalars(select(OutboxMessage)))
    assert [(r.person_id, r.kind, r.params) for r in rows] == [
        (mentor.person_id, "family_assigned_mentor", {"family": "Ивановы"})
    ]
    assert await assignments.unassign_mentor(session, boss, family_id, mentor.person_id, NOW)
    assert not await assignments.unassign_mentor(session, boss, family_id, mentor.person_id, NOW)
    candidates, total = await assignments.mentor_candidates(
        session, boss, family_id, offset=0, limit=8
    )
    assert total == 1 and candidates[0][0].id == mentor.person_id


async def test_one_curator_at_a_time(session: AsyncSession) -> None:
    boss = await person(session, 1, Role.COORDINATOR)
    other = await person(session, 2, Role.COORDINATOR)
    family_id = await family(session, boss)
    assert await assignments.set_curator(session, boss, family_id, other.person_id, NOW)
    assert not await assignments.set_curator(session, boss, family_id, other.person_id, NOW)
    assert await assignments.set_curator(session, boss, family_id, boss.person_id, NOW)
    staff = await assignments.staff(session, boss, family_id)
    assert staff.curator is not None and staff.curator.id == boss.person_id
    rows, _total = await assignments.curator_candidates(session, boss, family_id, offset=0, limit=8)
    assert {p.id: n for p, n in rows} == {boss.person_id: 1, other.person_id: 0}
    # only the other coordinator was told (the first time); nobody tells themselves
    assert await count(session, OutboxMessage) == 1


async def test_close_and_reopen(session: AsyncSession) -> None:
    boss = await person(session, 1, Role.COORDINATOR)
    mentor = await person(session, 2, Role.MENTOR)
    family_id = await family(session, boss)
    with pytest.raises(DomainError, match="close_note_required"):
        await families.close_family(session, boss, family_id, CloseReason.OTHER, "  ", NOW)
    with pytest.raises(DomainError, match="close_note_too_long"):
        await families.close_family(session, boss, family_id, CloseReason.MOVED, "x" * 501, NOW)
    with pytest.raises(DomainError, match="family_not_closed"):
        await families.reopen_family(session, boss, family_id, NOW)
    closed = await families.close_family(
        session, boss, family_id, CloseReason.IMPROVEMENT, " ok ", NOW
    )
    assert (closed.closed_reason, closed.closed_note, closed.closed_by_id) == (
        "improvement",
        "ok",
        boss.person_id,
    )
    with pytest.raises(DomainError, match="family_closed"):
        await families.close_family(session, boss, family_id, CloseReason.MOVED, None, NOW)
    with pytest.raises(DomainError, match="family_closed"):
        await assignments.assign_mentor(session, boss, family_id, mentor.person_id, NOW)
    with pytest.raises(DomainError, match="family_closed"):
        await families.set_support_level(
            session, boss, family_id, SupportLevel.CRISIS, NOW, source=LevelSource.CARD, reason="x"
        )
    listed, total = await families.list_page(session, boss, NOW, offset=0, limit=8)
    assert total == 0 and not listed
    listed, total = await families.list_page(
        session, boss, NOW, offset=0, limit=8, include_closed=True
    )
    assert total == 1
    reopened = await families.reopen_family(session, boss, family_id, NOW)
    assert reopened.closed_at is None and reopened.closed_reason is None
    audit = await session.scalar(select(AuditEntry).where(AuditEntry.action == "family.close"))
    assert audit is not None and audit.details == {"reason": "improvement"}  # never the note


async def test_support_level(session: AsyncSession) -> None:
    boss = await person(session, 1, Role.COORDINATOR)
    family_id = await family(session, boss)
    card_change = {"source": LevelSource.CARD, "reason": "угроза жизни ребёнка"}
    with pytest.raises(DomainError, match="level_reason_required"):
        await families.set_support_level(
            session, boss, family_id, SupportLevel.CRISIS, NOW, source=LevelSource.CARD
        )
    assert await families.set_support_level(
        session,
        boss,
        family_id,
        SupportLevel.CRISIS,
        NOW,
        **card_change,  # type: ignore[arg-type]
    )
    assert not await families.set_support_level(
        session,
        boss,
        family_id,
        SupportLevel.CRISIS,
        NOW,
        **card_change,  # type: ignore[arg-type]
    )
    card = await families.family_card(session, boss, family_id, NOW)
    assert card.family.support_level == "crisis"


async def test_my_families_are_the_open_ones_i_work_with(session: AsyncSession) -> None:
    boss = await person(session, 1, Role.COORDINATOR)
    mentor = await person(session, 2, Role.MENTOR)
    first = await family(session, boss, "А")
    second = await family(session, boss, "Б")
    await family(session, boss, "В")
    for family_id in (first, second):
        await assignments.assign_mentor(session, boss, family_id, mentor.person_id, NOW)
    await families.close_family(session, boss, second, CloseReason.MOVED, None, NOW)
    rows, total = await families.my_families_page(session, mentor, offset=0, limit=8)
    assert total == 1 and [f.id for f in rows] == [first]
