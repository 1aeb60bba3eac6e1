"""The issue's whole path for a network meeting: planned with the typical network of eight
people; each opens a personal link; six accept, one declines, one stays silent; reminders 24 h
and 2 h before reach only those who said yes; the meeting moves and everyone invited hears it;
it is held with five attendees, who rate it on the SRS; the board's summary and the alert are
right; an unapproved person cannot be invited.

Time: the harness clock starts on Monday 23 Nov 2026, 07:00 UTC (10:00 in Moscow); the meeting is
on Tuesday 1 Dec at 17:00 Moscow time, moved to Wednesday 2 Dec at 17:00.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.content.srs import load_srs
from bot.db.models import MeetingFormat, OutboxMessage, Relation
from bot.scheduler.jobs import run_meeting_reminders
from bot.services import meetings, srs
from bot.services.errors import DomainError
from tests.conftest import ADMIN_ID
from tests.faketg import FakeUser
from tests.harness import BotHarness, agree_button

NETWORK = [
    ("Анна", Relation.MOTHER),
    ("Игорь", Relation.RELATIVE),  # mother's partner
    ("Светлана", Relation.FRIEND),  # mother's close friend
    ("Петя", Relation.FRIEND),  # the child's friend
    ("Ирина Петровна", Relation.TEACHER),
    ("Олег Сергеевич", Relation.OFFICIAL),  # secretary of the КДНиЗП
    ("Марина", Relation.SPECIALIST),  # social worker
    ("Дмитрий", Relation.SPECIALIST),  # psychotherapist
]
ANSWERS = ["Приду"] * 6 + ["Не смогу", None]


async def send_due(app: BotHarness) -> None:
    """Sender rounds for what is due now; eight chats take a few seconds at one message a second."""
    for _ in range(3):
        await app.sender.drain(max_idle_wait=0)
        app.clock.advance(1)


def count(user: FakeUser, prefix: str) -> int:
    return sum(t.startswith(prefix) for t in user.texts())


async def test_network_meeting_from_links_to_srs(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    family_id = await app.add_family(ADMIN_ID, "Ивановы")
    boss = await app.actor(ADMIN_ID)
    async with app.sessionmaker.begin() as session:
        meeting = await meetings.create(
            session,
            boss,
            family_id,
            meetings.MeetingDraft(
                child_name="Маша",
                topic="Я хочу жить с мамой",
                format=MeetingFormat.DIALOGUE,
                starts_local=datetime(2026, 12, 1, 17, 0),
                place="Центр «Семья», ул. Ленина, 5",
                duration_minutes=120,
                facilitators="Ольга, Пётр",
                contact="+7 900 000-00-00",
                note="Маша живёт у бабушки и скучает по маме.",
            ),
            draft_key="flow",
            now=app.clock.now(),
        )
        rows = [
            await meetings.add_participant(
                session,
                boss,
                meeting.id,
                name=name,
                relation=relation,
                approved_by_child=index != 7,  # the child has not approved the last one yet
                phone=None,
                now=app.clock.now(),
            )
            for index, (name, relation) in enumerate(NETWORK)
        ]
        with pytest.raises(DomainError) as refused:
            await meetings.invite(session, boss, rows[7].id, app.clock.now(), ttl=timedelta(7))
        assert refused.value.code == "participant_not_approved"
        await meetings.set_approved(session, boss, rows[7].id, True, app.clock.now())
        tokens = [
            (await meetings.invite(session, boss, r.id, app.clock.now(), ttl=timedelta(7))).token
            for r in rows
        ]
    assert len(set(tokens)) == 8

    people: list[FakeUser] = []
    for index, (token, answer) in enumerate(zip(tokens, ANSWERS, strict=True)):
        person = app.user(5100 + index, first_name=NETWORK[index][0])
        await person.send_start(token)
        await person.press(agree_button("ru"))
        assert person.last_text().startswith("📩 Приглашение на встречу")
        if answer is not None:
            await person.press(answer)
        people.append(person)
    board = await _board(app, meeting.id)
    assert board.counts == {"invited": 8, "yes": 6, "no": 1, "maybe": 0, "silent": 1}
    assert all(line.opened and line.joined for line in board.lines)

    # Reminders: 24 h and 2 h before, to the six who said yes only.
    start = meeting.starts_at
    app.clock.set(start - timedelta(hours=24) + timedelta(minutes=1))
    assert await run_meeting_reminders(app.sessionmaker, app.clock, app.settings) == 6
    assert await run_meeting_reminders(app.sessionmaker, app.clock, app.settings) == 0
    app.clock.set(start - timedelta(hours=2))
    assert await run_meeting_reminders(app.sessionmaker, app.clock, app.settings) == 6
    await send_due(app)
    assert [count(p, "📅 Напоминаем") for p in people] == [1] * 6 + [0, 0]
    assert [count(p, "⏰ Встреча начнётся через два часа") for p in people] == [1] * 6 + [0, 0]

    # Moved by a day: all eight hear it, with the old and the new time.
    async with app.sessionmaker.begin() as session:
        assert await meetings.reschedule(
            session,
            boss,
            meeting.id,
            now=app.clock.now(),
            starts_local=datetime(2026, 12, 2, 17, 0),
        )
    await send_due(app)
    for person in people:
        notice = next(t for t in person.texts() if t.startswith("🔄"))
        assert "02.12.2026 17:00" in notice and "01.12.2026 17:00" in notice

    # Held: five came; they get the survey and rate the meeting.
    async with app.sessionmaker() as session:
        moved = await session.get(type(meeting), meeting.id)
        assert moved is not None
        held_at = moved.starts_at + timedelta(hours=2, minutes=30)
    app.clock.set(held_at)
    came = rows[:5]
    async with app.sessionmaker.begin() as session:
        assert await srs.mark_held(session, boss, meeting.id, {r.id for r in came}, held_at) == 5
    await send_due(app)
    scores = [
        ("10", "10", "10", "10"),
        ("9", "9", "10", "9"),
        ("10", "6", "9", "10"),  # goals under 9: an alert naming it
        ("8", "8", "9", "9"),  # total 34, under 36: an alert
        ("10", "10", "9", "10"),
    ]
    for person, values in zip(people[:5], scores, strict=True):
        await person.press("📝 Оценить встречу")
        await person.press("Начать")
        for value in values:
            await person.press(value)
        await person.press("Пропустить")
        assert "Ваши ответы переданы ведущим" in person.last_text()
    assert not any(t.startswith("📝") for p in people[5:] for t in p.texts())

    async with app.sessionmaker() as session:
        summary = await srs.summary(session, boss, meeting.id, load_srs())
    assert (summary.attendees, summary.responses, summary.under_concern) == (5, 5, 2)
    assert summary.item_means == {
        "relationship": 9.4,
        "goals": 8.6,
        "approach": 9.4,
        "overall": 9.6,
    }
    assert summary.total_mean == pytest.approx(37.0)
    await app.deliver()
    alerts = [t for t in admin.texts() if t.startswith("⚠️")]
    assert len(alerts) == 2
    assert any("Цели и темы" in a for a in alerts) and any("всего 34 из 40" in a for a in alerts)
    async with app.sessionmaker() as session:
        failed = await session.scalars(
            select(OutboxMessage.kind).where(OutboxMessage.status == "failed")
        )
        assert list(failed) == []
    app.fake.assert_no_violations()


async def _board(app: BotHarness, meeting_id: int) -> meetings.Board:
    boss = await app.actor(ADMIN_ID)
    async with app.sessionmaker.begin() as session:
        return await meetings.board(session, boss, meeting_id, app.clock.now())
