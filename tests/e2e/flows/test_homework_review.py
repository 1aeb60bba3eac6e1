"""The mentor's side of weekly homework: one digest per period, opening a family's answers (the
texts in the window, copies of the media through the outbox), a reply that reaches the parents;
forged buttons of other mentors and parents; coordinators' openings audited.

The harness clock starts on Monday 23 Nov 2026, 07:00 UTC (10:00 in Moscow). Digests go out on
an hourly UTC grid: a hand-in at 07:0x goes out in the first run after 08:00.
"""

from __future__ import annotations

from sqlalchemy import func, select

from bot.db.models import HomeworkFeedback
from bot.services.homework_review import DIGEST_PURPOSE
from tests.conftest import ADMIN_ID
from tests.e2e.steps import after_the_hour, audits, hand_in_week, parent_files
from tests.harness import BotHarness
from tests.homework_support import (
    Family,
    digest,
    enrol_now,
    family_with_people,
    link,
    outbox_rows,
    release,
    send_now,
    weeks,
)

OPEN = "hw:o:{}"


async def released_family(app: BotHarness, **kwargs: object) -> tuple[Family, int]:
    """A family enrolled now with week 1 released; returns the family and the week id."""
    fam = await family_with_people(app, **kwargs)  # type: ignore[arg-type]
    await enrol_now(app, fam.id)
    app.clock.advance(60)
    await release(app)
    await send_now(app)
    week = max(await weeks(app), key=lambda w: w.id)
    return fam, week.id


async def feedback_count(app: BotHarness) -> int:
    async with app.sessionmaker() as session:
        return int(await session.scalar(select(func.count(HomeworkFeedback.id))) or 0)


async def send_soon(app: BotHarness, seconds: int = 5) -> None:
    """Sender rounds over the next seconds: one chat takes about a message a second."""
    for _ in range(seconds):
        await send_now(app)
        app.clock.advance(1)


def sent_to(app: BotHarness, method: str, chat_id: int) -> list[dict[str, object]]:
    return [c.params for c in app.fake.calls_of(method) if c.params.get("chat_id") == chat_id]


async def test_mentor_gets_one_digest_opens_the_answers_and_replies_in_russian(
    app: BotHarness,
) -> None:
    await app.admin(ADMIN_ID)
    fam, week_id = await released_family(app)
    other, other_week = await released_family(
        app, name="Петровы", parent_ids=(3002,), mentor_id=None
    )
    await link(app, 2001, other.id, "mentor")
    assert fam.mentor is not None
    mentor, parent = fam.mentor, fam.parents[0]
    media = parent_files(app)
    await hand_in_week(app, parent, week_id, ["Мы <b>гуляли</b> вместе & смеялись"], media)
    await hand_in_week(app, other.parents[0], other_week, ["Читали сказку"], None)
    assert await digest(app) == 0  # handed in during this period: waits for the next one

    assert await after_the_hour(app) == 1
    digests = [t for t in mentor.texts() if t.startswith("📬 Сданы домашние задания")]
    assert len(digests) == 1  # two families, one message
    assert "«Ивановы»" in digests[0] and "«Петровы»" in digests[0]

    await mentor.press(OPEN.format(week_id))
    window = mentor.last_text()
    assert "«Ивановы» · Точка опоры" in window
    assert "Неделя 1: «" in window
    assert "Сдано: 23.11.2026 10:0" in window and "по времени семьи" in window
    assert "Оценка недели: 8/10" in window
    assert "Мы <b>гуляли</b> вместе & смеялись" in window  # escaped, shown as written
    assert "📷 фото: 1 · 🎤 голосовых: 1 — копии придут отдельными сообщениями." in window
    assert "Петровы" not in window
    assert mentor.last().button_texts() == ["💬 Ответить", "✖️ Закрыть"]

    await send_soon(app)
    photos = sent_to(app, "sendPhoto", mentor.id)
    voices = sent_to(app, "sendVoice", mentor.id)
    assert [p["photo"] for p in photos] == [media.photo]
    assert [v["voice"] for v in voices] == [media.voice]
    assert "«Ивановы» · неделя 1 · 1 из 2" in str(photos[0].get("caption"))
    views = await audits(app, "homework.view")
    assert [v.object_id for v in views] == [week_id]

    await mentor.press("💬 Ответить")
    assert "Напишите ответ родителям семьи «Ивановы»" in mentor.last_text()
    await mentor.send_photo()
    assert "Пожалуйста, напишите ответ текстом." in mentor.last_text()
    await mentor.send_text("Спасибо! Очень тёплые <i>фото</i>.")
    assert "✅ Отправлено родителям." in mentor.last_text()
    # A second message after sending is not sent on its own.
    await mentor.send_text("Спасибо! Очень тёплые <i>фото</i>.")
    assert "Это сообщение не отправлено" in mentor.last_text()
    assert await feedback_count(app) == 1

    await send_now(app)
    reply = parent.last_text()
    assert reply.startswith("💬 Ответ наставника на задание недели 1, «")
    assert "Спасибо! Очень тёплые <i>фото</i>." in reply
    assert not any("Спасибо! Очень" in t for t in other.parents[0].texts())

    await mentor.press("📖 К ответам")
    assert "Уже отправлено ответов:</b>" not in mentor.last_text()
    assert "Уже отправлено ответов: 1" in mentor.last_text()
    await mentor.press("✖️ Закрыть")
    # The digest kept its buttons: the other family opens from it too.
    [digest_message] = [m for m in mentor.messages() if m.visible_text.startswith("📬")]
    assert len(digest_message.buttons()) == 2
    await mentor.press(OPEN.format(other_week), digest_message.message_id)
    assert "Читали сказку" in mentor.last_text() and "Ивановы" not in mentor.last_text()
    # A redraw was no new opening; the second family was.
    assert [v.object_id for v in await audits(app, "homework.view")] == [week_id, other_week]
    app.fake.assert_no_violations()


async def test_mentor_path_in_english(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    fam, week_id = await released_family(app, name="Smiths", lang="en")
    assert fam.mentor is not None
    mentor, parent = fam.mentor, fam.parents[0]
    await hand_in_week(
        app, parent, week_id, ["We cooked dinner together."], parent_files(app), "Our <pie>"
    )
    assert await after_the_hour(app) == 1
    assert mentor.last_text().startswith("📬 Homework handed in")
    await mentor.press(OPEN.format(week_id))
    window = mentor.last_text()
    assert "«Smiths» · " in window and "Week 1: «" in window
    assert "Handed in: 23.11.2026 10:0" in window
    assert "How the week went: 8/10" in window
    assert "We cooked dinner together." in window
    assert "📷 Our <pie>" in window  # a photo's caption is shown with the texts
    assert "📷 photos: 1 · 🎤 voice messages: 1 — copies follow as separate messages." in window
    await send_now(app)
    await mentor.press("💬 Reply")
    await mentor.send_text("Lovely — thank you!")
    assert "✅ Sent to the parents." in mentor.last_text()
    await send_now(app)
    reply = parent.last_text()
    assert reply.startswith("💬 A reply from your mentor on week 1, «")
    assert reply.endswith("Lovely — thank you!")
    app.fake.assert_no_violations()


async def test_thirty_long_answers_fit_in_one_window(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    fam, week_id = await released_family(app)
    assert fam.mentor is not None
    long_answer = "Очень длинный ответ про нашу неделю 🌿 & <теги> " * 90  # over 4000 characters
    await hand_in_week(app, fam.parents[0], week_id, [long_answer[:4000]] * 30, None)
    await after_the_hour(app)
    await fam.mentor.press(OPEN.format(week_id))
    window = fam.mentor.last_text()
    assert "Очень длинный ответ" in window
    assert len(window.encode("utf-16-le")) // 2 < 4000
    assert window.count("• ") >= 10
    app.fake.assert_no_violations()


async def test_others_cannot_open_the_answers(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    fam, week_id = await released_family(app)
    stranger_family, _other_week = await released_family(
        app, name="Петровы", parent_ids=(3002,), mentor_id=2002
    )
    await hand_in_week(app, fam.parents[0], week_id, ["Наш секретный ответ"], parent_files(app))
    await after_the_hour(app)
    other_mentor = stranger_family.mentor
    assert other_mentor is not None
    before = other_mentor.texts()

    await other_mentor.press_forged(OPEN.format(week_id), other_mentor.last().message_id)
    answer = app.fake.calls_of("answerCallbackQuery")[-1]
    assert "для вашей роли это недоступно" in answer.params["text"]
    await send_now(app)
    assert other_mentor.texts() == before  # nothing shown, nothing copied
    assert not sent_to(app, "sendPhoto", other_mentor.id)
    denied = await audits(app, "access.denied")
    assert denied and denied[-1].actor_telegram_id == other_mentor.id

    parent = stranger_family.parents[0]
    await parent.press_forged(OPEN.format(week_id), parent.last().message_id)
    assert (
        "для вашей роли это недоступно"
        in app.fake.calls_of("answerCallbackQuery")[-1].params["text"]
    )
    assert not any("секретный" in t for t in parent.texts())
    assert len(await audits(app, "access.denied")) == len(denied) + 1

    # Malformed ids are answered kindly, nothing else happens.
    for data in ("hw:o:abc", "hw:o:1234567890", "hw:o:"):
        await other_mentor.press_forged(data, other_mentor.last().message_id)
        assert "устарела" in app.fake.calls_of("answerCallbackQuery")[-1].params["text"]
    assert await audits(app, "homework.view") == []

    # A coordinator may open any family's answers; the opening is audited.
    await admin.press_forged(OPEN.format(week_id), admin.last().message_id)
    assert "Наш секретный ответ" in admin.last_text()
    [view] = await audits(app, "homework.view")
    coordinator = await app.actor(ADMIN_ID)
    assert (view.actor_id, view.object_id) == (coordinator.person_id, week_id)
    # A week that does not exist: a kind refusal, nothing opened.
    await admin.press_forged(OPEN.format(999999), admin.last().message_id)
    assert "Ничего не сохранено" in app.fake.calls_of("answerCallbackQuery")[-1].params["text"]
    assert len(await audits(app, "homework.view")) == 1
    app.fake.assert_no_violations()


async def test_digest_goes_once_per_period_and_not_again_after_a_restart(
    app: BotHarness,
) -> None:
    await app.admin(ADMIN_ID)
    fam, week_id = await released_family(app)
    assert fam.mentor is not None
    await hand_in_week(app, fam.parents[0], week_id, ["Ответ"], None)
    assert await after_the_hour(app) == 1
    assert await digest(app) == 0  # a second run in the same period
    await app.restart()
    assert await digest(app) == 0
    app.clock.advance(hours=1)
    assert await digest(app) == 0  # nothing new handed in
    await send_now(app)
    assert len(await outbox_rows(app, DIGEST_PURPOSE)) == 1
    assert sum(t.startswith("📬") for t in fam.mentor.texts()) == 1
    app.fake.assert_no_violations()
