"""Feedback beyond the SRS and the SRS across a child's meetings, through Telegram: after the four
items an optional open question ("what will you do differently?") — answered, skipped, too long
(a kind message, nothing lost); the coordinator's board shows the open answers. An attendee's
total lower than theirs at the same child's previous meeting is flagged on the board and alerts
the coordinator even when the total and every item are fine; a rise or another child is not."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.db.models import Meeting, Relation, Role, SrsResponse
from bot.services import srs
from tests.conftest import ADMIN_ID
from tests.e2e.steps import make_meeting, open_board
from tests.faketg import FakeUser
from tests.harness import BotHarness

ANNA, BORIS = 4101, 4102


async def _guests(app: BotHarness) -> tuple[FakeUser, FakeUser]:
    """Two people who use the bot: Anna in Russian, Boris in English."""
    users = []
    for user_id, lang in ((ANNA, "ru"), (BORIS, "en")):
        token = await app.invitation(ADMIN_ID, Role.MENTOR)
        users.append(await app.joined(user_id, token, language_code=lang))
    await app.deliver()
    return users[0], users[1]


async def _meeting(app: BotHarness, family_id: int, child: str, day: int) -> tuple[int, list[int]]:
    """A planned meeting of `child` on that November/December day with Anna and Boris."""
    anna, boris = await app.actor(ANNA), await app.actor(BORIS)
    assert anna.person_id is not None and boris.person_id is not None
    month = 11 if day > 20 else 12
    return await make_meeting(
        app,
        family_id,
        [("Анна", Relation.MOTHER), ("Борис", Relation.FATHER)],
        person_ids={0: anna.person_id, 1: boris.person_id},
        child_name=child,
        starts_local=datetime(2026, month, day, 15, 0),
    )


async def _hold(app: BotHarness, meeting_id: int, rows: list[int]) -> None:
    async with app.sessionmaker() as session:
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        starts_at = meeting.starts_at
    app.clock.set(starts_at + timedelta(hours=2))
    boss = await app.actor(ADMIN_ID)
    async with app.sessionmaker.begin() as session:
        await srs.mark_held(session, boss, meeting_id, set(rows), app.clock.now())
    await app.sender.drain(max_idle_wait=0)


async def _rate(user: FakeUser, values: tuple[str, str, str, str], begin: str, skip: str) -> None:
    """The newest survey: the four items, no comment."""
    await user.press("📝 Оценить встречу" if user.language_code == "ru" else "📝 Rate the meeting")
    await user.press(begin)
    for value in values:
        await user.press(value)
    await user.press(skip)  # the comment


async def _stored(app: BotHarness, participant_id: int) -> SrsResponse:
    async with app.sessionmaker() as session:
        found = await session.scalar(
            select(SrsResponse).where(SrsResponse.participant_id == participant_id)
        )
    assert found is not None
    return found


def _alerts(admin: FakeUser) -> list[str]:
    return [t for t in admin.texts() if t.startswith("⚠️")]


async def test_the_open_question_answered_too_long_and_skipped(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    family_id = await app.add_family(ADMIN_ID, "Ивановы")
    anna, boris = await _guests(app)
    meeting_id, rows = await _meeting(app, family_id, "Маша", 30)
    await _hold(app, meeting_id, rows)

    await _rate(anna, ("10", "10", "10", "10"), "Начать", "Пропустить")
    text = anna.last_text()
    assert "Ваши ответы переданы ведущим" in text
    assert "Что вы будете делать по-другому после этой встречи?" in text
    assert "Пропустить" in anna.last().button_texts()
    await anna.send_text("я" * 501)  # too long: a kind word, the answers stay sent
    assert "Это длинновато: пожалуйста, уложитесь в 500 символов." in anna.last_text()
    assert "Пропустить" in anna.last().button_texts()
    assert (await _stored(app, rows[0])).reflection is None
    await anna.send_sticker()
    assert "Пожалуйста, напишите ответ текстом или нажмите «Пропустить»." in anna.last_text()
    await anna.send_text("  Буду чаще звонить <Маше> после школы  ")
    assert "Спасибо, что поделились: ведущие это прочитают." in anna.last_text()
    stored = await _stored(app, rows[0])
    assert stored.reflection == "Буду чаще звонить <Маше> после школы" and stored.total == 40

    # In English, skipped: nothing stored, a short thanks.
    await _rate(boris, ("9", "9", "10", "9"), "Begin", "Skip")
    assert "What will you do differently after this meeting?" in boris.last_text()
    await boris.press("Skip")
    assert "Thank you! Take care." in boris.last_text()
    assert (await _stored(app, rows[1])).reflection is None

    # The answers cannot be changed: the survey button says so, nothing is asked again.
    [survey] = [m for m in anna.messages() if m.visible_text.startswith("📝 Спасибо")]
    await anna.press("📝 Оценить встречу", survey.message_id)
    assert "Вы уже отправили ответы" in anna.last_text()

    await open_board(admin, "30.11.2026")
    board = admin.last_text()
    assert "Что сделают по-другому (1):" in board
    assert "«Буду чаще звонить <Маше> после школы»" in board  # escaped, shown as typed
    assert "↓" not in board  # a first meeting: nothing to compare with
    assert _alerts(admin) == []
    app.fake.assert_no_violations()


async def test_a_drop_since_the_childs_previous_meeting_is_flagged(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    family_id = await app.add_family(ADMIN_ID, "Ивановы")
    anna, boris = await _guests(app)
    first, first_rows = await _meeting(app, family_id, "Маша", 30)
    second, second_rows = await _meeting(app, family_id, " маша ", 7)  # the same child
    other, other_rows = await _meeting(app, family_id, "Петя", 8)  # another child

    await _hold(app, first, first_rows)
    await _rate(anna, ("10", "10", "10", "10"), "Начать", "Пропустить")  # 40
    await _rate(boris, ("9", "9", "9", "9"), "Begin", "Skip")  # 36
    await app.deliver()
    assert _alerts(admin) == []

    await _hold(app, second, second_rows)
    await _rate(anna, ("10", "10", "10", "9"), "Начать", "Пропустить")  # 39: fine, but lower
    await _rate(boris, ("10", "10", "10", "10"), "Begin", "Skip")  # 40: a rise
    await app.deliver()
    [alert] = _alerts(admin)
    assert "всего 39 из 40" in alert and "Низкие оценки" not in alert
    assert "↓ Ниже, чем на прошлой встрече этого ребёнка: 40 → 39." in alert

    await _hold(app, other, other_rows)
    await _rate(anna, ("9", "9", "9", "9"), "Начать", "Пропустить")  # 36, but another child
    await app.deliver()
    assert len(_alerts(admin)) == 1

    await open_board(admin, "07.12.2026")
    board = admin.last_text()
    assert "⚠️ Ниже, чем на прошлой встрече этого ребёнка:" in board
    assert "↓ Анна: 40 → 39" in board and "Борис" not in board.split("ребёнка:")[1]
    await open_board(admin, "08.12.2026")
    assert "↓" not in admin.last_text()
    app.fake.assert_no_violations()


async def test_the_drop_alert_in_english(app: BotHarness) -> None:
    """A coordinator who reads English gets the drop line in English."""
    admin = await app.admin(ADMIN_ID, language_code="en")
    family_id = await app.add_family(ADMIN_ID, "Ивановы")
    anna, _boris = await _guests(app)
    first, first_rows = await _meeting(app, family_id, "Маша", 30)
    second, second_rows = await _meeting(app, family_id, "Маша", 7)
    await _hold(app, first, first_rows[:1])
    await _rate(anna, ("10", "10", "10", "10"), "Начать", "Пропустить")
    await _hold(app, second, second_rows[:1])
    await _rate(anna, ("9", "9", "9", "9"), "Начать", "Пропустить")
    await app.deliver()
    [alert] = _alerts(admin)
    assert "↓ Lower than at this child's previous meeting: 40 → 36." in alert
    app.fake.assert_no_violations()
