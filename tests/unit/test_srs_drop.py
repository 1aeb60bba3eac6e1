"""The SRS across a child's meetings (services.srs.drops: the same person, the same child, the
previous meeting, a drop of CONCERN_DROP or more), the optional open question at the service
level, and the board's SRS block staying short however many drops and open answers there are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Meeting, MeetingParticipant, OutboxMessage, Relation, SupportLevel
from bot.dialogs.meetings.board import srs_summary_text, visible_length
from bot.services import families, meetings, srs
from bot.services.access import Actor
from bot.services.errors import DomainError
from bot.services.srs import Answer, Drop, Summary
from tests.unit.meeting_setup import GOOD, NOW, SRS, draft, held_meeting

LOW = {"relationship": 10, "goals": 9, "approach": 9, "overall": 9}  # 37: fine but lower

DAY = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def answer(
    total: int,
    *,
    days: int = 0,
    meeting: int | None = None,
    child: str = "Маша",
    person: int | None = 7,
    name: str = "Анна",
    relation: str = "mother",
) -> Answer:
    return Answer(
        meeting_id=meeting if meeting is not None else 100 + days,
        child=child,
        starts_at=DAY + timedelta(days=days),
        person_id=person,
        name=name,
        relation=relation,
        total=total,
    )


def test_one_point_lower_than_the_previous_meeting_is_a_drop() -> None:
    now = answer(39, days=14)
    assert srs.drops([now], [answer(40)]) == [Drop(name="Анна", before=40, after=39)]


def test_a_rise_the_same_total_or_a_first_meeting_is_none() -> None:
    assert srs.drops([answer(40, days=14)], [answer(35)]) == []
    assert srs.drops([answer(35, days=14)], [answer(35)]) == []
    assert srs.drops([answer(20, days=14)], []) == []


def test_only_the_previous_meeting_counts() -> None:
    earlier = [answer(30), answer(38, days=7), answer(40, days=21)]  # the last one is later
    assert srs.drops([answer(37, days=14)], earlier) == [Drop("Анна", 38, 37)]
    assert srs.drops([answer(38, days=14)], earlier) == []  # 30 two meetings ago is not it


def test_another_child_is_not_compared_and_the_name_is_case_blind() -> None:
    assert srs.drops([answer(30, days=14)], [answer(40, child="Петя")]) == []
    assert srs.drops([answer(30, days=14, child=" маша ")], [answer(40)]) == [Drop("Анна", 40, 30)]


def test_the_same_participant_by_person_or_by_name_and_relation() -> None:
    now = answer(30, days=14)
    assert srs.drops([now], [answer(40, person=8)]) == []  # another person, same name
    # One of the two without a person (left the bot): the name, trimmed and case-blind, and
    # the relation decide.
    assert srs.drops([now], [answer(40, person=None, name="  АННА ")]) == [Drop("Анна", 40, 30)]
    assert srs.drops([now], [answer(40, person=None, relation="friend")]) == []
    assert srs.drops([now], [answer(40, person=None, name="Анна Петровна")]) == []


def test_the_same_meeting_is_never_its_own_previous() -> None:
    assert srs.drops([answer(30, days=14)], [answer(40, days=14)]) == []


def test_the_board_block_shows_drops_and_open_answers_briefly() -> None:
    summary = Summary(
        attendees=30,
        responses=30,
        item_means={item.code: 9.5 for item in SRS.items},
        total_mean=38.0,
        under_concern=0,
        drops=tuple(
            Drop("Очень-очень длинное имя участника встречи " * 3, 40, 39) for _ in range(30)
        ),
        reflections=tuple("Буду больше слушать <ребёнка> " * 20 for _ in range(30)),
    )
    text = srs_summary_text(summary, SRS, "ru", str)
    assert "…and 25 more" in text and "…and 27 more" in text
    assert "What they will do differently (30):" in text
    assert "&lt;ребёнка&gt;" in text and ": 40 → 39" in text
    assert visible_length(text) < 800  # the board keeps room for 30 participants
    english = srs_summary_text(summary, SRS, "en", str)
    assert "⚠️ Lower than at this child's previous meeting:" in english


async def test_the_open_answer_is_added_once_and_checked(session: AsyncSession) -> None:
    _boss, _meeting_id, guests = await held_meeting(session)
    (came, came_id), (also, also_id), (absent, absent_id) = guests
    later = NOW + timedelta(days=10)
    with pytest.raises(DomainError) as caught:
        await srs.add_reflection(session, absent, absent_id, "Буду звонить")
    assert caught.value.code == "srs_not_open"
    assert not await srs.add_reflection(session, came, came_id, "Буду звонить")  # no survey yet
    assert await srs.submit(session, came, came_id, GOOD, None, later, SRS)
    for text, code in (("   ", "srs_reflection_empty"), ("я" * 501, "srs_reflection_long")):
        with pytest.raises(DomainError) as caught:
            await srs.add_reflection(session, came, came_id, text)
        assert caught.value.code == code
    with pytest.raises(DomainError):
        await srs.add_reflection(session, also, came_id, "чужой ответ")  # someone else's row
    assert await srs.add_reflection(session, came, came_id, "  Буду звонить чаще  ")
    assert not await srs.add_reflection(session, came, came_id, "Передумал")  # once
    assert await srs.submit(session, also, also_id, GOOD, None, later, SRS)
    found = await srs.summary(session, _boss, _meeting_id, SRS)
    assert found.reflections == ("Буду звонить чаще",) and found.drops == ()


async def _again(
    session: AsyncSession,
    boss: Actor,
    family_id: int,
    guests: list[tuple[Actor, int]],
    day: int,
    key: str,
    child: str = "Маша",
) -> list[int]:
    """Another meeting with the same guests (as the same people), held, everyone came."""
    meeting = await meetings.create(
        session,
        boss,
        family_id,
        draft(child_name=child, starts_local=datetime(2026, 12, day, 17, 0)),
        draft_key=key,
        now=NOW,
    )
    rows = []
    for index, (person, _row) in enumerate(guests):
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
        rows.append(row.id)
    await srs.mark_held(
        session, boss, meeting.id, set(rows), meeting.starts_at + timedelta(hours=3)
    )
    return rows


async def test_the_previous_meeting_is_a_held_one_of_the_same_family(session: AsyncSession) -> None:
    boss, first_id, guests = await held_meeting(session)  # Маша, 01.12
    (came, came_id), (also, also_id), _absent = guests
    first = await session.get(Meeting, first_id)
    assert first is not None
    later = NOW + timedelta(days=30)
    assert await srs.submit(session, came, came_id, GOOD, None, later, SRS)  # 38
    assert await srs.submit(session, also, also_id, GOOD, None, later, SRS)  # 38
    other_family = await families.add(
        session,
        boss,
        name="Петровы",
        category="tzhs",
        support_level=SupportLevel.BASIC,
        timezone="Europe/Moscow",
        known_categories={"tzhs"},
        now=NOW,
    )
    # Another family's «Маша» with the same people: not this child.
    elsewhere = await _again(session, boss, other_family.id, guests, 8, "k-other")
    assert await srs.submit(session, came, elsewhere[0], LOW, None, later, SRS)
    # The same child a week later: the first guest lower (an alert), the second the same.
    second = await _again(session, boss, first.family_id, guests, 8, "k-second")
    assert await srs.submit(session, came, second[0], LOW, None, later, SRS)
    assert await srs.submit(session, also, second[1], GOOD, None, later, SRS)
    second_meeting = (await session.get(MeetingParticipant, second[0])).meeting_id  # type: ignore[union-attr]
    found = await srs.summary(session, boss, second_meeting, SRS)
    assert found.drops == (Drop("Гость 0", 38, 37),)
    other_meeting = (await session.get(MeetingParticipant, elsewhere[0])).meeting_id  # type: ignore[union-attr]
    assert (await srs.summary(session, boss, other_meeting, SRS)).drops == ()
    drops = [
        row.params
        for row in await session.scalars(
            select(OutboxMessage).where(OutboxMessage.purpose == srs.ALERT_PURPOSE)
        )
    ]
    assert [p["drop"] for p in drops] == [[38, 37]]
