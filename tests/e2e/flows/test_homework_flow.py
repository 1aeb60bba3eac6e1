"""The issue's whole path, through Telegram only: a family enrolled today with the release one
minute later gets week 1; a parent answers with text, a photo and a voice message, taps Done and
rates the week; the mentor gets one digest, opens it (the media are copied) and replies; the
parents get the reply. A parent of another family sees none of it, and another family's mentor
cannot open it with forged buttons."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.db.models import AuditEntry, HomeworkAnswer
from tests.conftest import ADMIN_ID
from tests.harness import BotHarness
from tests.homework_support import digest, enrol_now, family_with_people, release, send_now, weeks


async def test_week_answer_digest_reply(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    ours = await family_with_people(app, parent_ids=(3001, 3002), mentor_id=2001)
    theirs = await family_with_people(app, name="Петровы", parent_ids=(3101,), mentor_id=2101)
    mum, dad = ours.parents
    [stranger] = theirs.parents
    assert ours.mentor is not None and theirs.mentor is not None
    mentor, other_mentor = ours.mentor, theirs.mentor

    await enrol_now(app, ours.id)  # release in one minute, family time
    await send_now(app)
    assert await release(app) == 0
    app.clock.advance(60)
    assert await release(app) == 2
    await send_now(app)
    assert mum.last_text().startswith("📚 Точка опоры · неделя 1 из 10")

    await mum.press("✍️ Ответить")
    await mum.send_text("Нарисовали семью, каждому по доброму слову")
    await mum.send_photo(caption="Наш рисунок")
    await mum.send_voice()
    assert "Уже получено: тексты: 1, фото: 1, голосовые: 1" in mum.last_text()
    await mum.press("✅ Готово")
    await mum.press("9")
    await mum.press("Пропустить")
    assert "Наставник увидит ваши ответы" in mum.last_text()
    [week] = await weeks(app)
    assert week.done_at is not None and week.rating == 9

    # One digest at the next full hour.
    app.clock.set(app.clock.now().replace(minute=0, second=5) + timedelta(hours=1))
    assert await digest(app) == 1
    assert await digest(app) == 0
    await send_now(app)
    [digest_text] = [t for t in mentor.texts() if t.startswith("📬")]
    assert "«Ивановы»" in digest_text and "оценка недели 9/10" in digest_text
    assert not any(t.startswith("📬") for t in other_mentor.texts())

    # Another family's mentor and parent forge the button: refused, nothing shown.
    for intruder in (other_mentor, stranger):
        before = len(intruder.messages())
        query = await intruder.press_forged(f"hw:o:{week.id}", intruder.last().message_id)
        refusal = str((app.fake.callback_answer(query) or {}).get("text"))
        assert refusal and "Нарисовали" not in refusal
        assert not any("Нарисовали" in t for t in intruder.texts()[before:])

    await mentor.press("Ивановы · неделя 1")
    assert "Нарисовали семью, каждому по доброму слову" in mentor.last_text()
    for _ in range(4):  # the copies, a message a second in one chat
        await send_now(app)
        app.clock.advance(1)
    copies = [m.kind for m in mentor.messages() if m.kind in ("photo", "voice")]
    assert sorted(copies) == ["photo", "voice"]
    await mentor.press("💬 Ответить")
    await mentor.send_text("Какой тёплый рисунок! Спасибо, что делитесь.")
    assert "✅ Отправлено родителям." in mentor.last_text()
    await send_now(app)
    for parent in (mum, dad):
        assert parent.last_text().startswith("💬 Ответ наставника на задание недели 1")
        assert "Какой тёплый рисунок!" in parent.last_text()

    # The other family never saw any of it.
    everything = "\n".join(stranger.texts() + other_mentor.texts())
    assert "Нарисовали" not in everything and "тёплый рисунок" not in everything
    async with app.sessionmaker() as session:
        refused = list(
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "access.denied"))
        )
        stored = list(await session.scalars(select(HomeworkAnswer)))
    assert len(refused) >= 2
    assert [a.kind for a in stored] == ["text", "photo", "voice"]
    app.fake.assert_no_violations()
