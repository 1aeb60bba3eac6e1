"""Meetings at the service level, as the unit tests of meetings, attendance, decisions, case
plans and the SRS survey arrange them: a coordinator with one family, a meeting draft, a held
meeting with three invitees (two came), and a refusal with a given code.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.srs import load_srs
from bot.db.models import (
    MeetingFormat,
    Relation,
    Role,
    SupportLevel,
)
from bot.services import families, meetings, srs
from bot.services.access import Actor
from bot.services.errors import DomainError
from tests.factories import make_person

# Monday 23.11.2026, 10:00 in Moscow.
NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
TTL = timedelta(days=7)


def draft(**changes: object) -> meetings.MeetingDraft:
    values: dict[str, object] = {
        "child_name": "Маша",
        "topic": "Я хочу жить с мамой",
        "format": MeetingFormat.DIALOGUE,
        "starts_local": datetime(2026, 12, 1, 17, 0),
        "place": "Центр «Семья», ул. Ленина, 1",
        "duration_minutes": 120,
        "facilitators": "Ольга и Пётр",
        "contact": "+7 900 000-00-00",
        "note": "Маше сейчас непросто, ей важна поддержка близких.",
    }
    values.update(changes)
    return meetings.MeetingDraft(**values)  # type: ignore[arg-type]


async def setup(session: AsyncSession) -> tuple[Actor, int]:
    boss = await make_person(session, 1, Role.COORDINATOR, now=NOW)
    family = await families.add(
        session,
        boss,
        name="Ивановы",
        category="tzhs",
        support_level=SupportLevel.BASIC,
        timezone="Europe/Moscow",
        known_categories={"tzhs"},
        now=NOW,
    )
    return boss, family.id


async def raises(code: str, awaitable: object) -> None:
    with pytest.raises(DomainError) as caught:
        await awaitable  # type: ignore[misc]
    assert caught.value.code == code


SRS = load_srs()
GOOD = {"relationship": 10, "goals": 9, "approach": 10, "overall": 9}


async def held_meeting(session: AsyncSession) -> tuple[Actor, int, list[tuple[Actor, int]]]:
    """A meeting with three invitees who use the bot; two of them came."""
    boss, family_id = await setup(session)
    meeting = await meetings.create(session, boss, family_id, draft(), draft_key="k", now=NOW)
    guests = []
    for index in range(3):
        person = await make_person(session, 9100 + index, Role.PARTICIPANT, now=NOW)
        row = await meetings.add_participant(
            session,
            boss,
            meeting.id,
            name=f"Гость {index}",
            relation=Relation.FRIEND,
            approved_by_child=True,
            phone=None,
            person_id=person.person_id,
            now=NOW,
        )
        await meetings.invite(session, boss, row.id, NOW, ttl=TTL)
        guests.append((person, row.id))
    with pytest.raises(DomainError):
        await srs.mark_held(session, boss, meeting.id, {guests[0][1]}, NOW)  # not started yet
    after = meeting.starts_at + timedelta(hours=3)
    queued = await srs.mark_held(session, boss, meeting.id, {guests[0][1], guests[1][1]}, after)
    assert queued == 2
    return boss, meeting.id, guests
