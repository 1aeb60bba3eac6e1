"""Network meetings at the service level: planning, participants, invitations only after the
child's approval, joining by a personal link, answers until the start, board, list, cancel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.db.models import (
    AuditEntry,
    Invitation,
    MeetingStatus,
    OutboxMessage,
    Relation,
    Role,
    Rsvp,
)
from bot.services import invitations, meetings, people
from bot.services.access import Actor
from bot.services.errors import AccessDenied
from tests.factories import make_person
from tests.unit.meeting_setup import NOW, TTL, draft, raises, setup


async def test_plan_validates_and_a_second_save_is_the_same_meeting(
    session: AsyncSession,
) -> None:
    boss, family_id = await setup(session)
    mentor = await make_person(session, 2, Role.MENTOR, now=NOW)
    with pytest.raises(AccessDenied):
        await meetings.create(session, mentor, family_id, draft(), draft_key="k0", now=NOW)
    await raises(
        "meeting_in_past",
        meetings.create(
            session,
            boss,
            family_id,
            draft(starts_local=datetime(2026, 11, 23, 9, 0)),
            draft_key="k1",
            now=NOW,
        ),
    )
    await raises(
        "meeting_child_empty",
        meetings.create(session, boss, family_id, draft(child_name="  "), draft_key="k2", now=NOW),
    )
    await raises(
        "meeting_note_long",
        meetings.create(session, boss, family_id, draft(note="х" * 601), draft_key="k3", now=NOW),
    )
    first = await meetings.create(session, boss, family_id, draft(), draft_key="k4", now=NOW)
    again = await meetings.create(session, boss, family_id, draft(), draft_key="k4", now=NOW)
    assert first.id == again.id
    # 17:00 in Moscow is 14:00 UTC.
    assert first.starts_at == datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    assert first.timezone == "Europe/Moscow"


async def test_invitation_only_after_the_childs_approval_and_joining_binds(
    session: AsyncSession,
) -> None:
    boss, family_id = await setup(session)
    meeting = await meetings.create(session, boss, family_id, draft(), draft_key="k", now=NOW)
    mum = await meetings.add_participant(
        session,
        boss,
        meeting.id,
        name="Анна Иванова",
        relation=Relation.MOTHER,
        approved_by_child=False,
        phone=None,
        now=NOW,
    )
    await raises("participant_not_approved", meetings.invite(session, boss, mum.id, NOW, ttl=TTL))
    await meetings.set_approved(session, boss, mum.id, True, NOW)
    first = await meetings.invite(session, boss, mum.id, NOW, ttl=TTL)
    invited = await meetings.invite(session, boss, mum.id, NOW, ttl=TTL)  # invited again
    assert invited.token and first.token and invited.token != first.token
    assert mum.invited_at == NOW
    old_link, problem = await invitations.find_valid(session, first.token, NOW)
    assert old_link is None and problem is not None  # the earlier link stopped working
    link = await session.scalar(
        select(Invitation).where(
            Invitation.meeting_participant_id == mum.id, Invitation.revoked_at.is_(None)
        )
    )
    assert link is not None and link.role == Role.PARTICIPANT.value
    assert link.expires_at <= meeting.starts_at

    await meetings.note_opened(session, link, NOW + timedelta(minutes=1))
    assert mum.opened_at == NOW + timedelta(minutes=1)
    joined = await people.join_by_invitation(
        session,
        people.Newcomer(5001, "Анна", "ru", "Europe/Moscow"),
        invited.token,
        NOW + timedelta(minutes=2),
    )
    assert joined.role is Role.PARTICIPANT
    assert joined.meeting_participant_id == mum.id
    assert mum.person_id == joined.person.id


async def test_existing_users_are_invited_in_the_chat(session: AsyncSession) -> None:
    boss, family_id = await setup(session)
    teacher = await make_person(session, 6001, Role.PARTICIPANT, now=NOW)
    meeting = await meetings.create(session, boss, family_id, draft(), draft_key="k", now=NOW)
    row = await meetings.add_participant(
        session,
        boss,
        meeting.id,
        name="Ирина Петровна",
        relation=Relation.TEACHER,
        approved_by_child=True,
        phone="+7 900",
        person_id=teacher.person_id,
        now=NOW,
    )
    invited = await meetings.invite(session, boss, row.id, NOW, ttl=TTL)
    assert invited.token is None
    again = await meetings.invite(session, boss, row.id, NOW + timedelta(hours=1), ttl=TTL)
    assert again.token is None
    sent = list(
        await session.scalars(
            select(OutboxMessage).where(OutboxMessage.purpose == meetings.INVITE_PURPOSE)
        )
    )
    assert [m.person_id for m in sent] == [teacher.person_id] * 2  # a resend is a new message
    assert all(m.params == {"participant_id": row.id} for m in sent)


async def test_participants_see_only_their_meeting_and_answer_until_the_start(
    session: AsyncSession,
) -> None:
    boss, family_id = await setup(session)
    meeting = await meetings.create(session, boss, family_id, draft(), draft_key="k", now=NOW)
    rows = []
    for index, (name, relation, approved) in enumerate(
        [
            ("Анна Иванова", Relation.MOTHER, True),
            ("Сергей Петров", Relation.RELATIVE, True),
            ("Тайный Гость", Relation.OTHER, False),
        ]
    ):
        person = await make_person(session, 7000 + index, Role.PARTICIPANT, now=NOW)
        rows.append(
            await meetings.add_participant(
                session,
                boss,
                meeting.id,
                name=name,
                relation=relation,
                approved_by_child=approved,
                phone=None,
                person_id=person.person_id,
                now=NOW,
            )
        )
    anna = Actor(rows[0].person_id or 0, 7000, frozenset({Role.PARTICIPANT.value}))
    view = await meetings.invitation_view(session, anna, rows[0].id, NOW)
    assert view.child_name == "Маша" and view.can_answer
    assert [(o.name, o.relation) for o in view.others] == [("Сергей", "relative")]
    assert view.starts_local.hour == 17
    # Nobody else opens or answers Anna's invitation: not the coordinator, not another invitee.
    sergey = Actor(rows[1].person_id or 0, 7001, frozenset({Role.PARTICIPANT.value}))
    for intruder in (sergey, boss):
        with pytest.raises(AccessDenied):
            await meetings.invitation_view(session, intruder, rows[0].id, NOW)
        with pytest.raises(AccessDenied):
            await meetings.answer(session, intruder, rows[0].id, Rsvp.NO, NOW)

    assert await meetings.answer(session, anna, rows[0].id, Rsvp.YES, NOW)
    assert not await meetings.answer(session, anna, rows[0].id, Rsvp.YES, NOW)
    assert await meetings.answer(session, anna, rows[0].id, Rsvp.MAYBE, NOW + timedelta(days=1))
    await meetings.comment(session, anna, rows[0].id, "  Приду с мужем  ", NOW)
    assert rows[0].rsvp == "maybe" and rows[0].rsvp_comment == "Приду с мужем"
    await raises(
        "participant_comment_long", meetings.comment(session, anna, rows[0].id, "х" * 501, NOW)
    )
    await raises(
        "meeting_answers_closed",
        meetings.answer(session, anna, rows[0].id, Rsvp.NO, meeting.starts_at),
    )


async def test_board_list_and_cancel(session: AsyncSession) -> None:
    boss, family_id = await setup(session)
    soon = await meetings.create(session, boss, family_id, draft(), draft_key="a", now=NOW)
    later = await meetings.create(
        session,
        boss,
        family_id,
        draft(starts_local=datetime(2026, 12, 20, 12, 0)),
        draft_key="b",
        now=NOW,
    )
    guest = await make_person(session, 8001, Role.PARTICIPANT, now=NOW)
    row = await meetings.add_participant(
        session,
        boss,
        soon.id,
        name="Олег <b>",
        relation=Relation.FRIEND,
        approved_by_child=True,
        phone=None,
        person_id=guest.person_id,
        now=NOW,
    )
    await meetings.invite(session, boss, row.id, NOW, ttl=TTL)
    guest_actor = Actor(guest.person_id, 8001, frozenset({Role.PARTICIPANT.value}))
    await meetings.answer(session, guest_actor, row.id, Rsvp.YES, NOW)
    board = await meetings.board(session, boss, soon.id, NOW)
    assert board.family_name == "Ивановы"
    assert board.counts == {"invited": 1, "yes": 1, "no": 0, "maybe": 0, "silent": 0}
    assert [(line.name, line.rsvp) for line in board.lines] == [("Олег <b>", "yes")]
    audited = await session.scalar(select(AuditEntry).where(AuditEntry.action == "meeting.board"))
    assert audited is not None and audited.object_id == soon.id

    upcoming, total = await meetings.page(session, boss, NOW, past=False, offset=0, limit=10)
    assert total == 2 and [m.id for m in upcoming] == [soon.id, later.id]
    assert (upcoming[0].invited, upcoming[0].accepted) == (1, 1)

    unused = await meetings.add_participant(
        session,
        boss,
        soon.id,
        name="Без бота",
        relation=Relation.NEIGHBOUR,
        approved_by_child=True,
        phone=None,
        now=NOW,
    )
    link = await meetings.invite(session, boss, unused.id, NOW, ttl=TTL)
    assert await meetings.cancel(session, boss, soon.id, NOW)
    assert not await meetings.cancel(session, boss, soon.id, NOW)
    revoked = await session.scalar(
        select(Invitation).where(Invitation.meeting_participant_id == unused.id)
    )
    assert link.token and revoked is not None and revoked.revoked_at == NOW
    assert soon.status == MeetingStatus.CANCELLED
    notices = list(
        await session.scalars(
            select(OutboxMessage).where(OutboxMessage.purpose == meetings.CANCEL_PURPOSE)
        )
    )
    assert [(n.person_id, n.params["when"]) for n in notices] == [
        (guest.person_id, "01.12.2026 17:00")
    ]
    past, total = await meetings.page(session, boss, NOW, past=True, offset=0, limit=10)
    assert total == 1 and past[0].id == soon.id
    await raises(
        "meeting_answers_closed", meetings.answer(session, guest_actor, row.id, Rsvp.NO, NOW)
    )
    await raises("meeting_not_planned", meetings.invite(session, boss, row.id, NOW, ttl=TTL))


async def test_started_meetings_wait_for_who_came_first_in_the_past_list(
    session: AsyncSession,
) -> None:
    boss, family_id = await setup(session)

    async def plan(day: int, key: str) -> int:
        starts = datetime(2026, 12, day, 17, 0)
        made = await meetings.create(
            session, boss, family_id, draft(starts_local=starts), draft_key=key, now=NOW
        )
        return made.id

    first, cancelled, second = await plan(1, "w1"), await plan(5, "w2"), await plan(20, "w3")
    assert await meetings.cancel(session, boss, cancelled, NOW)
    assert await meetings.awaiting_count(session, boss, NOW) == 0
    later = datetime(2026, 12, 25, 7, 0, tzinfo=UTC)  # both planned ones have started
    assert await meetings.awaiting_count(session, boss, later) == 2
    rows, total = await meetings.page(session, boss, later, past=True, offset=0, limit=10)
    # Waiting for «who came» first (latest first), then the cancelled one, though it is later.
    assert total == 3 and [r.id for r in rows] == [second, first, cancelled]
    assert [r.awaiting for r in rows] == [True, True, False]
    # Pages cut across the two parts without losing or repeating a meeting.
    for size in (1, 2):
        seen = []
        for offset in range(0, 3, size):
            part, _ = await meetings.page(
                session, boss, later, past=True, offset=offset, limit=size
            )
            seen += [r.id for r in part]
        assert seen == [second, first, cancelled], size
    assert await meetings.page(session, boss, later, past=False, offset=0, limit=10) == ([], 0)


async def _three_invited(
    session: AsyncSession, boss: Actor, meeting_id: int
) -> list[tuple[Actor, int]]:
    found = []
    for index, answer in enumerate((Rsvp.YES, Rsvp.MAYBE, Rsvp.NO)):
        person = await make_person(session, 9000 + index, Role.PARTICIPANT, now=NOW)
        row = await meetings.add_participant(
            session,
            boss,
            meeting_id,
            name=f"Гость {index}",
            relation=Relation.FRIEND,
            approved_by_child=True,
            phone=None,
            person_id=person.person_id,
            now=NOW,
        )
        await meetings.invite(session, boss, row.id, NOW, ttl=TTL)
        await meetings.answer(session, person, row.id, answer, NOW)
        found.append((person, row.id))
    return found


async def _rows(session: AsyncSession, purpose: str) -> list[OutboxMessage]:
    return list(
        await session.scalars(
            select(OutboxMessage).where(OutboxMessage.purpose == purpose).order_by(OutboxMessage.id)
        )
    )


async def test_reminders_24h_and_2h_to_yes_and_maybe_and_again_after_a_move(
    session: AsyncSession, settings: Settings
) -> None:
    boss, family_id = await setup(session)
    meeting = await meetings.create(session, boss, family_id, draft(), draft_key="k", now=NOW)
    guests = await _three_invited(session, boss, meeting.id)
    start = meeting.starts_at  # 01.12 17:00 Moscow
    assert await meetings.enqueue_reminders(session, start - timedelta(hours=25), settings) == 0
    day_before = start - timedelta(hours=24) + timedelta(minutes=1)
    assert await meetings.enqueue_reminders(session, day_before, settings) == 2
    assert await meetings.enqueue_reminders(session, day_before, settings) == 0
    two_before = start - timedelta(hours=2)
    assert await meetings.enqueue_reminders(session, two_before, settings) == 2
    sent = await _rows(session, meetings.REMINDER_PURPOSE)
    coming = {guests[0][0].person_id, guests[1][0].person_id}
    assert {r.person_id for r in sent} == coming
    assert sorted(r.params["label"] for r in sent) == ["24h", "24h", "2h", "2h"]

    # Moved by a day: everyone invited hears what changed, and the reminders come again.
    moved = datetime(2026, 12, 2, 17, 0)
    assert await meetings.reschedule(session, boss, meeting.id, now=NOW, starts_local=moved)
    assert not await meetings.reschedule(session, boss, meeting.id, now=NOW, starts_local=moved)
    changes = await _rows(session, meetings.CHANGE_PURPOSE)
    assert len(changes) == 3
    assert changes[0].params["changes"] == {"when": ["01.12.2026 17:00", "02.12.2026 17:00"]}
    again = meeting.starts_at - timedelta(hours=24) + timedelta(minutes=1)
    assert await meetings.enqueue_reminders(session, again, settings) == 2


async def test_no_meeting_reminder_at_night(session: AsyncSession, settings: Settings) -> None:
    boss, family_id = await setup(session)
    early = await meetings.create(
        session,
        boss,
        family_id,
        draft(starts_local=datetime(2026, 12, 1, 8, 0)),
        draft_key="k",
        now=NOW,
    )
    await _three_invited(session, boss, early.id)
    # 24 h before is 08:00 local (quiet until 09:00): it waits for the morning...
    day_before = early.starts_at - timedelta(hours=24)
    assert await meetings.enqueue_reminders(session, day_before, settings) == 0
    assert await meetings.enqueue_reminders(session, day_before + timedelta(hours=1), settings) == 2
    # ...and 2 h before is 06:00: not sent at all.
    two_before = early.starts_at - timedelta(hours=2)
    assert await meetings.enqueue_reminders(session, two_before, settings) == 0


async def test_a_bot_user_is_on_a_meeting_once(session: AsyncSession) -> None:
    boss, family_id = await setup(session)
    meeting = await meetings.create(session, boss, family_id, draft(), draft_key="k", now=NOW)
    guest = await make_person(session, 9901, Role.PARENT, now=NOW)
    for attempt in range(2):
        adding = meetings.add_participant(
            session,
            boss,
            meeting.id,
            name="Анна",
            relation=Relation.MOTHER,
            approved_by_child=True,
            phone=None,
            person_id=guest.person_id,
            now=NOW,
        )
        if attempt == 0:
            await adding
        else:
            await raises("participant_duplicate", adding)
