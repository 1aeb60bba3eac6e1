"""A meeting's details edited after the invitations went out: everyone invited who uses the bot
is told what changed (declined too, as for a move), in one message per participant however many
edits are still waiting in the outbox, none when an edit was undone. The note is named, never
quoted; withdrawal rewrites the texts a waiting notice quotes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

import bot.notifications  # noqa: F401  (registers the message kinds)
from bot.content import Content
from bot.db.models import (
    AuditEntry,
    MeetingFormat,
    OutboxMessage,
    OutboxStatus,
    Person,
    Relation,
    Role,
    Rsvp,
    SupportLevel,
)
from bot.delivery.render import Outgoing, registry
from bot.i18n import Translator
from bot.i18n.telegram import PoI18n, create_i18n
from bot.services import families, meetings, privacy
from bot.services.access import Actor
from bot.services.errors import AccessDenied, DomainError
from tests.factories import make_person
from tests.faketg import limits

# Monday 23.11.2026, 10:00 in Moscow.
NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
TTL = timedelta(days=7)
NOTE = "Маше сейчас непросто, ей важна поддержка близких."


def draft() -> meetings.MeetingDraft:
    return meetings.MeetingDraft(
        child_name="Маша",
        topic="Я хочу жить с мамой",
        format=MeetingFormat.DIALOGUE,
        starts_local=datetime(2026, 12, 1, 17, 0),
        place="Центр «Семья»",
        duration_minutes=120,
        facilitators="Ольга и Пётр",
        contact="+7 900 000-00-00",
        note=NOTE,
    )


async def _planned(session: AsyncSession) -> tuple[Actor, int, dict[str, int]]:
    """A meeting with three invitees who use the bot (yes, maybe, no), one invited by a link
    who has not joined, and one who uses the bot but is not invited yet. Returns the
    coordinator, the meeting id and the participant ids by name."""
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
    meeting = await meetings.create(session, boss, family.id, draft(), draft_key="k", now=NOW)
    rows: dict[str, int] = {}
    for index, (name, rsvp) in enumerate(
        (("yes", Rsvp.YES), ("maybe", Rsvp.MAYBE), ("no", Rsvp.NO), ("later", None))
    ):
        person = await make_person(session, 9000 + index, Role.PARTICIPANT, now=NOW)
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
        rows[name] = row.id
        if rsvp is None:
            continue
        await meetings.invite(session, boss, row.id, NOW, ttl=TTL)
        await meetings.answer(session, person, row.id, rsvp, NOW)
    link = await meetings.add_participant(
        session,
        boss,
        meeting.id,
        name="Бабушка",
        relation=Relation.RELATIVE,
        approved_by_child=True,
        phone=None,
        now=NOW,
    )
    await meetings.invite(session, boss, link.id, NOW, ttl=TTL)
    rows["link"] = link.id
    return boss, meeting.id, rows


async def _notices(session: AsyncSession, *, status: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.purpose == meetings.CHANGE_PURPOSE)
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    rows = await session.scalars(
        query.order_by(OutboxMessage.id).execution_options(populate_existing=True)
    )
    return list(rows)


async def test_everyone_invited_who_uses_the_bot_is_told_what_changed(
    session: AsyncSession,
) -> None:
    boss, meeting_id, rows = await _planned(session)
    assert await meetings.update_details(
        session,
        boss,
        meeting_id,
        topic="Хочу видеться с папой",
        format=MeetingFormat.FAMILY_COUNCIL,
        duration_minutes=90,
        facilitators="Ольга и Пётр",  # the same: not a change
        contact="+7 900 111-11-11",
        note="Новое описание ситуации.",
        now=NOW,
    )
    notices = await _notices(session)
    # Declined too (a new topic or format may change their mind, as a move may); neither the one
    # not invited yet (their invitation will show the new details) nor the one without the bot.
    assert [n.object_id for n in notices] == [rows["yes"], rows["maybe"], rows["no"]]
    first = notices[0]
    assert first.kind == meetings.CHANGE_KIND and first.status == OutboxStatus.PENDING
    assert first.family_facing  # details wait for the recipient's morning, like an invitation
    assert first.params == {
        "participant_id": rows["yes"],
        "meeting_id": meeting_id,
        "changes": {
            "topic": ["Я хочу жить с мамой", "Хочу видеться с папой"],
            "format": ["dialogue", "family_council"],
            "duration_minutes": [120, 90],
            "contact": ["+7 900 000-00-00", "+7 900 111-11-11"],
            "note": [meetings.note_digest(NOTE), meetings.note_digest("Новое описание ситуации.")],
        },
    }
    assert "ситуац" not in str(first.params) and "непросто" not in str(first.params)
    audit = await session.scalar(select(AuditEntry).where(AuditEntry.action == "meeting.details"))
    assert audit is not None and audit.details == {
        "changed": ["contact", "duration_minutes", "format", "note", "topic"]
    }


async def test_nothing_changed_tells_nobody_and_others_are_refused(session: AsyncSession) -> None:
    boss, meeting_id, _rows = await _planned(session)
    assert not await meetings.update_details(
        session, boss, meeting_id, topic="  Я хочу жить с мамой ", duration_minutes=120, now=NOW
    )
    assert await _notices(session) == []

    mentor = await make_person(session, 50, Role.MENTOR, now=NOW)
    guest_person = await session.scalar(select(Person).where(Person.telegram_id == 9000))
    assert guest_person is not None
    for stranger in (mentor, Actor.of(guest_person)):
        with pytest.raises(AccessDenied):
            await meetings.update_details(session, stranger, meeting_id, topic="Чужая", now=NOW)
    assert await _notices(session) == []

    # Cancelled: refused as before, nobody told.
    await meetings.cancel(session, boss, meeting_id, NOW)
    with pytest.raises(DomainError) as caught:
        await meetings.update_details(session, boss, meeting_id, topic="Поздно", now=NOW)
    assert caught.value.code == "meeting_not_planned"
    assert await _notices(session) == []


async def test_edits_waiting_in_the_outbox_become_one_notice(session: AsyncSession) -> None:
    boss, meeting_id, _rows = await _planned(session)

    async def edit(**values: Any) -> None:
        assert await meetings.update_details(session, boss, meeting_id, now=NOW, **values)

    # Two edits at the same clock reading before anyone was told: one notice each, first to last.
    await edit(topic="Тема Б")
    await edit(topic="Тема В", duration_minutes=60)
    pending = await _notices(session, status="pending")
    assert len(pending) == 3
    assert pending[0].params["changes"] == {
        "topic": ["Я хочу жить с мамой", "Тема В"],
        "duration_minutes": [120, 60],
    }
    replaced = await _notices(session, status="cancelled")
    assert len(replaced) == 3
    assert all(r.params == {} and r.last_error == meetings.REPLACED for r in replaced)

    # Undone before delivery: nothing left to tell.
    await edit(topic="Я хочу жить с мамой", duration_minutes=120)
    assert await _notices(session, status="pending") == []

    # A notice already sent is not taken back: the next one says what changed since.
    await edit(topic="Тема Г")
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "pending")
        .values(status=OutboxStatus.SENT.value, sent_at=NOW)
    )
    await edit(topic="Тема Д")
    pending = await _notices(session, status="pending")
    assert [p.params["changes"] for p in pending] == [{"topic": ["Тема Г", "Тема Д"]}] * 3
    # Nor one a sender is sending right now.
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "pending")
        .values(status=OutboxStatus.SENDING.value)
    )
    await edit(topic="Тема Е")
    pending = await _notices(session, status="pending")
    assert [p.params["changes"] for p in pending] == [{"topic": ["Тема Д", "Тема Е"]}] * 3
    # A move joins the waiting details notice and is not held for the morning.
    assert await meetings.reschedule(
        session, boss, meeting_id, now=NOW, starts_local=datetime(2026, 12, 2, 17, 0)
    )
    pending = await _notices(session, status="pending")
    assert len(pending) == 3 and not pending[0].family_facing
    assert pending[0].params["changes"] == {
        "topic": ["Тема Д", "Тема Е"],
        "when": ["01.12.2026 17:00", "02.12.2026 17:00"],
    }
    keys = [n.dedup_key for n in await _notices(session)]
    assert len(keys) == len(set(keys))


@pytest.fixture(scope="module")
def i18n() -> PoI18n:
    return create_i18n("ru")


def _render(i18n: PoI18n, params: dict[str, Any], locale: str) -> str:
    outgoing: Outgoing = registry.render(
        meetings.CHANGE_KIND, params, Translator(i18n, locale), Content()
    )
    limits.check_text(limits.render(outgoing.text, "HTML", None, what="text"))
    assert outgoing.reply_markup is not None
    assert outgoing.reply_markup.inline_keyboard[0][0].callback_data == "mt:v:7"
    return outgoing.text


def test_the_notice_in_both_languages_escapes_what_people_typed(i18n: PoI18n) -> None:
    params = {
        "participant_id": 7,
        "meeting_id": 3,
        "changes": {
            "note": ["a", "b"],
            "contact": ["+7 900", "Ольга <в чате> & звонки"],
            "facilitators": ["Ольга", "Ольга и Пётр"],
            "duration_minutes": [120, 90],
            "format": ["dialogue", "family_council"],
            "topic": ["Я хочу жить с мамой", "Хочу <домой>"],
        },
    }
    assert _render(i18n, params, "en").splitlines() == [
        "🔄 A meeting you are invited to has changed.",
        "Topic: «Хочу &lt;домой&gt;» (was «Я хочу жить с мамой»).",
        "Format: family council (was meeting-dialogue).",
        "Duration: 1 h 30 min (was 2 h).",
        "Facilitators: Ольга и Пётр (was Ольга).",
        "Coordinator's contact: Ольга &lt;в чате&gt; &amp; звонки (was +7 900).",
        "The note about the situation is updated: you can read it in the invitation.",
        "If your plans change, you can change your answer in the invitation.",
    ]
    ru = _render(i18n, params, "ru").splitlines()
    assert ru[0] == "🔄 Во встрече, на которую вас пригласили, есть изменения."
    assert ru[1] == "Тема: «Хочу &lt;домой&gt;» (была «Я хочу жить с мамой»)."
    assert ru[3] == "Длительность: 1 ч 30 мин (была 2 ч)."
    assert ru[6] == "Описание ситуации обновлено: его можно прочитать в приглашении."
    # The longest texts a coordinator can type still fit one message.
    longest = {
        "participant_id": 7,
        "changes": {
            field: ["<&>" * (meetings.SHORT_TEXT_MAX // 3), "«»" * (meetings.SHORT_TEXT_MAX // 2)]
            for field in ("topic", "place", "facilitators", "contact")
        },
    }
    assert len(_render(i18n, longest, "ru").splitlines()) == 6


async def test_withdrawal_rewrites_the_texts_a_waiting_notice_quotes(
    session: AsyncSession,
) -> None:
    boss, meeting_id, rows = await _planned(session)
    maria = await make_person(session, 7000, Role.PARTICIPANT, now=NOW)
    await session.execute(
        update(Person).where(Person.id == maria.person_id).values(display_name="Мария Иванова")
    )
    row = await meetings.add_participant(
        session,
        boss,
        meeting_id,
        name="Мария",
        relation=Relation.MOTHER,
        approved_by_child=True,
        phone=None,
        person_id=maria.person_id,
        now=NOW,
    )
    await meetings.invite(session, boss, row.id, NOW, ttl=TTL)
    assert await meetings.update_details(
        session,
        boss,
        meeting_id,
        topic="Хочу видеться с Марией",
        facilitators="Ольга, Мария",
        contact="+7 900 111-11-11",
        now=NOW,
    )
    await privacy.withdraw(session, maria, NOW)
    await session.flush()
    notices = {n.object_id: n for n in await _notices(session)}
    assert notices[row.id].status == "cancelled" and notices[row.id].params == {}
    assert notices[rows["yes"]].status == "pending"
    assert notices[rows["yes"]].params["changes"] == {
        "topic": ["Я хочу жить с мамой", "Хочу видеться с —"],
        "facilitators": ["Ольга и Пётр", "Ольга, —"],
        "contact": ["+7 900 000-00-00", "+7 900 111-11-11"],
    }

    # The planner withdraws: their contact goes from every notice that quotes it; a waiting one
    # left with nothing to say is not sent.
    told = await _notices(session, status="pending")
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_([n.id for n in told]))
        .values(status=OutboxStatus.SENT.value, sent_at=NOW)
    )
    assert await meetings.update_details(session, boss, meeting_id, contact="+7 1", now=NOW)
    waiting = await _notices(session, status="pending")
    assert len(waiting) == 3
    await privacy.withdraw(session, boss, NOW)
    await session.flush()
    after = {n.id: n for n in await _notices(session)}
    assert all(
        after[n.id].status == "sent"
        and after[n.id].params["changes"]
        == {
            "topic": ["Я хочу жить с мамой", "Хочу видеться с —"],
            "facilitators": ["Ольга и Пётр", "Ольга, —"],
        }
        for n in told
    )
    assert all(
        after[n.id].status == "cancelled" and after[n.id].params["changes"] == {} for n in waiting
    )
