"""What shows a network meeting's effect, through the bot: why it is called (the wizard's step,
the board, changed later), the facilitators' assessment of the process from the board, and the
record two weeks after from the reminder's button and the board (decisions done or not and why,
a new map, a new meeting), shown on the board and in the family's case; only coordinators, and
forged buttons refused."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db.models import (
    Meeting,
    MeetingDecision,
    MeetingFollowUp,
    MeetingProcessAssessment,
    Role,
)
from bot.scheduler.jobs import run_meeting_decisions
from bot.services import meeting_decisions, srs
from tests.conftest import ADMIN_ID
from tests.e2e.steps import attach, audits, create_meeting, open_board, plan_council
from tests.faketg import FakeUser
from tests.harness import BotHarness
from tests.homework_support import send_now

MENTOR_ID = 2001
HELD_AT = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
FOLLOW_UP_MOMENT = datetime(2026, 12, 8, 7, 0, tzinfo=UTC)  # 24.11 + 14 days, 10:00 Moscow

W = {
    "en": {
        "process": "🧭 Process assessment",
        "follow_up": "🗓 Two weeks after",
        "record": "📝 Record the follow-up",
        "partly": "2 — partly",
        "fully": "3 — fully",
        "begun": "1 — begun",
        "none": "0 — not reached",
        "skip": "➡️ Skip",
        "save": "✅ Save",
        "saved_process": "The assessment of the process is saved.",
        "process_line": "Process: furthest phase reached: Decisions and plan (partly); "
        "fully 2 of 6, reflection note ✓",
        "done": "✅ Done",
        "not_done": "❌ Not done",
        "yes": "✅ Yes",
        "no": "❌ No",
        "saved_record": "The record of two weeks after is saved.",
        "record_line": "Two weeks after: decisions done 1 of 2, not done 1; new social map: yes; "
        "new meeting: no",
        "child_now": "The child now: «Я теперь живу с мамой»",
        "case": "Network meetings, two weeks after",
        "case_line": "• 24.11.2026 (Маша): decisions done 1 of 2, not done 1; new social map: "
        "yes; new meeting: no",
        "stale": "This button is out of date.",
        "now": "Now: partly",
        "to_meeting": "⬅️ To the meeting",
    },
    "ru": {
        "process": "🧭 Оценка процесса",
        "follow_up": "🗓 Через две недели",
        "record": "📝 Записать итоги",
        "partly": "2 — частично",
        "fully": "3 — полностью",
        "begun": "1 — начали",
        "none": "0 — не дошли",
        "skip": "➡️ Пропустить",
        "save": "✅ Сохранить",
        "saved_process": "Оценка процесса сохранена.",
        "process_line": "Процесс: дальше всего дошли: Решения и план (частично); "
        "полностью 2 из 6, заметка рефлексивной группы ✓",
        "done": "✅ Готово",
        "not_done": "❌ Не выполнено",
        "yes": "✅ Да",
        "no": "❌ Нет",
        "saved_record": "Запись через две недели сохранена.",
        "record_line": "Через две недели: решений выполнено 1 из 2, не выполнено 1; новая "
        "карта связей: да; новая встреча: нет",
        "child_now": "Ребёнок сейчас: «Я теперь живу с мамой»",
        "case": "Сетевые встречи: через две недели",
        "case_line": "• 24.11.2026 (Маша): решений выполнено 1 из 2, не выполнено 1; новая "
        "карта связей: да; новая встреча: нет",
        "stale": "Эта кнопка устарела.",
        "now": "Сейчас: частично",
        "to_meeting": "⬅️ К встрече",
    },
}


async def run_job(app: BotHarness) -> int:
    return await run_meeting_decisions(app.sessionmaker, app.clock, app.settings)


async def held_council(app: BotHarness, key: str) -> tuple[int, int, list[int]]:
    """A family council of 24.11 17:00 with two decisions, marked held on 26.11; returns the
    family's id, the meeting's and the decisions'."""
    family_id = await app.add_family(ADMIN_ID, "Ивановы")
    meeting_id = await plan_council(app, family_id, key)
    boss = await app.actor(ADMIN_ID)
    ids = []
    async with app.sessionmaker.begin() as session:
        for what in ("Записаться в секцию", "Навещать бабушку"):
            decision = await meeting_decisions.add(
                session, boss, meeting_id, what, "мама", date(2026, 11, 30), app.clock.now()
            )
            ids.append(decision.id)
    app.clock.set(HELD_AT)
    async with app.sessionmaker.begin() as session:
        await srs.mark_held(session, boss, meeting_id, set(), app.clock.now())
    return family_id, meeting_id, ids


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_the_reason_is_asked_when_planned_shown_and_changed(
    app: BotHarness, lang: str
) -> None:
    admin = await app.admin(ADMIN_ID, language_code="en")
    await app.add_family(ADMIN_ID, "Ивановы")
    await admin.send_command("meetings")
    await admin.press("➕ New meeting")
    await admin.press("Ивановы")
    await admin.send_text("Маша")
    await admin.send_text("Я хочу жить с мамой")
    assert "Why is the meeting called?" in admin.last_text()
    assert admin.last().button_texts()[:5] == [
        "Crisis and conflicts in the family",
        "Abuse of the child",
        "The child leaving home",
        "The parents' or guardians' refusal of the child",
        "Other",
    ]
    forged = next(b for b in admin.last().buttons() if b["text"] == "Other")
    await admin.press_forged(
        forged["callback_data"].rsplit(":", 1)[0] + ":hacked", admin.last().message_id
    )
    assert "Why is the meeting called?" in admin.last_text()  # nothing taken
    await admin.press("⬅️ Back")
    assert "The topic of the meeting" in admin.last_text()
    await admin.send_command("cancel")
    await create_meeting(admin, "Ивановы", reason="The child leaving home")
    assert "Why: The child leaving home" in admin.last_text()
    async with app.sessionmaker() as session:
        meeting = await session.scalar(select(Meeting))
    assert meeting is not None and meeting.reason == "leaving_home"
    # Changed later through «✏️ Edit details» (nobody invited is told: it is not theirs).
    if lang == "ru":
        await admin.send_command("language")
        await admin.press(next(t for t in admin.last().button_texts() if "Рус" in t))
        await open_board(admin)
        assert "Повод: Уход ребёнка из дома" in admin.last_text()
        await admin.press("✏️ Изменить детали")
        assert "Повод: Уход ребёнка из дома" in admin.last_text()
        await admin.press("Повод")
        await admin.press("Жестокое обращение с ребёнком")
        assert "Сохранено: Жестокое обращение с ребёнком." in admin.last_text()
        assert "Повод: Жестокое обращение с ребёнком" in admin.last_text()
    else:
        await admin.press("✏️ Edit details")
        await admin.press("Why it is called")
        assert "Now: The child leaving home" in admin.last_text()
        await admin.press("Abuse of the child")
        assert "Saved: Abuse of the child." in admin.last_text()
        assert "Why: Abuse of the child" in admin.last_text()
    async with app.sessionmaker() as session:
        meeting = await session.scalar(select(Meeting))
    assert meeting is not None and meeting.reason == "abuse"
    assert await audits(app, "meeting.reason")
    app.fake.assert_no_violations()


async def test_an_old_meeting_shows_no_reason_and_gets_one_after_it_began(
    app: BotHarness,
) -> None:
    admin = await app.admin(ADMIN_ID, language_code="en")
    _family, meeting_id, _ids = await held_council(app, "old")
    await open_board(admin)
    assert "Why:" not in admin.last_text()
    assert "✏️ Edit details" not in admin.last().button_texts()
    await admin.press("🎯 Why the meeting")
    assert "Now: —" in admin.last_text()
    await admin.press("Other")
    assert "Why: Other" in admin.last_text()
    async with app.sessionmaker() as session:
        meeting = await session.get(Meeting, meeting_id)
    assert meeting is not None and meeting.reason == "other"
    app.fake.assert_no_violations()


async def score_all(admin: FakeUser, labels: list[str]) -> None:
    for label in labels:
        await admin.press(label)


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_the_process_assessment_from_the_board(app: BotHarness, lang: str) -> None:
    w = W[lang]
    admin = await app.admin(ADMIN_ID, language_code=lang)
    _family, meeting_id, _ids = await held_council(app, "process")
    await open_board(admin)
    assert w["process"] in admin.last().button_texts()
    await admin.press(w["process"])
    assert "1" in admin.last_text() and "6" in admin.last_text()
    # A forged score: nothing taken, the same phase stays.
    first_text = admin.last_text()
    tap = next(b for b in admin.last().buttons() if b["text"] == w["fully"])
    await admin.press_forged(tap["callback_data"][:-1] + "7", admin.last().message_id)
    assert admin.last_text() == first_text
    # preparation, story fully; resources partly; ideas begun; plan partly; closing not reached.
    await score_all(admin, [w["fully"], w["fully"], w["partly"], w["begun"], w["partly"]])
    await admin.press("⬅️ Back" if lang == "en" else "⬅️ Назад")  # back to «plan»
    assert w["now"] in admin.last_text()
    await score_all(admin, [w["partly"], w["none"]])
    await admin.send_sticker()
    await admin.send_text("Застряли на <идеях> & вернулись")
    summary = admin.last().html or ""
    assert "Застряли на &lt;идеях&gt; &amp; вернулись" in summary
    await admin.press(w["save"])
    assert w["saved_process"] in admin.last_text()
    assert w["process_line"] in admin.last_text()
    async with app.sessionmaker() as session:
        found = await session.scalar(select(MeetingProcessAssessment))
    assert found is not None and found.meeting_id == meeting_id
    assert found.phases == {
        "preparation": 3,
        "story": 3,
        "resources": 2,
        "ideas": 1,
        "plan": 2,
        "closing": 0,
    }
    assert found.reflection_note == "Застряли на <идеях> & вернулись"
    # Redone: the same row, the earlier answers shown; the note removed.
    app.clock.set(HELD_AT + timedelta(minutes=5))
    await admin.press(w["process"])
    assert ("Now: fully" if lang == "en" else "Сейчас: полностью") in admin.last_text()
    await score_all(admin, [w["fully"]] * 6)
    await admin.press("🗑 Remove the note" if lang == "en" else "🗑 Убрать заметку")
    await admin.press(w["save"])
    async with app.sessionmaker() as session:
        rows = list(await session.scalars(select(MeetingProcessAssessment)))
    assert len(rows) == 1 and rows[0].reflection_note is None
    assert rows[0].updated_at >= HELD_AT + timedelta(minutes=5) > found.updated_at
    assert rows[0].created_at == found.created_at
    assert set(rows[0].phases.values()) == {3}
    app.fake.assert_no_violations()


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_the_two_week_record_from_the_reminder_on_the_board_and_in_the_case(
    app: BotHarness, lang: str
) -> None:
    w = W[lang]
    admin = await app.admin(ADMIN_ID, language_code=lang)
    family_id, meeting_id, (first, second) = await held_council(app, "follow-up")
    app.clock.set(FOLLOW_UP_MOMENT)
    assert await run_job(app) == 1
    await send_now(app)
    reminder = admin.last()
    assert reminder.button_texts() == [w["record"]]
    await admin.press(w["record"], reminder.message_id)
    assert "Маша" in admin.last_text() and "24.11.2026" in admin.last_text()
    await admin.send_photo()
    assert ("as text" if lang == "en" else "текстом") in admin.last_text()
    await admin.send_text("Я теперь живу с мамой")
    await admin.send_text("Спокойнее, мама вышла на работу")
    assert "Записаться в секцию" in admin.last_text()
    await admin.press(w["done"])
    assert "Навещать бабушку" in admin.last_text()
    await admin.press(w["not_done"])
    await admin.send_text("Бабушка <в больнице>")
    await admin.press(w["yes"])  # a new social map
    await admin.press(w["no"])  # no new meeting
    check = admin.last().html or ""
    assert "Бабушка &lt;в больнице&gt;" in check
    await admin.press(w["save"])
    board = admin.last_text()
    assert w["saved_record"] in board
    assert w["record_line"] in board and w["child_now"] in board
    async with app.sessionmaker() as session:
        record = await session.scalar(select(MeetingFollowUp))
        done = await session.get(MeetingDecision, first)
        not_done = await session.get(MeetingDecision, second)
    assert record is not None and record.meeting_id == meeting_id
    assert record.child_now == "Я теперь живу с мамой"
    assert record.family_now == "Спокойнее, мама вышла на работу"
    assert (record.new_map_needed, record.new_meeting_needed) == (True, False)
    assert done is not None and done.done_at is not None
    assert not_done is not None and not_done.done_at is None
    assert not_done.not_done_reason == "Бабушка <в больнице>" and not_done.not_done_at
    # From the board again: the form starts from what was saved; the remaining decision done.
    await admin.press(w["follow_up"])
    assert "Я теперь живу с мамой" in admin.last_text()
    await admin.press(w["skip"])
    await admin.press(w["skip"])
    assert "Бабушка" in admin.last_text()  # marked not done before
    await admin.press(w["done"])
    await admin.press(w["yes"])
    await admin.press(w["yes"])
    await admin.press(w["save"])
    assert ("decisions done 2 of 2" if lang == "en" else "решений выполнено 2 из 2") in (
        admin.last_text()
    )
    # The family's case shows it (the view is audited).
    await admin.send_command("case")
    await admin.press("Ивановы")
    assert w["case"] in admin.last_text()
    assert "Маша" in admin.last_text() and "Я теперь живу с мамой" in admin.last_text()
    views = await audits(app, "meeting.follow_up_view")
    assert any(v.object_type == "family" and v.object_id == family_id for v in views)
    assert any(v.object_type == "meeting" for v in views)
    app.fake.assert_no_violations()


async def test_the_case_line_in_full(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID, language_code="en")
    await held_council(app, "case-line")
    await open_board(admin)
    await admin.press(W["en"]["follow_up"])
    for step in ("Я теперь живу с мамой", "Хорошо"):
        await admin.send_text(step)
    await admin.press("✅ Done")
    await admin.press("❌ Not done")
    await admin.send_text("Нет времени")
    await admin.press("✅ Yes")
    await admin.press("❌ No")
    await admin.press("✅ Save")
    assert W["en"]["record_line"] in admin.last_text()
    await admin.send_command("case")
    await admin.press("Ивановы")
    assert W["en"]["case_line"] in admin.last_text()
    app.fake.assert_no_violations()


async def test_only_coordinators_and_forged_or_stale_buttons_are_refused(
    app: BotHarness,
) -> None:
    admin = await app.admin(ADMIN_ID, language_code="en")
    family_id, meeting_id, _ids = await held_council(app, "forged")
    planned = await plan_council(app, family_id, "forged-planned", datetime(2026, 12, 20, 17, 0))
    mentor = await app.joined(
        MENTOR_ID, await app.invitation(ADMIN_ID, Role.MENTOR), language_code="en"
    )
    await attach(app, MENTOR_ID, family_id)
    await app.deliver()
    # A coordinator's stale or forged buttons: told so, nothing opens.
    await admin.send_command("meetings")
    message_id = admin.last().message_id
    for data in ("md:f:abc", "md:f:1234567890", "md:f:999999", f"md:f:{planned}", "md:f:"):
        query = await admin.press_forged(data, message_id)
        answer = app.fake.callback_answer(query)
        assert answer is not None and W["en"]["stale"] in answer["text"]
    # A mentor of the family: refused and audited; nothing of the meeting reaches them.
    refusals_before = len(await audits(app, "access.denied"))
    mentor_message = mentor.last().message_id
    await mentor.press_forged(f"md:f:{meeting_id}", mentor_message)
    assert len(await audits(app, "access.denied")) > refusals_before
    assert not any("Записаться" in t for t in mentor.texts())
    # Their /case of the family has no two-week section.
    await admin.send_command("meetings")
    await open_board(admin)
    await admin.press(W["en"]["follow_up"])
    await admin.send_text("Секретные слова ребёнка")
    await admin.press(W["en"]["skip"])
    await admin.press("⏳ Not known yet")
    await admin.press("⏳ Not known yet")
    await admin.press("❌ No")
    await admin.press("❌ No")
    await admin.press("✅ Save")
    await mentor.send_command("case")
    await mentor.press("Ивановы")
    assert "Секретные слова ребёнка" not in mentor.last_text()
    assert W["en"]["case"] not in mentor.last_text()
    async with app.sessionmaker() as session:
        decisions = list(await session.scalars(select(MeetingDecision)))
    assert all(d.done_at is None and d.not_done_at is None for d in decisions)  # not known
    app.fake.assert_no_violations(unanswered_callbacks_ok=True)
