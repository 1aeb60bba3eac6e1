"""/map through the running bot: a coordinator draws a child's social map in a short dialog,
gets it as a picture, starts a later snapshot as a copy, moves people and gets the comparison;
a meeting's participant list is filled from the map in one tap; others are refused."""

from __future__ import annotations

import struct

from sqlalchemy import select

from bot.db.models import AuditEntry, MeetingParticipant, Role, SocialMap, SocialMapPerson
from tests.conftest import ADMIN_ID
from tests.e2e.steps import create_meeting
from tests.faketg import FakeUser
from tests.harness import BotHarness

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def photo_bytes(app: BotHarness, user: FakeUser) -> list[bytes]:
    found = []
    for message in user.messages():
        if message.kind == "photo":
            file_id = message.content["photo"][-1]["file_id"]
            found.append(app.fake.files.get(file_id).data)
    return found


async def add_person(user: FakeUser, name: str, relation: str, circle: str, nature: str) -> None:
    await user.press("➕ Person")
    await user.send_text(name)
    await user.press(relation)
    await user.press(circle)
    await user.press(nature)


async def test_draw_compare_and_fill_a_meeting(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID, language_code="en")
    await app.add_family(ADMIN_ID, "Ивановы")
    await create_meeting(admin, "Ивановы", child="Маша")  # tomorrow
    await admin.send_command("map")
    await admin.press("Ивановы")
    assert "Which child?" in admin.last_text()
    await admin.send_text("Маша Иванова")
    assert "only the child's first name" in admin.last_text()
    await admin.send_text("Маша")
    assert "No map yet" in admin.last_text()
    await admin.press("🆕 Start the map")
    assert "The map is started" in admin.last_text()
    await add_person(admin, "Мама", "mother", "2 — close", "🔴 conflictual")
    assert "Мама is on the map." in admin.last_text()
    await add_person(admin, "Бабушка Валя", "relative", "1 — closest", "🟢 supportive")
    await add_person(admin, "Дима", "friend", "3 — further", "⚪ neutral")
    text = admin.last_text()
    assert "people: 3" in text
    assert text.index("1 — closest") < text.index("Бабушка Валя") < text.index("2 — close")
    assert "🔴 Мама, mother" in text

    await admin.press("🖼 Picture")
    await app.settle()
    pictures = photo_bytes(app, admin)
    assert len(pictures) == 1 and pictures[0].startswith(PNG_SIGNATURE)
    assert struct.unpack(">II", pictures[0][16:24]) == (1200, 1240)
    assert admin.messages()[-1].kind == "photo"
    assert "Social map of Маша" in admin.messages()[-1].visible_text

    # The next day (in the family's zone): today's snapshot starts as a copy; Mum comes closer.
    app.clock.advance(hours=20)
    await admin.send_command("map")
    await admin.press("Ивановы")
    await admin.press("Маша")
    await admin.press("🆕 New snapshot today (a copy)")
    assert "copy of the last one" in admin.last_text()
    await admin.press("🆕 New snapshot today (a copy)")  # a second tap makes no second one
    assert "Today's snapshot already exists" in admin.last_text()
    await admin.press("🔴 Мама")
    await admin.press("1")
    await admin.press("supportive")
    assert "✅ supportive" in [b["text"] for b in admin.last().buttons()]
    await admin.press("⬅️ To the map")
    await admin.press("⚪ Дима")
    await admin.press("🗑 Take off this map")
    assert "Дима is taken off this map." in admin.last_text()
    await add_person(admin, "Ольга Петровна", "specialist", "2 — close", "🟢 supportive")
    await admin.press("🔁 Compare with before")
    await app.settle()
    message = admin.messages()[-1]
    assert message.kind == "photo"
    caption = message.visible_text
    assert "Came closer: 1 · moved away: 0" in caption
    assert "Appeared: 1 · left the map: 1" in caption
    assert "Supportive ties: 1 → 3 (gained 2, lost 0)" in caption
    assert "Conflictual ties: 1 → 0 (ended 1, new 0)" in caption
    assert len(photo_bytes(app, admin)) == 2

    async with app.sessionmaker() as session:
        maps = list(await session.scalars(select(SocialMap).order_by(SocialMap.id)))
        assert [m.copied_from_id for m in maps] == [None, maps[0].id]
        keys = [
            set(
                await session.scalars(
                    select(SocialMapPerson.key).where(SocialMapPerson.map_id == m.id)
                )
            )
            for m in maps
        ]
        assert len(keys[0] & keys[1]) == 2  # Mum and Granny carried over by key
        actions = set(await session.scalars(select(AuditEntry.action)))
        assert {"social_map.create", "social_map.view", "social_map.picture"} <= actions

    # The network meeting for Маша: the list is filled from the map in one tap.
    await admin.send_command("meetings")
    meeting = next(b for b in admin.last().buttons() if "Маша" in b["text"])
    await admin.press(meeting["text"])
    await admin.press("➕ Participant")
    await admin.press("🗺 From the child's map (3)")
    assert "Added from the map: 3." in admin.last_text()
    async with app.sessionmaker() as session:
        listed = await session.execute(
            select(MeetingParticipant.name, MeetingParticipant.relation).order_by(
                MeetingParticipant.id
            )
        )
        assert sorted(listed) == [
            ("Бабушка Валя", "relative"),
            ("Мама", "mother"),
            ("Ольга Петровна", "specialist"),
        ]
    await admin.press("➕ Participant")
    assert not [b for b in admin.last().buttons() if "map" in b["text"]]


async def test_map_is_for_coordinators_only(app: BotHarness) -> None:
    await app.admin(ADMIN_ID, language_code="en")
    family = await app.add_family(ADMIN_ID, "Ивановы")
    token = await app.invitation(ADMIN_ID, Role.MENTOR, family)
    mentor = await app.joined(2002, token, language_code="en")
    await mentor.send_command("map")
    assert mentor.last_text() == (
        "Sorry, this is not available for your role. /help shows what you can do here; "
        "for anything else, please ask your coordinator."
    )


async def test_in_russian_with_forged_buttons_ignored(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)  # Russian
    await app.add_family(ADMIN_ID, "Петровы")
    await app.add_family(ADMIN_ID, "Ивановы")
    # Another family's map: its people must not be reachable from this one.
    await admin.send_command("map")
    await admin.press("Петровы")
    await admin.send_text("Коля")
    await admin.press("🆕 Начать карту")
    await admin.press("➕ Человек")
    await admin.send_text("Чужой")
    await admin.press("друг")
    await admin.press("3 — дальние")
    await admin.press("⚪ нейтральная")
    async with app.sessionmaker() as session:
        stranger_id = await session.scalar(
            select(SocialMapPerson.id).where(SocialMapPerson.name == "Чужой")
        )

    await admin.send_command("map")
    await admin.press("Ивановы")
    await admin.send_text("Маша")
    assert "Карты пока нет" in admin.last_text()
    await admin.press("🆕 Начать карту")
    await admin.press("➕ Человек")
    await admin.send_text("Мама")
    await admin.press("мама")
    await admin.press("1 — самые близкие")
    await admin.press("🟢 поддерживающая")
    window = admin.last()
    assert "🟢 Мама, мама" in window.visible_text
    mum = next(b for b in window.buttons() if b["text"] == "🟢 Мама")
    prefix = mum["callback_data"].rsplit(":", 1)[0]
    for forged in (f"{prefix}:{stranger_id}", f"{prefix}:abc", f"{prefix}:{'9' * 12}"):
        await admin.press_forged(forged, window.message_id)
    assert admin.last().message_id == window.message_id
    assert "Чужой" not in admin.last().visible_text
    assert "Связь:" not in admin.last().visible_text  # still the map, not a person's window

    await admin.press("🖼 Картинка")
    await app.settle()
    photo = admin.messages()[-1]
    assert photo.kind == "photo"
    assert photo.visible_text == "Карта связей: Маша, 23.11.2026. Людей: 1."
