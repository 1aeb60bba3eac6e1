"""The SRS survey after a held meeting, through Telegram: attendees get the message, rate four
items 0–10 on buttons, comment or skip; a second go is refused (answers cannot be changed); a low
answer alerts the coordinator in their language; someone who did not come cannot open it."""

from __future__ import annotations

from sqlalchemy import select

from bot.db.models import SrsResponse
from tests.e2e.steps import held
from tests.harness import BotHarness


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
