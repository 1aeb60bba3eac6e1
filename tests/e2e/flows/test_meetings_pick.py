"""Network meetings: adding someone who already uses the bot (picked by a part of their name,
invited in the chat) and editing a planned meeting's topic, format, duration and the rest."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select

from bot.db.models import (
    AuditEntry,
    Meeting,
    MeetingFormat,
    MeetingParticipant,
    Person,
    PersonRole,
    Role,
)
from bot.services import meetings
from tests.conftest import ADMIN_ID
from tests.e2e.steps import add_participant, create_meeting
from tests.faketg import FakeUser
from tests.harness import BotHarness

EN = {
    "add": "➕ Participant",
    "bot_user": "👤 Someone who uses the bot",
    "new": "✍️ Someone new",
    "as_new": "✍️ Add as someone new",
    "again": "🔎 Search again",
    "mother": "mother",
    "teacher": "teacher or carer",
    "yes": "✅ Yes",
    "invite": "🔗 Invite",
    "sent": "{name} already uses the bot: the invitation was sent in the chat.",
    "added": "{name} is added.",
    "no_match": "Nobody who uses the bot matches «{q}»",
    "stale": "This button is out of date.",
    "invited": "📩 You are invited to a network meeting.",
    "open": "📩 Open the invitation",
    "first": "📩 An invitation to a meeting",
    "edit": "✏️ Edit details",
    "topic": "Topic",
    "duration": "Duration",
    "format": "Format",
    "note": "Note",
    "min": "{n} min",
    "saved": "Saved. The invitation shows the new details.",
    "same": "Nothing changed: it is the same as before.",
    "board_topic": "Topic: «{topic}»",
    "board_when": ", {n} min",
    "to_board": "⬅️ To the meeting",
}
RU = {
    "add": "➕ Участник",
    "bot_user": "👤 Уже пользуется ботом",
    "new": "✍️ Новый человек",
    "as_new": "✍️ Добавить как нового",
    "again": "🔎 Искать снова",
    "mother": "мама",
    "yes": "✅ Да",
    "invite": "🔗 Пригласить",
    "sent": "{name} уже пользуется ботом: приглашение отправлено в чат.",
    "added": "{name} добавлен(а).",
    "no_match": "никого не нашлось по запросу «{q}»",
    "invited": "📩 Вас приглашают на сетевую встречу.",
    "open": "📩 Открыть приглашение",
    "first": "📩 Приглашение на встречу",
    "edit": "✏️ Изменить детали",
    "topic": "Тема",
    "duration": "Длительность",
    "min": "{n} мин",
    "saved": "Сохранено. В приглашении теперь новые данные.",
    "board_topic": "Тема: «{topic}»",
    "board_when": ", {n} мин",
}


def board_details(admin: FakeUser) -> str:
    return next(
        b["callback_data"]
        for m in reversed(admin.messages())
        for b in m.buttons()
        if b["text"] == EN["edit"]
    )


async def ru_meeting(app: BotHarness, admin: FakeUser, family_id: int) -> None:
    """A planned meeting made by the service and opened from /meetings."""
    async with app.sessionmaker.begin() as session:
        await meetings.create(
            session,
            await app.actor(ADMIN_ID),
            family_id,
            meetings.MeetingDraft(
                child_name="Маша",
                topic="Я хочу жить с мамой",
                format=MeetingFormat.DIALOGUE,
                starts_local=datetime(2026, 11, 24, 17, 30),
                place="Школа №5",
                duration_minutes=90,
                facilitators="Елена и Павел",
                contact="+7 900 000-00-00",
                note="Маше важна поддержка близких.",
            ),
            draft_key="ru",
            now=app.clock.now(),
        )
    await admin.send_command("meetings")
    button = next(b for b in admin.last().button_texts() if b.startswith("24.11.2026"))
    await admin.press(button)


async def test_pick_a_parent_who_uses_the_bot_and_invite_in_the_chat(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID, language_code="en")
    family_id = await app.add_family(ADMIN_ID, "Ивановы")
    mum = await app.joined(
        3001,
        await app.invitation(ADMIN_ID, Role.PARENT, family_id=family_id),
        language_code="en",
        first_name="Ольга",
        last_name="Иванова",
    )
    blocked = await app.joined(
        3002, await app.invitation(ADMIN_ID, Role.MENTOR), first_name="Ольга", last_name="Блок"
    )
    async with app.sessionmaker.begin() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == blocked.id))
        assert person is not None
        person.blocked_at = app.clock.now()
    await app.deliver()
    await create_meeting(admin, "Ивановы")

    await admin.press(EN["add"])
    await admin.press(EN["bot_user"])
    await admin.send_text("Зинаида")
    assert EN["no_match"].format(q="Зинаида") in admin.last_text()
    await admin.send_text("ОЛЬГ")  # any case, Cyrillic
    picks = admin.last().button_texts()
    assert "Ольга Иванова" in picks and "Ольга Блок" not in picks
    assert EN["again"] in picks and EN["new"] in picks
    await admin.press("Ольга Иванова")
    await admin.press(EN["mother"])
    await admin.press(EN["yes"])  # no phone step for a bot user
    assert EN["added"].format(name="Ольга Иванова") in admin.last_text()
    async with app.sessionmaker() as session:
        participant = await session.scalar(select(MeetingParticipant))
        assert (
            participant is not None
            and participant.person_id == (await app.actor(mum.id)).person_id
            and participant.phone is None
        )
        searches = list(
            await session.scalars(
                select(AuditEntry).where(AuditEntry.action == "meeting.people_search")
            )
        )
    assert len(searches) == 2
    assert "Ольг" not in str([a.details for a in searches])

    await admin.press("✅ Ольга Иванова")
    await admin.press(EN["invite"])
    assert EN["sent"].format(name="Ольга Иванова") in admin.last_text()
    assert not [m for m in admin.messages() if m.kind == "photo"]  # no link needed
    await app.deliver()
    notice = mum.last()
    assert notice.visible_text.splitlines()[0] == EN["invited"]
    assert "Маша" not in notice.visible_text and "Ивановы" not in notice.visible_text
    await mum.press(EN["open"])
    assert mum.last_text().splitlines()[0] == EN["first"]
    app.fake.assert_no_violations()


async def test_forged_candidate_is_refused_and_someone_new_still_works(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID, language_code="en")
    await app.add_family(ADMIN_ID, "Ивановы")
    mentor = await app.joined(
        2001,
        await app.invitation(ADMIN_ID, Role.MENTOR),
        language_code="en",
        first_name="Пётр",
        last_name="Ильич",
    )
    other = await app.joined(
        2002, await app.invitation(ADMIN_ID, Role.MENTOR), first_name="Зоя", last_name="Тайная"
    )
    await create_meeting(admin, "Ивановы")
    await admin.press(EN["add"])
    await admin.press(EN["bot_user"])
    await admin.send_text("пётр")
    picks = admin.last()
    button = next(b for b in picks.buttons() if b["text"] == "Пётр Ильич")
    other_id = (await app.actor(other.id)).person_id
    # Someone the search did not return, and garbage: refused, nothing is added.
    forged = re.sub(r"\d+$", str(other_id), button["callback_data"])
    await admin.press_forged(forged, picks.message_id)
    assert EN["stale"] in admin.last_text()
    await admin.press_forged(forged, picks.message_id)  # the same notice: nothing to redraw
    await admin.press_forged(button["callback_data"] + "9" * 12, picks.message_id)
    await admin.press_forged(re.sub(r"\d+$", "x1", button["callback_data"]), picks.message_id)
    async with app.sessionmaker() as session:
        assert await session.scalar(select(MeetingParticipant)) is None

    # Search again, nothing found: add as someone new (the personal-link path).
    await admin.press(EN["again"])
    await admin.send_text("Тётя Света")
    await admin.press(EN["as_new"])
    await admin.send_text("тётя Света")
    await admin.press(EN["teacher"])
    await admin.press(EN["yes"])
    await admin.press("➡️ Skip")
    assert EN["added"].format(name="тётя Света") in admin.last_text()
    # Typing a name right away on the first choice still adds someone new.
    await add_participant(admin, "Дима", "friend", True)
    async with app.sessionmaker() as session:
        rows = list(await session.scalars(select(MeetingParticipant)))
    assert [(r.name, r.person_id) for r in rows] == [("тётя Света", None), ("Дима", None)]

    # A mentor cannot search, pick or edit: the coordinator's buttons are refused.
    await mentor.send_command("meetings")
    assert "not available for your role" in mentor.last_text()
    await mentor.press_forged(button["callback_data"], mentor.last().message_id)
    async with app.sessionmaker() as session:
        denied = list(
            await session.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == "access.denied", AuditEntry.actor_telegram_id == mentor.id
                )
            )
        )
    assert denied
    app.fake.assert_no_violations(unanswered_callbacks_ok=True)


async def test_edit_topic_and_duration_shows_on_the_board(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID, language_code="en")
    await app.add_family(ADMIN_ID, "Ивановы")
    await create_meeting(admin, "Ивановы")
    assert ", 90 min" in admin.last_text()
    await admin.press(EN["edit"])
    await admin.press(EN["topic"])
    await admin.send_text("Т" * 201)
    assert "under 200 characters" in admin.last_text()
    await admin.send_text("Хочу <видеться> с папой & мамой")
    assert EN["saved"] in admin.last_text()
    assert EN["board_topic"].format(topic="Хочу <видеться> с папой & мамой") in admin.last_text()
    await admin.press(EN["edit"])
    await admin.press(EN["duration"])
    await admin.press(EN["min"].format(n=120))
    assert ", 120 min" in admin.last_text()
    await admin.press(EN["edit"])
    await admin.press(EN["format"])
    await admin.press("family council")
    assert "Format: family council" in admin.last_text()
    await admin.press(EN["edit"])
    await admin.press(EN["duration"])
    await admin.press(EN["min"].format(n=120))
    assert EN["same"] in admin.last_text()
    async with app.sessionmaker() as session:
        audits = list(
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "meeting.details"))
        )
    assert len(audits) == 3

    # The role is taken away with the board open: editing and picking are refused.
    async with app.sessionmaker.begin() as session:
        for role in await session.scalars(select(PersonRole)):
            if role.role == Role.COORDINATOR:
                await session.delete(role)
    await admin.press(EN["edit"])
    await admin.press_forged(
        re.sub(r"details$", "add", board_details(admin)), admin.last().message_id
    )
    async with app.sessionmaker() as session:
        denied = list(
            await session.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == "access.denied", AuditEntry.actor_telegram_id == ADMIN_ID
                )
            )
        )
        meeting = await session.scalar(select(Meeting))
    assert denied and meeting is not None and meeting.duration_minutes == 120
    app.fake.assert_no_violations(unanswered_callbacks_ok=True)


async def test_russian_pick_invite_and_edit(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    family_id = await app.add_family(ADMIN_ID, "Петровы")
    mum = await app.joined(
        3001,
        await app.invitation(ADMIN_ID, Role.PARENT, family_id=family_id),
        first_name="Светлана",
        last_name="Петрова",
    )
    await app.deliver()
    await ru_meeting(app, admin, family_id)
    await admin.press(RU["add"])
    await admin.press(RU["bot_user"])
    await admin.send_text("Ника")
    assert RU["no_match"].format(q="Ника") in admin.last_text()
    assert RU["as_new"] in admin.last().button_texts()
    await admin.send_text("светл")
    await admin.press("Светлана Петрова")
    await admin.press(RU["mother"])
    await admin.press(RU["yes"])
    assert RU["added"].format(name="Светлана Петрова") in admin.last_text()
    await admin.press("✅ Светлана Петрова")
    await admin.press(RU["invite"])
    assert RU["sent"].format(name="Светлана Петрова") in admin.last_text()
    await app.deliver()
    assert mum.last_text().splitlines()[0] == RU["invited"]
    await mum.press(RU["open"])
    assert mum.last_text().splitlines()[0] == RU["first"]

    await admin.press("⬅️ К встрече")
    await admin.press(RU["edit"])
    await admin.press(RU["topic"])
    await admin.send_text("Хочу домой")
    assert RU["saved"] in admin.last_text()
    assert RU["board_topic"].format(topic="Хочу домой") in admin.last_text()
    await admin.press(RU["edit"])
    await admin.press(RU["duration"])
    await admin.press(RU["min"].format(n=60))
    assert RU["board_when"].format(n=60) in admin.last_text()
    app.fake.assert_no_violations()
