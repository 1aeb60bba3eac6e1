"""Network meetings, the participant's side: the personal link, the invitation, Приду / Не смогу /
Пока не знаю, a comment; closed answers after the start or a cancellation; an invitation in the
chat for someone who already uses the bot; forged buttons; HTML and long values in every field.

The coordinator's side is arranged through the services. The clock starts on Monday 23 Nov 2026,
07:00 UTC (10:00 in Moscow); the meetings are on Monday 30 Nov, 15:00 Moscow time.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db.models import AuditEntry, MeetingParticipant, Relation, Role
from bot.services import meetings
from tests.conftest import ADMIN_ID
from tests.e2e.steps import MEETING_START, invite, join_by_link, make_meeting
from tests.faketg import FakeUser, StoredMessage
from tests.harness import BotHarness, agree_button

FAMILY = "Ивановы"

WORDS = {
    "ru": {
        "first": "📩 Приглашение на встречу",
        "yes": "Приду",
        "no": "Не смогу",
        "maybe": "Пока не знаю",
        "comment": "💬 Комментарий",
        "mother": "мама",
        "teacher": "педагог или воспитатель",
        "saved": "Ваш ответ сохранён",
        "begun": "Встреча уже началась",
        "cancelled": "Эта встреча отменена",
        "invited": "📩 Вас приглашают на сетевую встречу.",
        "open": "📩 Открыть приглашение",
        "my": "📩 Мои встречи",
        "refused": "для вашей роли это недоступно",
        "stale": "Эта кнопка устарела.",
        "more": "… и ещё",
        "time": "15:00 (местное время: Europe/Moscow, UTC+3)",
        "duration": "1 ч 30 мин",
        # As a person would write it: no «назвал(а)», no «для него (неё)».
        "why": "Вы — среди тех, кого Маша считает близкими людьми. Приглашаем вас на сетевую "
        "встречу: те, кто рядом с ребёнком, соберутся вместе и подумают, как помочь.",
    },
    "en": {
        "first": "📩 An invitation to a meeting",
        "yes": "I'll come",
        "no": "I can't come",
        "maybe": "Not sure yet",
        "comment": "💬 Comment",
        "mother": "mother",
        "teacher": "teacher or carer",
        "saved": "Your answer is saved",
        "begun": "The meeting has begun",
        "cancelled": "This meeting has been cancelled",
        "invited": "📩 You are invited to a network meeting.",
        "open": "📩 Open the invitation",
        "my": "📩 My meetings",
        "refused": "not available for your role",
        "stale": "This button is out of date.",
        "more": "… and",
        "time": "15:00 (local time: Europe/Moscow, UTC+3)",
        "duration": "1 h 30 min",
        "why": "You are one of the people Маша holds dear. We invite you to a network meeting: "
        "the people close to the child come together to think about how to help.",
    },
}


async def participant(app: BotHarness, participant_id: int) -> MeetingParticipant:
    async with app.sessionmaker() as session:
        row = await session.get(MeetingParticipant, participant_id)
        assert row is not None
        return row


async def denied_count(app: BotHarness) -> int:
    async with app.sessionmaker() as session:
        rows = await session.scalars(
            select(AuditEntry.id).where(AuditEntry.action == "access.denied")
        )
        return len(list(rows))


def invitation(user: FakeUser, words: dict[str, str]) -> StoredMessage:
    """The newest message showing the invitation (the outbox may have sent something since)."""
    return next(m for m in reversed(user.messages()) if m.visible_text.startswith(words["first"]))


PIN = {"ru": "📍 Место на карте", "en": "📍 The place on the map"}

PEOPLE = [
    ("Анна Петрова", Relation.MOTHER),
    ("Олег Сидоров", Relation.TEACHER),
    ("Ирина Кузнецова", Relation.FRIEND),
]


@pytest.mark.parametrize("language", ["ru", "en"])
async def test_link_consent_invitation_answer_and_comment(app: BotHarness, language: str) -> None:
    words = WORDS[language]
    await app.admin(ADMIN_ID)
    family_id = await app.add_family(ADMIN_ID, FAMILY)
    _meeting_id, ids = await make_meeting(app, family_id, PEOPLE)
    token = await invite(app, ids[0])
    assert token is not None

    user = app.user(3001, language_code=language)
    await user.send_start(token)
    assert (await participant(app, ids[0])).opened_at is not None  # opened, before the consent
    assert (await participant(app, ids[0])).person_id is None
    await user.press(agree_button(language))

    text = user.last_text()
    assert text.splitlines()[0] == words["first"]  # neutral: no child's or family's name
    for part in (
        "Маша",
        "Я хочу жить с мамой",
        "Маша живёт у бабушки",
        "30.11.2026",
        words["time"],
        "Центр «Семья», ул. Ленина, 5",
        words["duration"],
        "Елена Викторовна, Сергей",
        "+7 900 000-00-00, Ольга",
        f"Олег ({words['teacher']})",
        "Ирина (",
    ):
        assert part in text, part
    for hidden in ("Сидоров", "Кузнецова", "Петрова", FAMILY):
        assert hidden not in text, hidden
    assert "Анна" not in text  # not listed among the others: it is them
    assert words["why"] in text and "(а)" not in text
    assert user.last().button_texts()[:4] == [
        words["yes"],
        words["no"],
        words["maybe"],
        words["comment"],
    ]

    await user.press(words["yes"])
    assert (await participant(app, ids[0])).rsvp == "yes"
    assert f"✅ {words['yes']}" in user.last().button_texts()
    assert words["saved"] in user.last_text()
    await user.press(f"✅ {words['yes']}")  # the same answer again: nothing to redraw
    await user.press(words["no"])
    row = await participant(app, ids[0])
    assert row.rsvp == "no"
    assert f"✅ {words['no']}" in user.last().button_texts()

    await user.press(words["comment"])
    await user.send_text("Постараюсь перенести смену <b>")
    assert (await participant(app, ids[0])).rsvp_comment == "Постараюсь перенести смену <b>"
    assert "Постараюсь перенести смену <b>" in user.last_text()
    assert user.last_text().splitlines()[0] == words["first"]

    # /start leads back to the meeting: «My meetings» in the menu.
    await user.send_start()
    await user.press(words["my"])
    assert "30.11 15:00 · Маша" in user.last().button_texts()  # no «встреча ради:»
    await user.press("30.11 15:00 · Маша")
    assert user.last_text().splitlines()[0] == words["first"]
    app.fake.assert_no_violations()


@pytest.mark.parametrize("language", ["ru", "en"])
async def test_answers_close_at_the_start_and_on_cancellation(
    app: BotHarness, language: str
) -> None:
    words = WORDS[language]
    await app.admin(ADMIN_ID)
    family_id = await app.add_family(ADMIN_ID, FAMILY)
    _first, first_ids = await make_meeting(app, family_id, PEOPLE)
    second, second_ids = await make_meeting(app, family_id, PEOPLE, starts_local=MEETING_START)
    early = await join_by_link(app, 3001, await invite(app, first_ids[0]) or "", language)
    later = await join_by_link(app, 3002, await invite(app, second_ids[1]) or "", language)
    await early.press(words["maybe"])

    # Cancelled: everyone invited hears it (neutral first line), the buttons are gone.
    async with app.sessionmaker.begin() as session:
        assert await meetings.cancel(session, await app.actor(ADMIN_ID), second, app.clock.now())
    await app.deliver()
    cancel_text = next(t for t in later.texts() if "30.11.2026 15:00" in t)
    assert "Маша" not in cancel_text and FAMILY not in cancel_text
    await later.press(words["yes"])
    shown = invitation(later, words)
    assert words["cancelled"] in shown.visible_text
    assert words["yes"] not in shown.button_texts()
    assert (await participant(app, second_ids[1])).rsvp is None

    # After the start: the answer is refused kindly and stays as it was.
    app.clock.set(datetime.fromisoformat("2026-11-30T12:01:00+00:00"))
    await early.press(words["yes"])
    assert words["begun"] in early.last_text()
    assert not any(words["no"] in b for b in early.last().button_texts())
    assert (await participant(app, first_ids[0])).rsvp == "maybe"
    app.fake.assert_no_violations()


async def test_forged_buttons_of_another_meeting_are_refused(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    family_id = await app.add_family(ADMIN_ID, FAMILY)
    other_family = await app.add_family(ADMIN_ID, "Соколовы")
    _a, a_ids = await make_meeting(app, family_id, PEOPLE)
    _b, b_ids = await make_meeting(
        app,
        other_family,
        [("Пётр Соколов", Relation.FATHER)],
        child_name="Ваня",
        topic="Секрет",
        note="Ваня скучает по папе.",
    )
    stranger = await join_by_link(app, 3002, await invite(app, b_ids[0]) or "", "ru")
    await join_by_link(app, 3001, await invite(app, a_ids[0]) or "", "ru")
    before = await denied_count(app)
    message_id = stranger.last().message_id

    await stranger.press_forged(f"mt:v:{a_ids[0]}", message_id)
    assert await denied_count(app) == before + 1
    for forged in ("mt:v:abc", "mt:v:1234567890", "mt:v:", f"mt:v:{a_ids[0]}x"):
        query = await stranger.press_forged(forged, message_id)
        assert app.fake.callback_answer(query)["text"] == WORDS["ru"]["stale"]

    # The dialog's own list, with another meeting's participant id in its callback data.
    await stranger.send_start()
    await stranger.press(WORDS["ru"]["my"])
    listing = stranger.last()
    pick = next(b for b in listing.buttons() if "Ваня" in b["text"])
    forged = re.sub(r"\d+$", str(a_ids[0]), pick["callback_data"])
    await stranger.press_forged(forged, listing.message_id)
    assert await denied_count(app) == before + 2
    # And the answer buttons of their own invitation cannot reach the other meeting.
    await stranger.press(pick["callback_data"])
    rsvp = next(b for b in stranger.last().buttons() if b["text"] == "Приду")
    await stranger.press_forged(rsvp["callback_data"], stranger.last().message_id)
    assert (await participant(app, a_ids[0])).rsvp is None
    assert (await participant(app, b_ids[0])).rsvp == "yes"

    seen = "\n".join(stranger.texts())
    for secret in ("Маша", "Я хочу жить с мамой", "Олег", "Ирина", FAMILY):
        assert secret not in seen, secret
    app.fake.assert_no_violations()


@pytest.mark.parametrize("language", ["ru", "en"])
async def test_existing_user_invited_in_the_chat(app: BotHarness, language: str) -> None:
    words = WORDS[language]
    await app.admin(ADMIN_ID)
    family_id = await app.add_family(ADMIN_ID, FAMILY)
    mentor = await app.joined(
        2001, await app.invitation(ADMIN_ID, Role.MENTOR), language_code=language
    )
    await app.deliver()
    mentor_person = (await app.actor(2001)).person_id
    _m, ids = await make_meeting(
        app, family_id, PEOPLE, person_ids={1: mentor_person}, latitude=55.75, longitude=37.62
    )
    assert await invite(app, ids[1]) is None
    await app.deliver()

    notice = mentor.last()
    assert notice.visible_text.splitlines()[0] == words["invited"]
    assert "Маша" not in notice.visible_text
    await mentor.press(words["open"])
    text = mentor.last_text()
    assert text.splitlines()[0] == words["first"]
    assert f"Анна ({words['mother']})" in text
    assert "Олег (" not in text  # themself
    await mentor.press(words["maybe"])
    assert (await participant(app, ids[1])).rsvp == "maybe"
    assert words["open"] in notice.button_texts()  # the invitation's button stays

    await mentor.press(PIN[language])
    pins = [c.params for c in app.fake.calls_of("sendLocation") if c.chat_id == mentor.chat_id]
    assert [(p["latitude"], p["longitude"]) for p in pins] == [(55.75, 37.62)]
    app.fake.assert_no_violations()


@pytest.mark.parametrize("language", ["ru", "en"])
async def test_html_and_long_values_stay_within_limits(app: BotHarness, language: str) -> None:
    words = WORDS[language]
    await app.admin(ADMIN_ID)
    family_id = await app.add_family(ADMIN_ID, "<b>Семья & Ко</b>")
    nasty = "<i>&amp;</i> <>&"
    long_first = ("Имя<&>" * 20)[: meetings.NAME_MAX]
    people = [(long_first, Relation.TEACHER) for _ in range(meetings.MAX_PARTICIPANTS)]
    _m, ids = await make_meeting(
        app,
        family_id,
        people,
        child_name=(nasty * 5)[: meetings.CHILD_NAME_MAX],
        topic=(nasty * 40)[: meetings.SHORT_TEXT_MAX],
        place=(nasty * 40)[: meetings.SHORT_TEXT_MAX],
        facilitators=(nasty * 40)[: meetings.SHORT_TEXT_MAX],
        contact=(nasty * 40)[: meetings.SHORT_TEXT_MAX],
        note=(nasty * 100)[: meetings.NOTE_MAX],
    )
    user = await join_by_link(app, 3001, await invite(app, ids[0]) or "", language)
    text = user.last_text()
    assert text.splitlines()[0] == words["first"]
    assert "<i>&amp;</i> <>&" in text  # shown as typed, not as markup
    assert words["more"] in text  # 29 long names did not fit: the list is shortened
    assert len(text.encode("utf-16-le")) // 2 <= 4096

    await user.press(words["yes"])
    await user.press(words["comment"])
    await user.send_text(("<&>" * 200)[: meetings.COMMENT_MAX])
    assert "<&><&>" in user.last_text()
    assert (await participant(app, ids[0])).rsvp_comment == ("<&>" * 200)[: meetings.COMMENT_MAX]
    await user.press(words["comment"])
    await user.send_text("x" * (meetings.COMMENT_MAX + 1))
    assert "500" in user.last_text()  # kindly: the limit, and the form stays

    # The messages the outbox sends, in both languages.
    async with app.sessionmaker.begin() as session:
        await meetings.cancel(session, await app.actor(ADMIN_ID), _m, app.clock.now())
    await app.deliver()
    assert (
        user.last_text()
        .splitlines()[0]
        .startswith("Встреча 30.11.2026" if language == "ru" else "The meeting on 30.11.2026")
    )
    app.fake.assert_no_violations()


async def test_a_second_meeting_link_for_someone_already_invited(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    family_id = await app.add_family(ADMIN_ID, FAMILY)
    _a, a_ids = await make_meeting(app, family_id, PEOPLE)
    _b, b_ids = await make_meeting(
        app, family_id, PEOPLE, child_name="Ваня", starts_local=MEETING_START + timedelta(days=1)
    )
    user = await join_by_link(app, 3001, await invite(app, a_ids[0]) or "", "ru")
    await user.send_start(await invite(app, b_ids[2]) or "")
    await user.press(agree_button("ru"))
    text = invitation(user, WORDS["ru"]).visible_text
    assert "Ваня" in text and "01.12.2026" in text
    assert (await participant(app, b_ids[2])).person_id == (await app.actor(3001)).person_id

    await user.send_start()
    await user.press(WORDS["ru"]["my"])
    assert sum("Маша" in b or "Ваня" in b for b in user.last().button_texts()) == 2
    app.fake.assert_no_violations()
