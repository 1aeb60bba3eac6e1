"""Consilium reviews at the service level: planning (one pending, days checked), holding
(once; participants only from the family's staff; a change of level needs its reason and is
recorded with it; the next review planned), decisions, who may do it, and the day-before
reminders: to the curator and the planner at their 10:00, once, none for a closed family."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.db.models import (
    Consilium,
    ConsiliumOutcome,
    FamilyLink,
    LevelChange,
    OutboxMessage,
    Role,
    SupportLevel,
)
from bot.services import consilium, families
from bot.services.access import Actor
from bot.services.errors import AccessDenied
from tests.factories import make_person
from tests.unit.meeting_setup import NOW, raises, setup

TODAY = date(2026, 11, 23)  # NOW in Moscow
SETTINGS = Settings(bot_token="1:x")


async def attach(session: AsyncSession, actor: Actor, family_id: int, kind: str) -> None:
    session.add(
        FamilyLink(family_id=family_id, person_id=actor.person_id, kind=kind, created_at=NOW)
    )
    await session.flush()


def held(**changes: object) -> consilium.Held:
    values: dict[str, object] = {
        "held_on": TODAY,
        "outcome": ConsiliumOutcome.CONTINUE,
        "participant_ids": [],
    }
    values.update(changes)
    return consilium.Held(**values)  # type: ignore[arg-type]


async def test_planning_holding_and_deciding(session: AsyncSession) -> None:
    boss, family_id = await setup(session)
    mentor = await make_person(session, 2, Role.MENTOR, now=NOW)
    stranger = await make_person(session, 3, Role.MENTOR, now=NOW)
    await attach(session, mentor, family_id, "mentor")

    await raises(
        "consilium_day_past",
        consilium.plan(session, boss, family_id, TODAY - timedelta(days=1), NOW),
    )
    first = await consilium.plan(session, boss, family_id, TODAY + timedelta(days=3), NOW)
    again = await consilium.plan(session, boss, family_id, TODAY + timedelta(days=5), NOW)
    assert again.id == first.id and again.planned_on == TODAY + timedelta(days=5)  # moved
    with pytest.raises(AccessDenied):
        await consilium.plan(session, mentor, family_id, TODAY, NOW)

    await raises(
        "consilium_held_future",
        consilium.hold(
            session, boss, family_id, first.id, held(held_on=TODAY + timedelta(days=1)), NOW
        ),
    )
    await raises(
        "level_reason_required",
        consilium.hold(
            session,
            boss,
            family_id,
            first.id,
            held(outcome=ConsiliumOutcome.CHANGE_LEVEL, new_level=SupportLevel.CRISIS),
            NOW,
        ),
    )
    await raises(
        "consilium_not_held",
        consilium.add_decision(
            session, boss, family_id, first.id, what="x", who=None, due_on=None, now=NOW
        ),
    )
    done = await consilium.hold(
        session,
        boss,
        family_id,
        first.id,
        held(
            outcome=ConsiliumOutcome.CHANGE_LEVEL,
            new_level=SupportLevel.CRISIS,
            level_reason="  угроза   жизни ",
            participant_ids=[mentor.person_id, stranger.person_id, mentor.person_id],
            participants_text="психолог ЦСОН",
            next_review_on=TODAY + timedelta(days=30),
        ),
        NOW,
    )
    assert done.participant_ids == [mentor.person_id]  # a stranger's id is dropped
    await raises("consilium_held", consilium.hold(session, boss, family_id, first.id, held(), NOW))
    change = await session.scalar(select(LevelChange))
    assert change is not None and (change.reason, change.consilium_id) == ("угроза жизни", first.id)
    family = await families.require_view(session, boss, family_id)
    assert family.support_level == "crisis"
    pending = await consilium.pending(session, family_id)
    assert pending is not None and pending.planned_on == TODAY + timedelta(days=30)

    decision = await consilium.add_decision(
        session,
        boss,
        family_id,
        first.id,
        what=" Справка  из школы ",
        who="мама",
        due_on=None,
        now=NOW,
    )
    assert decision.what == "Справка из школы"
    assert [d.id for d in await consilium.decisions(session, mentor, family_id, first.id)] == [
        decision.id
    ]  # the family's mentor reads them
    with pytest.raises(AccessDenied):
        await consilium.of_family(session, stranger, family_id, NOW)
    other_family = (await setup_other(session, boss)).id
    await raises("consilium_not_found", consilium.get(session, boss, other_family, first.id))


async def setup_other(session: AsyncSession, boss: Actor):  # type: ignore[no-untyped-def]
    return await families.add(
        session,
        boss,
        name="Петровы",
        category="tzhs",
        support_level=SupportLevel.BASIC,
        timezone="Asia/Novosibirsk",
        known_categories={"tzhs"},
        now=NOW,
    )


async def test_reminders_the_day_before_at_ten_to_the_curator_and_the_planner_once(
    session: AsyncSession,
) -> None:
    boss, family_id = await setup(session)  # the planner, in Moscow
    curator = await make_person(session, 5, Role.COORDINATOR, now=NOW)
    await attach(session, curator, family_id, "curator")
    await consilium.plan(session, boss, family_id, TODAY + timedelta(days=2), NOW)

    day_before = NOW + timedelta(days=1)  # 10:00 in Moscow on the day before
    assert await consilium.enqueue_due(session, day_before - timedelta(minutes=1), SETTINGS) == 0
    assert await consilium.enqueue_due(session, day_before, SETTINGS) == 2
    assert await consilium.enqueue_due(session, day_before + timedelta(hours=1), SETTINGS) == 0
    rows = list(await session.scalars(select(OutboxMessage)))
    assert sorted(r.person_id for r in rows) == sorted([boss.person_id, curator.person_id])
    assert {r.purpose for r in rows} == {"consilium_soon"}


async def test_no_reminder_for_a_closed_family(session: AsyncSession) -> None:
    boss, family_id = await setup(session)
    await consilium.plan(session, boss, family_id, TODAY + timedelta(days=2), NOW)
    await families.close_family(session, boss, family_id, "moved", None, NOW)
    assert await consilium.enqueue_due(session, NOW + timedelta(days=1), SETTINGS) == 0
    assert await session.scalar(select(Consilium.id)) is not None
