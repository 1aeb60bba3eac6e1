"""Network meetings on the coordinator's board once planned: changing the date, time or place
(everyone invited who uses the bot is told), marking the meeting held with who came (the SRS
survey goes to attendees only) and the SRS summary on a held meeting's board."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db.models import (
    AuditEntry,
    Meeting,
    MeetingFollowUp,
    MeetingFormat,
    MeetingParticipant,
    MeetingProcessAssessment,
    Relation,
    Role,
    Rsvp,
    SrsResponse,
)
from bot.services import meetings, srs
from tests.conftest import ADMIN_ID
from tests.e2e.steps import COUNCIL_START, open_board, plan_council, planned
from tests.faketg import FakeUser
from tests.harness import BotHarness
from tests.homework_support import send_now

STARTED_2H = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)  # two hours into the meeting

WORDS = {
    "en": {
        "change": "✏️ Change date / time / place",
        "held": "✅ Held: who came?",
        "keep_place": "➡️ Keep the place",
        "save_change": "✅ Save the change",
        "save": "💾 Save",
        "changed": "The meeting is changed. Everyone invited who uses the bot will be told.",
        "same": "Nothing changed: the date, time and place are the same as before.",
        "told": "Everyone invited who uses the bot will get a message saying what changed.",
        "not_started": "The meeting has not started yet",
        "stale": "This button is out of date.",
        "marked": "The meeting is marked as held: 3 came.",
        "held_mark": "✔️ Held",
        "srs_none": "Feedback (SRS): 0 of 3 attendees answered",
        "srs_two": "Feedback (SRS): 2 of 3 attendees answered",
        "items": [
            "• Relationship: 9.0\n",
            "• Goals and topics: 7.0 ⚠️",
            "• Approach: 9.0\n",
            "• Overall: 9.0\n",
        ],
        "total": "Total: 34.0 of 40 ⚠️",
        "under": "Totals under 36 (a signal): 1 of 2",
        "place_was": "Place: Зал 2 &lt;второй этаж&gt; (was Центр «Семья»).",
        "correct": "✏️ Correct who came",
        "correct_title": "Correct who came.",
        "not_held": "This meeting is not marked as held yet",
        "already_held": "This meeting is already marked as held.",
        "marked_one": "The meeting is marked as held: 1 came.",
        "corrected": "Attendance corrected: 1 came. New feedback surveys sent: 1.",
        "corrected_again": "Attendance corrected: 1 came. New feedback surveys sent: 0.",
        "srs_one_none": "Feedback (SRS): 0 of 1 attendees answered",
    },
    "ru": {
        "change": "✏️ Изменить дату / время / место",
        "held": "✅ Прошла: кто пришёл?",
        "keep_place": "➡️ Оставить место",
        "save_change": "✅ Сохранить изменения",
        "save": "💾 Сохранить",
        "changed": "Встреча изменена. Все приглашённые, кто пользуется ботом, получат сообщение.",
        "same": "Ничего не изменилось: дата, время и место остались прежними.",
        "told": "Все приглашённые, кто пользуется ботом, получат сообщение о том, что изменилось.",
        "not_started": "Встреча ещё не началась",
        "stale": "Эта кнопка устарела.",
        "marked": "Встреча отмечена как прошедшая, пришли: 3.",
        "held_mark": "✔️ Проведена",
        "srs_none": "Обратная связь (SRS): ответили 0 из 3 участников встречи",
        "srs_two": "Обратная связь (SRS): ответили 2 из 3 участников встречи",
        "items": [
            "• Отношения: 9.0\n",
            "• Цели и темы: 7.0 ⚠️",
            "• Подход: 9.0\n",
            "• В целом: 9.0\n",
        ],
        "total": "Итого: 34.0 из 40 ⚠️",
        "under": "Итог ниже 36 (сигнал): 1 из 2",
        "place_was": "Зал 2 &lt;второй этаж&gt;",
        "correct": "✏️ Исправить, кто пришёл",
        "correct_title": "Исправим, кто пришёл.",
        "not_held": "Встреча ещё не отмечена как прошедшая",
        "already_held": "Эта встреча уже отмечена как прошедшая.",
        "marked_one": "Встреча отмечена как прошедшая, пришли: 1.",
        "corrected": "Список исправлен, пришли: 1. Новых опросов отправлено: 1.",
        "corrected_again": "Список исправлен, пришли: 1. Новых опросов отправлено: 0.",
        "srs_one_none": "Обратная связь (SRS): ответили 0 из 1 участников встречи",
    },
}


async def participants(app: BotHarness, meeting_id: int) -> dict[int, MeetingParticipant]:
    async with app.sessionmaker() as session:
        rows = await session.scalars(
            select(MeetingParticipant).where(MeetingParticipant.meeting_id == meeting_id)
        )
        return {row.id: row for row in rows}


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_reschedule_through_the_board_tells_the_invited(app: BotHarness, lang: str) -> None:
    w = WORDS[lang]
    admin, users, _rows, meeting_id = await planned(app, lang)
    await open_board(admin)
    assert w["held"] not in admin.last().button_texts()  # not before the start
    await admin.press(w["change"])
    assert "24.11.2026 17:00" in admin.last_text()
    await admin.send_text("31.02.2026")
    assert "DD.MM.YYYY" in admin.last_text() or "ДД.ММ.ГГГГ" in admin.last_text()
    await admin.press("26.11")
    await admin.send_text("18:30")
    await admin.send_text("Зал 2 <второй этаж>")
    confirm = admin.last_text()
    assert "26.11.2026 18:30" in confirm and "Зал 2 <второй этаж>" in confirm
    assert w["told"] in confirm
    await admin.press(w["save_change"])
    board = admin.last_text()
    assert w["changed"] in board and "26.11.2026 18:30" in board

    await send_now(app)
    for user in users:
        notice = user.last_text()
        assert notice.startswith("🔄")
        assert "26.11.2026 18:30" in notice and "24.11.2026 17:00" in notice
        assert "Зал 2 <второй этаж>" in notice
    assert "Date and time: 26.11.2026 18:30 (was 24.11.2026 17:00)." in users[1].last_text()
    async with app.sessionmaker() as session:
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None and meeting.place == "Зал 2 <второй этаж>"

    # The same date, time and place again: nothing to tell anyone.
    before = [len(u.messages()) for u in users]
    await admin.press(w["change"])
    await admin.press(next(t for t in admin.last().button_texts() if "26.11.2026" in t))
    await admin.press(next(t for t in admin.last().button_texts() if "18:30" in t))
    await admin.press(w["keep_place"])
    await admin.press(w["save_change"])
    assert w["same"] in admin.last_text()
    await send_now(app)
    assert [len(u.messages()) for u in users] == before
    app.fake.assert_no_violations()


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_held_attendance_and_the_srs_summary(app: BotHarness, lang: str) -> None:
    w = WORDS[lang]
    admin, users, rows, meeting_id = await planned(app, lang)
    ru_guest, en_guest, absent = users
    await open_board(admin)
    change = next(b for b in admin.last().buttons() if b["text"] == w["change"])
    assert change["callback_data"].endswith("change")
    # The held button is hidden before the start; a forged press gets a kind refusal.
    await admin.press_forged(
        change["callback_data"][: -len("change")] + "held", admin.last().message_id
    )
    assert w["not_started"] in admin.last_text()
    assert all(not p.attended for p in (await participants(app, meeting_id)).values())

    app.clock.set(STARTED_2H)
    await open_board(admin)
    assert w["change"] not in admin.last().button_texts()  # started: no more moving it
    await admin.press(w["held"])
    ticks = admin.last().button_texts()
    # Those who said Приду are ticked to begin with.
    assert "✅ Гость 4001" in ticks and "✅ Гость 4002" in ticks
    assert "▫️ Гость 4003" in ticks and "▫️ Бабушка" in ticks
    await admin.press("▫️ Бабушка")

    # A tick forged with another meeting's participant id is refused at Save.
    other_meeting = await plan_council(
        app, await _family_id(app, meeting_id), "other", COUNCIL_START + timedelta(days=7)
    )
    boss = await app.actor(ADMIN_ID)
    async with app.sessionmaker.begin() as session:
        stranger = await meetings.add_participant(
            session,
            boss,
            other_meeting,
            name="Чужой",
            relation=Relation.OTHER,
            approved_by_child=True,
            phone=None,
            now=app.clock.now(),
        )
    tick = next(b for b in admin.last().buttons() if b["text"] == "✅ Бабушка")
    forged = re.sub(r"\d+$", str(stranger.id), tick["callback_data"])
    await admin.press_forged(forged, admin.last().message_id)
    assert w["stale"] in admin.last_text()
    async with app.sessionmaker() as session:
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None and meeting.status == "planned"
        other = await session.get(MeetingParticipant, stranger.id)
        assert other is not None and not other.attended

    await admin.press(w["save"])
    board = admin.last_text()
    assert w["marked"] in board and w["held_mark"] in board
    assert "✅ Гость 4001" in board and "▫️ Гость 4003" in board and "✅ Бабушка" in board
    assert w["srs_none"] in board
    attended = {pid: p.attended for pid, p in (await participants(app, meeting_id)).items()}
    assert attended == {rows[0]: True, rows[1]: True, rows[2]: False, rows[3]: True}
    assert w["held"] not in admin.last().button_texts()

    # The survey reaches the attendees who use the bot, and only them.
    await send_now(app)
    assert ru_guest.last_text().startswith("📝 Спасибо, что пришли на встречу!")
    assert en_guest.last_text().startswith("📝 Thank you for coming to the meeting!")
    assert not any(t.startswith("📝") for t in absent.texts())

    await ru_guest.press("📝 Оценить встречу")
    await ru_guest.press("Начать")
    for value in ("10", "6", "10", "10"):
        await ru_guest.press(value)
    await ru_guest.press("Пропустить")
    await en_guest.press("📝 Rate the meeting")
    await en_guest.press("Begin")
    for value in ("8", "8", "8", "8"):
        await en_guest.press(value)
    await en_guest.press("Skip")

    await open_board(admin)
    board = admin.last_text()
    assert w["srs_two"] in board
    for line in w["items"]:
        assert line in board
    assert w["total"] in board and w["under"] in board
    app.fake.assert_no_violations()


AWAITING = {
    "en": {
        "upcoming": "⏳ Waiting for «who came»: 1 — under «🗂 Past and cancelled».",
        "past": "⏳ Waiting for «who came»: 1. They are at the top of the list: open one and "
        "tap «✅ Held: who came?».",
        "to_past": "🗂 Past and cancelled",
    },
    "ru": {
        "upcoming": "⏳ Ждут отметки «кто пришёл»: 1 — в разделе «🗂 Прошедшие и отменённые».",
        "past": "⏳ Ждут отметки «кто пришёл»: 1. Они в начале списка: откройте встречу и "
        "нажмите «✅ Прошла: кто пришёл?».",
        "to_past": "🗂 Прошедшие и отменённые",
    },
}


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_a_started_meeting_waits_for_who_came_at_the_top(app: BotHarness, lang: str) -> None:
    words = AWAITING[lang]
    admin, _users, _rows, meeting_id = await planned(app, lang)
    # A later meeting, cancelled: by date it would come first among the past ones.
    later = await plan_council(
        app, await _family_id(app, meeting_id), "later", COUNCIL_START + timedelta(days=7)
    )
    boss = await app.actor(ADMIN_ID)
    async with app.sessionmaker.begin() as session:
        assert await meetings.cancel(session, boss, later, app.clock.now())
    app.clock.set(STARTED_2H)
    await admin.send_command("meetings")
    assert words["upcoming"] in admin.last_text()
    await admin.press(words["to_past"])
    assert words["past"] in admin.last_text()
    buttons = admin.last().button_texts()
    assert buttons[0].startswith("⏳ 24.11.2026 17:00 · Маша")
    assert buttons[1].startswith("❌ 01.12.2026 17:00 · Маша")
    # Marked held: it takes its place by date, and nothing waits any more.
    async with app.sessionmaker.begin() as session:
        await srs.mark_held(session, boss, meeting_id, [], app.clock.now())
    await admin.send_command("meetings")
    assert "⏳" not in admin.last_text()
    await admin.press(words["to_past"])
    assert "⏳" not in admin.last_text()
    assert [b[:2] for b in admin.last().button_texts()[:2]] == ["❌ ", "24"]
    app.fake.assert_no_violations()


async def _family_id(app: BotHarness, meeting_id: int) -> int:
    async with app.sessionmaker() as session:
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        return meeting.family_id


async def test_a_mentor_cannot_reach_the_change_or_the_held_marks(app: BotHarness) -> None:
    admin, _users, _rows, meeting_id = await planned(app, "en")
    mentor = await app.joined(2001, await app.invitation(ADMIN_ID, Role.MENTOR), language_code="en")
    await mentor.send_command("meetings")
    assert "this is not available for your role" in mentor.last_text()
    await open_board(admin)
    change = next(b for b in admin.last().buttons() if b["text"] == WORDS["en"]["change"])
    app.clock.set(STARTED_2H)
    for data in (change["callback_data"], change["callback_data"][: -len("change")] + "held"):
        await mentor.press_forged(data, mentor.last().message_id)
    async with app.sessionmaker() as session:
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None and meeting.status == "planned"
        refusals = list(
            await session.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == "access.denied", AuditEntry.actor_telegram_id == 2001
                )
            )
        )
    assert len(refusals) >= 1
    app.fake.assert_no_violations(unanswered_callbacks_ok=True)


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_a_full_held_board_with_html_stays_within_limits(app: BotHarness, lang: str) -> None:
    admin = await app.admin(ADMIN_ID, language_code=lang)
    family_id = await app.add_family(ADMIN_ID, "<b>Ивановы</b> & " + "Я" * 20)
    boss = await app.actor(ADMIN_ID)
    async with app.sessionmaker.begin() as session:
        meeting = await meetings.create(
            session,
            boss,
            family_id,
            meetings.MeetingDraft(
                child_name="<Маша>&",
                topic="<i>" + "т" * 190,
                format=MeetingFormat.PROCESS,
                starts_local=COUNCIL_START,
                place="<место> & " + "м" * 180,
                duration_minutes=90,
                facilitators="<вед> & " + "в" * 180,
                contact="+7 900",
                note="<note>",
                reason="leaving_home",
            ),
            draft_key="full",
            now=app.clock.now(),
        )
        ids = []
        for n in range(meetings.MAX_PARTICIPANTS):
            row = await meetings.add_participant(
                session,
                boss,
                meeting.id,
                name=f"<{n}> & " + "Ж" * 70,
                relation=Relation.TEACHER,
                approved_by_child=True,
                phone=None,
                now=app.clock.now(),
            )
            row.invited_at = app.clock.now()
            row.rsvp = Rsvp.MAYBE.value
            row.rsvp_comment = "<c> & " + "к" * 490
            ids.append(row.id)
    app.clock.set(STARTED_2H)
    async with app.sessionmaker.begin() as session:
        await srs.mark_held(session, boss, meeting.id, set(ids), app.clock.now())
        for n, participant_id in enumerate(ids):
            value = n % 11
            session.add(
                SrsResponse(
                    meeting_id=meeting.id,
                    participant_id=participant_id,
                    scores={"relationship": value, "goals": 10, "approach": 5, "overall": 9},
                    total=value + 24,
                    reflection="<r> & " + "р" * 490,  # the open question's longest answers
                    created_at=app.clock.now(),
                )
            )
        # The process and the record two weeks after, with their longest words.
        session.add_all(
            [
                MeetingProcessAssessment(
                    meeting_id=meeting.id,
                    phases=dict.fromkeys(("preparation", "story", "resources"), 3),
                    reflection_note="<n> & " + "н" * 990,
                    created_at=app.clock.now(),
                    updated_at=app.clock.now(),
                ),
                MeetingFollowUp(
                    meeting_id=meeting.id,
                    child_now="<c> & " + "д" * 990,
                    family_now="<f> & " + "с" * 990,
                    new_map_needed=True,
                    new_meeting_needed=True,
                    created_at=app.clock.now(),
                ),
            ]
        )
    await open_board(admin)
    board = admin.last_text()
    assert len(board) <= 4096
    assert "Two weeks after: " in board or "Через две недели: " in board  # the compact form
    assert "&lt;" not in board and "(<b>Ивановы</b> & " in board  # escaped, shown as typed
    assert "<Маша>&" in board and ("30 of 30" in board or "30 из 30" in board)
    assert ("Totals under 36 (a signal): 30 of 30" in board) or (
        "Итог ниже 36 (сигнал): 30 из 30" in board
    )
    app.fake.assert_no_violations()


def _surveys_in(user: FakeUser) -> list[str]:
    return [t for t in user.texts() if t.startswith("📝")]


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_correcting_who_came_after_the_meeting_was_held(app: BotHarness, lang: str) -> None:
    w = WORDS[lang]
    admin, users, rows, meeting_id = await planned(app, lang)
    came_first, _en_guest, came_later = users  # both speak Russian
    await open_board(admin)
    assert w["correct"] not in admin.last().button_texts()  # nothing to correct yet
    change = next(b for b in admin.last().buttons() if b["text"] == w["change"])
    await admin.press_forged(
        change["callback_data"][: -len("change")] + "correct", admin.last().message_id
    )
    assert w["not_held"] in admin.last_text()

    # Held with the first guest only; they get the survey.
    app.clock.set(STARTED_2H)
    await open_board(admin)
    await admin.press(w["held"])
    await admin.press("✅ Гость 4002")
    await admin.press(w["save"])
    assert w["marked_one"] in admin.last_text()
    await send_now(app)
    assert len(_surveys_in(came_first)) == 1 and _surveys_in(came_later) == []
    async with app.sessionmaker() as session:
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        first_held = meeting.held_at

    # Corrected: not the first guest after all, but the third.
    await open_board(admin)
    assert w["held"] not in admin.last().button_texts()
    correct = next(b for b in admin.last().buttons() if b["text"] == w["correct"])
    await admin.press_forged(  # an old board's «Held» button: marked once is enough
        correct["callback_data"][: -len("correct")] + "held", admin.last().message_id
    )
    assert w["already_held"] in admin.last_text()
    await open_board(admin)
    await admin.press(w["correct"])
    assert w["correct_title"] in admin.last_text()
    ticks = admin.last().button_texts()
    assert "✅ Гость 4001" in ticks and "▫️ Гость 4002" in ticks  # as it stands, not the RSVPs
    assert "▫️ Гость 4003" in ticks and "▫️ Бабушка" in ticks
    await admin.press("✅ Гость 4001")
    await admin.press("▫️ Гость 4003")
    await admin.press(w["save"])
    board = admin.last_text()
    assert w["corrected"] in board and w["srs_one_none"] in board
    assert "▫️ Гость 4001" in board and "✅ Гость 4003" in board
    assert w["correct"] in admin.last().button_texts()
    attended = {pid: p.attended for pid, p in (await participants(app, meeting_id)).items()}
    assert attended == {rows[0]: False, rows[1]: False, rows[2]: True, rows[3]: False}

    # The same ticks saved again: no second survey.
    await admin.press(w["correct"])
    await admin.press(w["save"])
    assert w["corrected_again"] in admin.last_text()

    await send_now(app)
    assert _surveys_in(came_later)[-1].startswith("📝 Спасибо, что пришли на встречу!")
    # The first guest's survey no longer opens, and their reminder is never sent.
    query = await came_first.press("📝 Оценить встречу")
    refusal = app.fake.callback_answer(query)
    assert refusal is not None and "только для тех, кто был на встрече" in refusal.get("text", "")
    await app.deliver()  # up to the next day: the reminders
    assert len(_surveys_in(came_first)) == 1
    assert len(_surveys_in(came_later)) == 2  # the survey and its reminder, once each
    async with app.sessionmaker() as session:
        assert list(await session.scalars(select(SrsResponse.id))) == []
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None and meeting.held_at == first_held
        audits = list(
            await session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == "meeting.attendance_corrected")
                .order_by(AuditEntry.id)
            )
        )
    # Counts only, no names; the first guest's survey had gone out, only its reminder stopped.
    assert audits[0].details == {
        "attended": 1,
        "added": 1,
        "removed": 1,
        "surveys": 1,
        "cancelled": 1,
    }
    for user in users:  # participants never see the coordinator's buttons
        assert all(w["correct"] not in m.button_texts() for m in user.messages())
    app.fake.assert_no_violations()


async def test_a_mentor_or_participant_cannot_correct_who_came(app: BotHarness) -> None:
    admin, users, rows, meeting_id = await planned(app, "en")
    mentor = await app.joined(2001, await app.invitation(ADMIN_ID, Role.MENTOR), language_code="en")
    app.clock.set(STARTED_2H)
    boss = await app.actor(ADMIN_ID)
    async with app.sessionmaker.begin() as session:
        await srs.mark_held(session, boss, meeting_id, {rows[0]}, app.clock.now())
    await open_board(admin)
    correct = next(b for b in admin.last().buttons() if b["text"] == WORDS["en"]["correct"])
    for someone in (mentor, users[1]):
        await someone.send_command("meetings")
        assert "this is not available for your role" in someone.last_text()
        assert WORDS["en"]["correct"] not in someone.last().button_texts()
        await someone.press_forged(correct["callback_data"], someone.last().message_id)
    attended = {pid: p.attended for pid, p in (await participants(app, meeting_id)).items()}
    assert attended == {rows[0]: True, rows[1]: False, rows[2]: False, rows[3]: False}
    async with app.sessionmaker() as session:
        refusals = list(
            await session.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == "access.denied",
                    AuditEntry.actor_telegram_id.in_([2001, users[1].id]),
                )
            )
        )
        corrections = list(
            await session.scalars(
                select(AuditEntry).where(AuditEntry.action == "meeting.attendance_corrected")
            )
        )
    assert len(refusals) >= 2 and corrections == []
    app.fake.assert_no_violations()
