"""Picking a participant among people who use the bot, and editing a planned meeting's details."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import AuditEntry, MeetingFormat, Person, Role
from bot.services import meetings
from bot.services.access import Actor
from bot.services.errors import AccessDenied
from tests.factories import make_person
from tests.unit.meeting_setup import NOW, draft, raises, setup


async def named(
    session: AsyncSession, telegram_id: int, name: str, *, blocked: bool = False
) -> Actor:
    actor = await make_person(session, telegram_id, Role.PARENT, now=NOW)
    person = await session.get(Person, actor.person_id)
    assert person is not None
    person.display_name = name
    person.blocked_at = NOW if blocked else None
    await session.flush()
    return actor


async def test_candidates_match_any_case_skip_blocked_and_audit_without_names(
    session: AsyncSession,
) -> None:
    boss, _family_id = await setup(session)
    olga = await named(session, 11, "Ольга Иванова")
    await named(session, 12, "ОЛЬГА Петрова", blocked=True)
    sergey = await named(session, 13, "Сергей Ольгин")
    for n in range(10):
        await named(session, 100 + n, f"Анна {n}")

    found = await meetings.candidates(session, boss, "ольг", 8, now=NOW)
    assert [c.person_id for c in found] == [olga.person_id, sergey.person_id]
    assert found[0].name == "Ольга Иванова"
    assert len(await meetings.candidates(session, boss, "АННА", 8, now=NOW)) == 8
    assert await meetings.candidates(session, boss, "Зинаида", 8, now=NOW) == []
    assert await meetings.candidates(session, boss, "   ", 8, now=NOW) == []

    mentor = await make_person(session, 2, Role.MENTOR, now=NOW)
    with pytest.raises(AccessDenied):
        await meetings.candidates(session, mentor, "ольг", 8, now=NOW)

    audits = list(
        await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "meeting.people_search")
        )
    )
    assert len(audits) == 3  # the empty query searched nothing
    assert "Ольг" not in str([a.details for a in audits])
    assert "ольг" not in str([a.details for a in audits])


async def test_update_details_validates_like_create_and_is_audited(session: AsyncSession) -> None:
    boss, family_id = await setup(session)
    meeting = await meetings.create(session, boss, family_id, draft(), draft_key="k", now=NOW)
    mentor = await make_person(session, 2, Role.MENTOR, now=NOW)
    with pytest.raises(AccessDenied):
        await meetings.update_details(session, mentor, meeting.id, topic="Другое", now=NOW)
    await raises(
        "meeting_topic_empty",
        meetings.update_details(session, boss, meeting.id, topic="  ", now=NOW),
    )
    await raises(
        "meeting_note_long",
        meetings.update_details(session, boss, meeting.id, note="х" * 601, now=NOW),
    )
    await raises(
        "meeting_duration",
        meetings.update_details(session, boss, meeting.id, duration_minutes=5, now=NOW),
    )
    assert await meetings.update_details(
        session,
        boss,
        meeting.id,
        topic=" Хочу видеться с папой ",
        format=MeetingFormat.FAMILY_COUNCIL,
        duration_minutes=180,
        facilitators="Елена",
        contact="+7 900 111-11-11",
        note="Коротко.",
        now=NOW,
    )
    assert meeting.topic == "Хочу видеться с папой"
    assert meeting.duration_minutes == 180 and meeting.format == "family_council"
    assert (meeting.facilitators, meeting.contact, meeting.note) == (
        "Елена",
        "+7 900 111-11-11",
        "Коротко.",
    )
    # The same values again: nothing changed, nothing audited.
    assert not await meetings.update_details(
        session, boss, meeting.id, duration_minutes=180, now=NOW
    )
    audits = list(
        await session.scalars(select(AuditEntry).where(AuditEntry.action == "meeting.details"))
    )
    assert len(audits) == 1 and audits[0].details is not None
    assert "duration_minutes" in audits[0].details["changed"]
    # Once the meeting has started it can no longer be edited.
    await raises(
        "meeting_not_planned",
        meetings.update_details(
            session, boss, meeting.id, topic="Позже", now=meeting.starts_at + timedelta(minutes=1)
        ),
    )
