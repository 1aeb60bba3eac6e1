"""Network meetings, the coordinator's side: /meetings, the new-meeting wizard, the board,
participants, the child's approval, personal invitation links and cancelling."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bot.db.models import (
    AuditEntry,
    Invitation,
    Meeting,
    MeetingParticipant,
    PersonRole,
    Role,
)
from bot.services.invitations import hash_token
from tests.conftest import ADMIN_ID
from tests.e2e.steps import add_participant, create_meeting
from tests.faketg import FakeUser
from tests.harness import BotHarness

# domain.md §3: the typical list; (name, relation button, approved by the child)
TYPICAL = [
    ("Ольга Иванова", "mother", True),
    ("Сергей", "other", True),  # the mother's partner
    ("Светлана Петровна", "friend", True),  # the mother's close friend
    ("Дима", "friend", True),  # the child's friend
    ("Анна Сергеевна", "teacher or carer", True),
    ("Ирина Павловна (КДНиЗП)", "official", False),  # the commission's secretary
    ("Мария Олеговна", "specialist", True),  # social worker
    ("Пётр Ильич", "specialist", True),  # psychotherapist
]


def photos(admin: FakeUser) -> list[str]:
    return [m.visible_text for m in admin.messages() if m.kind == "photo"]


async def test_wizard_refuses_bad_input_kindly_and_keeps_the_answers(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID, language_code="en")
    await app.add_family(ADMIN_ID, "Ивановы")
    await admin.send_command("meetings")
    assert "No meetings here yet." in admin.last_text()
    await admin.press("➕ New meeting")
    await admin.press("Ивановы")
    await admin.send_photo()
    assert "send the child's first name as text" in admin.last_text()
    await admin.send_text("Маша Иванова")
    assert "only the child's first name, without the surname" in admin.last_text()
    await admin.send_text("М" * 41)
    assert "under 40 characters" in admin.last_text()
    await admin.send_text("Маша")
    await admin.send_text("Т" * 201)
    assert "under 200 characters" in admin.last_text()
    await admin.send_text("Я хочу жить с мамой")
    await admin.press("The child leaving home")
    await admin.press("family council")
    day = next(b for b in admin.last().buttons() if b["text"] == "Today, 23.11")
    forged = day["callback_data"].rsplit(":", 1)[0] + ":2026-13-99"
    await admin.press_forged(forged, admin.last().message_id)  # ignored, nothing redrawn
    await admin.press_forged(forged, admin.last().message_id)
    await admin.send_text("31.02.2026")
    assert "DD.MM.YYYY" in admin.last_text()
    await admin.send_text("20.11.2026")
    assert "already passed" in admin.last_text()
    await admin.press("Today, 23.11")  # 10:00 in Moscow
    await admin.press("09:00")
    assert "That time has already passed" in admin.last_text()
    await admin.send_text("25:61")
    assert "HH:MM" in admin.last_text()
    await admin.send_text("18:15")
    await admin.send_location(55.75, 37.61)
    assert "The pin is saved" in admin.last_text()
    await admin.press("📍 See the pin")
    await admin.press("120 min")
    await admin.send_sticker()
    assert "facilitators' names as text" in admin.last_text()
    await admin.send_text("Елена")
    await admin.send_text("+7 900 000-00-00")
    await admin.send_text("Н" * 601)
    assert "under 600 characters" in admin.last_text()
    await admin.send_text("Коротко о ситуации")
    summary = admin.last_text()
    for part in (
        "Family: Ивановы",
        "Child: Маша",
        "Topic: «Я хочу жить с мамой»",
        "Why: The child leaving home",
        "Format: family council",
        "When: 23.11.2026 18:15",
        "Place: see the pin 📍",
        "Duration: 120 min",
    ):
        assert part in summary
    # A changed date goes back to the summary with everything else kept.
    await admin.press("✏️ Date")
    await admin.press("Tomorrow, 24.11")
    await admin.press("10:00")
    assert "When: 24.11.2026 10:00" in admin.last_text()
    assert "Topic: «Я хочу жить с мамой»" in admin.last_text()
    save = next(b for b in admin.last().buttons() if b["text"] == "✅ Save")
    message_id = admin.last().message_id
    await admin.press_forged(save["callback_data"], message_id)
    assert "No participants yet" in admin.last_text()
    await admin.press_forged(save["callback_data"], message_id)  # a double tap: stale now
    await admin.send_command("meetings")
    assert "Upcoming network meetings: 1" in admin.last_text()
    async with app.sessionmaker() as session:
        rows = list(await session.scalars(select(Meeting)))
    assert len(rows) == 1  # a double Save makes one meeting
    meeting = rows[0]
    assert (meeting.child_name, meeting.format, meeting.duration_minutes) == (
        "Маша",
        "family_council",
        120,
    )
    assert (meeting.latitude, meeting.longitude) == (55.75, 37.61)
    assert meeting.reason == "leaving_home"
    assert meeting.starts_at.isoformat().startswith("2026-11-24T07:00")  # 10:00 Moscow
    app.fake.assert_no_violations()


async def test_typical_network_invited_by_links_except_the_unapproved(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID, language_code="en")
    await app.add_family(ADMIN_ID, "Ивановы")
    await create_meeting(admin, "Ивановы")
    for name, relation, approved in TYPICAL:
        await add_participant(admin, name, relation, approved, "+7 900 111-22-33")
        assert f"{name} is added." in admin.last_text()
    board = admin.last_text()
    assert "Network meeting: Маша (Ивановы)" in board
    assert "Ирина Павловна (КДНиЗП), official · ❌ · not invited" in board

    # Not approved by the child: no invitation.
    await admin.press("❌ Ирина Павловна (КДНиЗП)")
    await admin.press("🔗 Invite")
    assert "has not approved this person yet" in admin.last_text()
    assert photos(admin) == []

    tokens = []
    for name, _relation, approved in TYPICAL:
        if not approved:
            continue
        await admin.press("⬅️ To the meeting")
        await admin.press(f"✅ {name}")
        await admin.press("🔗 Invite")
        caption = photos(admin)[-1]
        # The caption speaks to the person it goes on to; the coordinator is told what to do.
        assert caption.startswith(f"{name.split()[0]}, you are invited to a network meeting.")
        tokens.append(re.search(r"\?start=(\S+)", caption).group(1))  # type: ignore[union-attr]
        assert f"{name}: the personal link is above. Forward the picture to them" in (
            admin.last_text()
        )
        assert "🔁 Invite again" in admin.last().button_texts()
    assert len(set(tokens)) == 7
    await admin.press("⬅️ To the meeting")
    board = admin.last_text()
    assert board.count("invited, not opened yet") == 7
    assert "Invited: 7 · will come: 0" in board
    async with app.sessionmaker() as session:
        for token in tokens:
            invitation = await session.scalar(
                select(Invitation).where(Invitation.token_hash == hash_token(token))
            )
            assert invitation is not None and invitation.role == Role.PARTICIPANT
        unapproved = await session.scalar(
            select(MeetingParticipant).where(MeetingParticipant.approved_by_child.is_(False))
        )
        assert unapproved is not None and unapproved.invited_at is None

    # The child approves later: now the link can be made.
    await admin.press("❌ Ирина Павловна (КДНиЗП)")
    await admin.press("✅ The child approved")
    assert "Approved by the child: ✅ yes" in admin.last_text()
    await admin.press("🔗 Invite")
    assert len(photos(admin)) == 8

    # The mother opens her link and joins: the board shows it; a new invitation goes to her chat.
    await app.joined(3001, tokens[0], language_code="en")
    await admin.press("⬅️ To the meeting")
    assert "Ольга Иванова</b>" not in admin.last_text()
    assert admin.last_text().count("invited, opened") == 1
    await admin.press("✅ Ольга Иванова")
    await admin.press("🔁 Invite again")
    assert "Ольга Иванова already uses the bot: the invitation was sent in the chat." in (
        admin.last_text()
    )
    await admin.press("🔁 Invite again")  # the same line again: nothing to redraw
    assert len(photos(admin)) == 8
    app.fake.assert_no_violations()


async def test_list_and_cancel_in_russian(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)  # Russian
    await app.add_family(ADMIN_ID, "Петровы")
    await admin.send_command("meetings")
    assert "Встреч пока нет." in admin.last_text()
    await admin.press("➕ Новая встреча")
    await admin.press("Петровы")
    await admin.send_text("Маша Петрова")
    assert "только имя ребёнка, без фамилии" in admin.last_text()
    await admin.send_text("Маша")
    await admin.send_text("Хочу, чтобы меня слышали")
    await admin.press("Кризис и конфликты в семье")
    await admin.press("семейный совет")
    await admin.press("Завтра, 24.11")
    await admin.press("16:00")
    await admin.send_text("ЦСПСиД, ул. Ленина, 1")
    await admin.press("60 мин")
    await admin.send_text("Елена")
    await admin.send_text("+7 900 000-00-00")
    await admin.send_text("Коротко о ситуации")
    assert "Проверьте встречу" in admin.last_text()
    await admin.press("✅ Сохранить")
    await add_participant(admin, "Ольга", "мама", True, en=False)
    assert "Ольга добавлен(а)." in admin.last_text()
    assert "Ольга</b>" not in admin.last_text()
    await admin.press("⬅️ Все встречи")
    assert "Ближайшие сетевые встречи: 1" in admin.last_text()
    assert "24.11.2026 16:00 · Маша · Петровы · пришли 0 из 1 приглашённых" not in admin.last_text()
    row = "24.11.2026 16:00 · Маша · Петровы · согласились 0 из 0 приглашённых"
    assert row in admin.last().button_texts()
    await admin.press(row)
    await admin.press("❌ Отменить встречу")
    await admin.press("⬅️ Нет, оставить")
    await admin.press("❌ Отменить встречу")
    await admin.press("❌ Да, отменить")
    assert "Встреча отменена" in admin.last_text()
    assert "➕ Участник" not in admin.last().button_texts()
    async with app.sessionmaker() as session:
        meeting = await session.scalar(select(Meeting))
        assert meeting is not None and meeting.status == "cancelled"
    await admin.press("⬅️ Все встречи")
    assert "Встреч пока нет." in admin.last_text()
    await admin.press("🗂 Прошедшие и отменённые")
    assert "❌ " + row in admin.last().button_texts()
    app.fake.assert_no_violations()


LABELS = {
    "en": {
        "new": "➕ New meeting",
        "reason": "Other",
        "format": "support-group meeting",
        "tomorrow": "Tomorrow, 24.11",
        "duration": "180 min",
        "child": "Child: ",
        "save": "✅ Save",
        "relation": "neighbour",
        "add": "➕ Participant",
        "invite": "🔗 Invite",
        "back": "⬅️ All meetings",
    },
    "ru": {
        "new": "➕ Новая встреча",
        "reason": "Другое",
        "format": "встреча группы поддержки",
        "tomorrow": "Завтра, 24.11",
        "duration": "180 мин",
        "child": "Ребёнок: ",
        "save": "✅ Сохранить",
        "relation": "сосед",
        "add": "➕ Участник",
        "invite": "🔗 Пригласить",
        "back": "⬅️ Все встречи",
    },
}


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_html_and_long_values_everywhere_stay_within_limits(
    app: BotHarness, language: str
) -> None:
    label = LABELS[language]
    admin = await app.admin(ADMIN_ID, language_code=language)
    family = "<b>Семья</b> & " + "Ф" * 40
    await app.add_family(ADMIN_ID, family)
    await admin.send_command("meetings")
    await admin.press(label["new"])
    await admin.press(family[:47] + "…")
    await admin.send_text("<i>&Маша>")
    await admin.send_text("<b>&" + "т" * 196)
    await admin.press(label["reason"])
    await admin.press(label["format"])
    await admin.press(label["tomorrow"])
    await admin.press("09:00")
    await admin.send_text("<a href='x'>&" + "м" * 187)
    await admin.press(label["duration"])
    await admin.send_text("<u>" + "в" * 197)
    await admin.send_text("<s>" + "к" * 197)
    await admin.send_text("<code>&" + "н" * 593)
    summary = admin.last_text()
    assert label["child"] + "<i>&Маша>" in summary
    assert len(summary) <= 4096
    await admin.press(label["save"])
    for n in range(30):
        await add_participant(
            admin,
            f"<b>{n:02d}</b> & " + "Я" * 68,
            label["relation"],
            n % 3 != 0,
            "<+7 & 900>",
            en=language == "en",
        )
    assert label["add"] not in admin.last().button_texts()  # 30 is the most
    # Everyone answered with the longest comment there can be.
    async with app.sessionmaker.begin() as session:
        for participant in await session.scalars(select(MeetingParticipant)):
            participant.rsvp = "maybe"
            participant.rsvp_comment = "<i>&</i> " + "ж" * 491
            participant.invited_at = app.clock.now()
    await admin.press(label["back"])
    await admin.press(admin.last().button_texts()[0])
    board = admin.last_text()
    assert len(board) <= 4096
    assert "<b>00</b> & " in board and "<i>&</i> ж" in board
    assert board.count(label["relation"]) == 30
    await admin.press("✅ <b>01</b> & " + "Я" * 19 + "…")
    assert "<i>&</i> " + "ж" * 100 in admin.last_text()
    await admin.press({"en": "🔁 Invite again", "ru": "🔁 Пригласить снова"}[language])
    caption = photos(admin)[-1]
    assert len(caption) <= 1024
    invited = {
        "en": "<b>01</b>, you are invited to a network meeting. Open the link or scan the code",
        "ru": "<b>01</b>, приглашаем вас на сетевую встречу. Откройте ссылку или наведите камеру",
    }
    assert caption.startswith(invited[language])  # no «для: <name>»
    told = {
        "en": ": the personal link is above. Forward the picture to them",
        "ru": ": личная ссылка — выше. Перешлите картинку этому человеку",
    }
    assert told[language] in admin.last_text()
    app.fake.assert_no_violations()


async def test_other_roles_cannot_run_meetings_or_press_its_buttons(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID, language_code="en")
    family_id = await app.add_family(ADMIN_ID, "Ивановы")
    mentor = await app.joined(2001, await app.invitation(ADMIN_ID, Role.MENTOR), language_code="en")
    parent = await app.joined(
        2002,
        await app.invitation(ADMIN_ID, Role.PARENT, family_id=family_id),
        language_code="en",
    )
    for user in (mentor, parent):
        await user.send_command("meetings")
        assert "this is not available for your role" in user.last_text()
    async with app.sessionmaker() as session:
        refusals = list(
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "access.denied"))
        )
    assert len(refusals) == 2

    await create_meeting(admin, "Ивановы")
    await add_participant(admin, "Ольга", "mother", True)
    board = admin.last()
    person_button = next(b for b in board.buttons() if b["text"] == "✅ Ольга")
    # The coordinator's own button, forged with another participant id: ignored.
    forged = re.sub(r"\d+$", "999999999", person_button["callback_data"])
    await admin.press_forged(forged, board.message_id)
    await admin.press_forged(person_button["callback_data"][:-1] + "x", board.message_id)
    assert "Ольга" in admin.last_text() and "Approved by the child" not in admin.last_text()

    # The role is taken away while the board is open: the next press is refused.
    async with app.sessionmaker.begin() as session:
        for role in await session.scalars(select(PersonRole)):
            if role.role == Role.COORDINATOR:
                await session.delete(role)
    await admin.press_forged(person_button["callback_data"], board.message_id)
    async with app.sessionmaker() as session:
        denied = await session.scalar(
            select(AuditEntry)
            .where(AuditEntry.action == "access.denied", AuditEntry.actor_telegram_id == ADMIN_ID)
            .order_by(AuditEntry.id.desc())
        )
        assert denied is not None
        participant = await session.scalar(select(MeetingParticipant))
        assert participant is not None and participant.invited_at is None
    # A mentor pressing the coordinator's board button is refused too.
    await mentor.press_forged(person_button["callback_data"], mentor.last().message_id)
    app.fake.assert_no_violations(unanswered_callbacks_ok=True)
