"""The SRS survey after a held meeting, through Telegram: attendees get the message, rate four
items 0–10 on buttons, comment or skip; a second go is refused (answers cannot be changed); a low
answer alerts the coordinator in their language; someone who did not come cannot open it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.db.models import MeetingFormat, Relation, Role, SrsResponse
from bot.services import meetings, srs
from tests.conftest import ADMIN_ID
from tests.faketg import FakeUser
from tests.harness import BotHarness

NOTE = "Маше сейчас непросто <важно>."


async def held(
    app: BotHarness, languages: tuple[str, ...]
) -> tuple[FakeUser, list[FakeUser], list[int]]:
    """A meeting with one invitee per language who uses the bot; all but the last came."""
    admin = await app.admin(ADMIN_ID)
    family_id = await app.add_family(ADMIN_ID, "Ивановы")
    boss = await app.actor(ADMIN_ID)
    users, rows = [], []
    for index, lang in enumerate(languages):
        token = await app.invitation(ADMIN_ID, Role.MENTOR)  # anyone who uses the bot
        users.append(await app.joined(4001 + index, token, language_code=lang))
    await app.deliver()
    async with app.sessionmaker.begin() as session:
        meeting = await meetings.create(
            session,
            boss,
            family_id,
            meetings.MeetingDraft(
                child_name="Маша",
                topic="Я хочу жить с мамой",
                format=MeetingFormat.FAMILY_COUNCIL,
                starts_local=datetime(2026, 11, 24, 17, 0),
                place="Центр «Семья»",
                duration_minutes=90,
                facilitators="Ольга",
                contact="+7 900",
                note=NOTE,
            ),
            draft_key="srs-test",
            now=app.clock.now(),
        )
        for user in users:
            person = await app.actor(user.id)
            row = await meetings.add_participant(
                session,
                boss,
                meeting.id,
                name=f"Гость {user.id}",
                relation=Relation.FRIEND,
                approved_by_child=True,
                phone=None,
                person_id=person.person_id,
                now=app.clock.now(),
            )
            rows.append(row.id)
        starts_at = meeting.starts_at
    app.clock.set(starts_at + timedelta(hours=2))
    async with app.sessionmaker.begin() as session:
        assert await srs.mark_held(session, boss, meeting.id, set(rows[:-1]), app.clock.now())
    await app.sender.drain(max_idle_wait=0)
    return admin, users, rows


async def test_attendees_rate_once_and_a_low_answer_alerts(app: BotHarness) -> None:
    admin, users, rows = await held(app, ("ru", "en", "ru"))
    ru, en, absent = users
    assert ru.last_text().startswith("📝 Спасибо, что пришли на встречу!")
    assert en.last_text().startswith("📝 Thank you for coming to the meeting!")
    assert not any("📝" in t for t in absent.texts())

    await ru.press("📝 Оценить встречу")
    assert "Как прошла встреча" in ru.last_text()
    await ru.press("Начать")
    assert "1 из 4" in ru.last_text() and "0 — меня не слышали" in ru.last_text()
    for value in ("10", "6", "10", "10"):
        await ru.press(value)
    assert "Пропустить" in ru.last().button_texts()
    await ru.send_text("Хотелось больше про <школу>")
    assert "Ваши ответы переданы ведущим" in ru.last_text()
    # Answers cannot be changed: the button now says so.
    [survey] = [m for m in ru.messages() if m.visible_text.startswith("📝 Спасибо")]
    await ru.press("📝 Оценить встречу", survey.message_id)
    assert "Вы уже отправили ответы" in ru.last_text()

    await en.press("📝 Rate the meeting")
    await en.press("Begin")
    for value in ("10", "9", "10", "9"):
        await en.press(value)
    await en.press("Skip")
    assert "Thank you! Your answers are sent to the facilitators." in en.last_text()

    async with app.sessionmaker() as session:
        stored = {r.participant_id: r for r in await session.scalars(select(SrsResponse))}
    assert stored[rows[0]].scores == {"relationship": 10, "goals": 6, "approach": 10, "overall": 10}
    assert stored[rows[0]].comment == "Хотелось больше про <школу>"
    assert stored[rows[1]].total == 38 and stored[rows[1]].comment is None

    await app.sender.drain(max_idle_wait=0)
    alert = next(t for t in admin.texts() if t.startswith("⚠️"))
    assert "всего 36 из 40" in alert and "Цели и темы" in alert
    assert sum(t.startswith("⚠️") for t in admin.texts()) == 1  # the good answers raise none

    # Someone who did not come presses a forged survey button: refused, nothing shown.
    before = len(absent.messages())
    query = await absent.press_forged(f"srs:{rows[2]}", absent.last().message_id)
    answer = app.fake.callback_answer(query) or {}
    assert "только для тех, кто был на встрече" in str(answer.get("text"))
    assert len(absent.messages()) == before
    app.fake.assert_no_violations()
