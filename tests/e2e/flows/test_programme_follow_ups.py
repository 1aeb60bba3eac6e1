"""The family questionnaire again 6 and 12 months after a completed programme: sent at the
family's daytime once the clock has moved on (never at night: a night run waits for the
morning), reminded once, answered once for the family, cancelled when the case is closed for
another reason than improvement or no parent with consent is left. Staff see the totals beside
the entry and exit ones; parents never see a score.

The harness clock starts on Monday 23 Nov 2026, 07:00 UTC (10:00 in Moscow); `enrol_now`
releases at 10:01 Moscow time, so the follow-ups are due on 23 May and 23 Nov 2027 at 10:01.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from bot.db.models import (
    AuditEntry,
    CloseReason,
    Enrollment,
    EnrollmentStatus,
    OutboxStatus,
    Person,
    QuestionnaireFollowUp,
)
from bot.scheduler.jobs import questionnaire_follow_ups
from bot.services import families, privacy
from bot.services.programme_follow_ups import REMINDER_PURPOSE
from tests.conftest import ADMIN_ID
from tests.e2e.steps import open_progress
from tests.harness import BotHarness
from tests.homework_support import (
    QUESTIONNAIRE_EN_LABELS,
    QUESTIONNAIRE_RU_LABELS,
    QUESTIONNAIRE_STATEMENTS,
    answer_questionnaire,
    enrol_now,
    family_with_people,
    outbox_rows,
    send_now,
)

SIX = datetime(2027, 5, 23, 7, 1, tzinfo=UTC)  # 10:01 in Moscow
TWELVE = datetime(2027, 11, 23, 7, 1, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
BUTTON_RU = "📝 Рассказать, как дела"
BUTTON_EN = "📝 Tell us how things are"
INVITE_RU = (
    "🌿 Полгода назад закончилась программа «Точка опоры». Как у вас дела сейчас? Те же "
    "несколько утверждений, что и раньше, — пара минут. Правильных и неправильных ответов "
    "здесь нет."
)
INVITE_YEAR_RU = INVITE_RU.replace("Полгода назад", "Год назад")
INVITE_EN = (
    "🌿 It has been half a year since the programme «Point of Support». How are things now? "
    "The same few statements as before, about two minutes: there are no right or wrong answers."
)
REMINDER_EN = (
    "🌿 A gentle reminder: we would be glad to hear how your family is doing since the "
    "programme «Point of Support». About two minutes, whenever it suits you."
)
ALREADY_RU = "Ваша семья уже ответила. Спасибо!"
CLOSED_RU = "Эта анкета уже закрыта. Всё равно спасибо!"


async def follow_up_scan(app: BotHarness) -> int:
    run = questionnaire_follow_ups(app.dp["content"].programmes)
    queued = await run(app.sessionmaker, app.clock, app.settings)
    await send_now(app)
    return queued


async def completed(app: BotHarness, family_id: int, *, exit_total: int = 28) -> int:
    """Enrolled and completed now, with both questionnaires answered."""
    enrollment_id = await enrol_now(app, family_id)
    await send_now(app)
    async with app.sessionmaker.begin() as session:
        await session.execute(
            update(Enrollment)
            .where(Enrollment.id == enrollment_id)
            .values(
                status=EnrollmentStatus.COMPLETED.value,
                completed_at=app.clock.now(),
                entry_total=20,
                exit_total=exit_total,
                next_release_at=None,
            )
        )
    return enrollment_id


async def follow_ups(app: BotHarness) -> list[QuestionnaireFollowUp]:
    async with app.sessionmaker() as session:
        rows = await session.scalars(
            select(QuestionnaireFollowUp).order_by(
                QuestionnaireFollowUp.enrollment_id, QuestionnaireFollowUp.months
            )
        )
        return list(rows)


async def test_six_months_on_at_daytime_answered_once_and_staff_see_the_totals(
    app: BotHarness,
) -> None:
    admin = await app.admin(ADMIN_ID)
    fam = await family_with_people(app, parent_ids=(3001, 3002))
    await completed(app, fam.id)
    mum, dad = fam.parents
    assert await follow_up_scan(app) == 0  # planned, nothing due
    seen = len(mum.messages())

    app.clock.set(SIX - MINUTE)
    assert await follow_up_scan(app) == 0
    assert len(mum.messages()) == seen
    app.clock.set(SIX)
    assert await follow_up_scan(app) == 2
    for parent in (mum, dad):
        assert parent.last_text() == INVITE_RU
        assert parent.last().button_texts() == [BUTTON_RU]
    assert await follow_up_scan(app) == 0  # reruns and restarts add nothing
    await app.restart()
    assert await follow_up_scan(app) == 0

    await mum.press(BUTTON_RU)
    intro = mum.last_text()
    assert "Как живёт наша семья" in intro
    assert "Полгода назад закончилась программа «Точка опоры». Как у вас дела сейчас?" in intro
    await mum.press("Начать")
    assert mum.last_text().startswith(f"1 из {QUESTIONNAIRE_STATEMENTS}")
    await answer_questionnaire(mum, [4] * QUESTIONNAIRE_STATEMENTS, QUESTIONNAIRE_RU_LABELS)
    thanks = mum.last_text()
    assert thanks.startswith("Спасибо, что рассказали! Ответы сохранены.")
    assert str(4 * QUESTIONNAIRE_STATEMENTS) not in thanks  # no scores for parents

    query = await dad.press(BUTTON_RU)
    answer = app.fake.callback_answer(query)
    assert answer is not None and answer["text"] == ALREADY_RU

    app.clock.advance(days=3)
    assert await follow_up_scan(app) == 0  # answered: no reminder

    await open_progress(admin, "Ивановы")
    card = admin.last_text()
    assert "📝 Анкета в начале: 20; в конце: 28" in card
    assert (
        f"📝 Анкета после программы: через 6 мес.: {4 * QUESTIONNAIRE_STATEMENTS}; "
        "через 12 мес.: ожидается 23.11.2027"
    ) in card

    app.clock.set(TWELVE)
    assert await follow_up_scan(app) == 2
    assert mum.last_text() == INVITE_YEAR_RU
    app.fake.assert_no_violations()


async def test_never_at_night_and_reminded_once_in_english(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    fam = await family_with_people(app, name="Smiths", parent_ids=(3001,), lang="en")
    await completed(app, fam.id)
    [mum] = fam.parents
    await follow_up_scan(app)
    seen = len(mum.messages())

    # The bot was away at the due time and comes back at 23:30 in Moscow: nothing at night.
    app.clock.set(datetime(2027, 5, 23, 20, 30, tzinfo=UTC))
    assert await follow_up_scan(app) == 0
    app.clock.advance(hours=5)  # 04:30
    assert await follow_up_scan(app) == 0
    assert len(mum.messages()) == seen
    app.clock.set(datetime(2027, 5, 24, 6, 0, tzinfo=UTC))  # 09:00: the morning run sends it
    assert await follow_up_scan(app) == 1
    assert mum.last_text() == INVITE_EN
    assert mum.last().button_texts() == [BUTTON_EN]

    # Three days on, at 22:00 in Moscow: the reminder waits for the morning too.
    app.clock.set(datetime(2027, 5, 27, 19, 0, tzinfo=UTC))
    assert await follow_up_scan(app) == 0
    app.clock.set(datetime(2027, 5, 28, 6, 0, tzinfo=UTC))
    assert await follow_up_scan(app) == 1
    assert mum.last_text() == REMINDER_EN
    assert mum.last().button_texts() == [BUTTON_EN]
    app.clock.advance(days=2)
    assert await follow_up_scan(app) == 0  # once
    assert len(mum.messages()) == seen + 2

    await mum.press(BUTTON_EN)
    assert "It has been half a year since the programme «Point of Support»." in mum.last_text()
    await mum.press("Begin")
    await answer_questionnaire(mum, [3] * QUESTIONNAIRE_STATEMENTS, QUESTIONNAIRE_EN_LABELS)
    assert mum.last_text().startswith("Thank you for telling us!")
    [six, _twelve] = await follow_ups(app)
    assert six.total == 3 * QUESTIONNAIRE_STATEMENTS
    app.fake.assert_no_violations()


async def test_cancelled_when_the_case_closes_for_another_reason(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    better = await family_with_people(app, parent_ids=(3001,), mentor_id=None)
    moved = await family_with_people(app, name="Петровы", parent_ids=(3101,), mentor_id=None)
    await completed(app, better.id)
    await completed(app, moved.id)
    await follow_up_scan(app)
    admin = await app.actor(ADMIN_ID)
    async with app.sessionmaker.begin() as session:
        for family_id, reason in ((better.id, CloseReason.IMPROVEMENT), (moved.id, "moved")):
            await families.close_family(
                session, admin, family_id, CloseReason(reason), None, app.clock.now()
            )
    [gone] = moved.parents
    [kept] = better.parents
    seen = len(gone.messages())
    app.clock.set(SIX)
    assert await follow_up_scan(app) == 1  # closed with improvement: asked all the same
    assert kept.last_text() == INVITE_RU
    assert len(gone.messages()) == seen
    rows = await follow_ups(app)
    assert [f.cancelled_at is not None for f in rows] == [False, False, True, True]

    # A stale or forged button of the cancelled follow-up: closed, nothing opens.
    query = await gone.press_forged(f"fu:{rows[2].id}", gone.last().message_id)
    answer = app.fake.callback_answer(query)
    assert answer is not None and answer["text"] == CLOSED_RU
    assert len(gone.messages()) == seen

    # The family closed with improvement answers as usual.
    await kept.press(BUTTON_RU)
    await kept.press("Начать")
    await answer_questionnaire(kept, [5] * QUESTIONNAIRE_STATEMENTS, QUESTIONNAIRE_RU_LABELS)
    assert kept.last_text().startswith("Спасибо, что рассказали!")
    app.fake.assert_no_violations()


async def test_a_sent_follow_up_is_cancelled_by_a_later_close_and_by_withdrawal(
    app: BotHarness,
) -> None:
    await app.admin(ADMIN_ID)
    closing = await family_with_people(app, parent_ids=(3001,), mentor_id=None)
    leaving = await family_with_people(app, name="Петровы", parent_ids=(3101,), mentor_id=None)
    await completed(app, closing.id)
    await completed(app, leaving.id)
    await follow_up_scan(app)
    app.clock.set(SIX)
    assert await follow_up_scan(app) == 2
    admin = await app.actor(ADMIN_ID)
    parent = await app.actor(3101)
    async with app.sessionmaker.begin() as session:
        await families.close_family(
            session, admin, closing.id, CloseReason.REFUSED, None, app.clock.now()
        )
        await privacy.withdraw(session, parent, app.clock.now())
    [mum] = closing.parents
    await follow_up_scan(app)
    assert all(f.cancelled_at is not None for f in await follow_ups(app))
    app.clock.advance(days=3)
    assert await follow_up_scan(app) == 0  # no reminders
    assert await outbox_rows(app, REMINDER_PURPOSE) == []
    await mum.press(BUTTON_RU)
    assert mum.last_text() == INVITE_RU  # nothing opened
    app.fake.assert_no_violations()


async def test_a_reminder_queued_at_the_parents_night_is_cancelled_by_the_close(
    app: BotHarness,
) -> None:
    await app.admin(ADMIN_ID)
    fam = await family_with_people(app, parent_ids=(3001,), mentor_id=None)
    await completed(app, fam.id)
    await follow_up_scan(app)
    app.clock.set(SIX)
    await follow_up_scan(app)
    [mum] = fam.parents
    async with app.sessionmaker.begin() as session:  # the parent lives far east: night there
        await session.execute(
            update(Person).where(Person.telegram_id == 3001).values(timezone="Asia/Vladivostok")
        )
    app.clock.set(datetime(2027, 5, 26, 17, 0, tzinfo=UTC))  # 20:00 Moscow, 03:00 there
    assert await follow_up_scan(app) == 1
    [row] = await outbox_rows(app, REMINDER_PURPOSE)
    assert row.status == OutboxStatus.PENDING  # held until the parent's morning
    admin = await app.actor(ADMIN_ID)
    async with app.sessionmaker.begin() as session:
        await families.close_family(
            session, admin, fam.id, CloseReason.MOVED, None, app.clock.now()
        )
    await follow_up_scan(app)
    [row] = await outbox_rows(app, REMINDER_PURPOSE)
    assert row.status == OutboxStatus.CANCELLED
    app.clock.advance(hours=12)
    await send_now(app)
    assert mum.last_text() == INVITE_RU
    app.fake.assert_no_violations()


async def test_another_family_cannot_open_the_follow_up(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    fam = await family_with_people(app, parent_ids=(3001,), mentor_id=None)
    other = await family_with_people(app, name="Петровы", parent_ids=(3101,), mentor_id=None)
    await completed(app, fam.id)
    await follow_up_scan(app)
    app.clock.set(SIX)
    await follow_up_scan(app)
    [six, _] = await follow_ups(app)
    [stranger] = other.parents
    seen = stranger.texts()
    query = await stranger.press_forged(f"fu:{six.id}", stranger.last().message_id)
    answer = app.fake.callback_answer(query)
    assert answer is not None and "для вашей роли это недоступно" in answer["text"]
    for data in ("fu:", "fu:x1", "fu:99999999999999999999"):
        query = await stranger.press_forged(data, stranger.last().message_id)
        answer = app.fake.callback_answer(query)
        assert answer is not None and answer["text"] == "Эта кнопка устарела."
    assert stranger.texts() == seen
    async with app.sessionmaker() as session:
        denied = await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "access.denied")
        )
        assert any((e.details or {}).get("attempted") == "questionnaire.answer" for e in denied)
    assert (await follow_ups(app))[0].answered_at is None
    app.fake.assert_no_violations()
