"""A family that has not answered the questionnaire gets one gentle reminder two days after the
invitation, with the same button; the coordinator's progress view says «не заполнена» instead of
a bare dash.

The harness clock starts on Monday 23 Nov 2026, 07:00 UTC (10:00 in Moscow).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from bot.db.models import Enrollment, EnrollmentStatus, OutboxStatus, Person
from bot.scheduler.jobs import run_questionnaire_reminders
from bot.services.homework import QUESTIONNAIRE_REMINDER_PURPOSE
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

REMINDER_RU = (
    "🌿 Мягкое напоминание: короткая анкета программы «Точка опоры» всё ещё ждёт вас. "
    "Пара минут, когда будет удобно; правильных и неправильных ответов здесь нет."
)
REMINDER_EN = (
    "🌿 A gentle reminder: the short questionnaire of the programme «Point of Support» is still "
    "open. About two minutes, whenever it suits you; there are no right or wrong answers."
)


async def remind(app: BotHarness) -> int:
    queued = await run_questionnaire_reminders(app.sessionmaker, app.clock, app.settings)
    await send_now(app)
    return queued


async def test_one_reminder_two_days_on_opens_the_questionnaire_in_russian(
    app: BotHarness,
) -> None:
    admin = await app.admin(ADMIN_ID)
    fam = await family_with_people(app, parent_ids=(3001, 3002))
    await enrol_now(app, fam.id)
    await send_now(app)
    mum, dad = fam.parents
    invitations = len(mum.messages())
    assert "📝 Заполнить анкету" in mum.last().button_texts()

    await open_progress(admin, "Ивановы")
    assert "📝 Анкета в начале: не заполнена; в конце: после последней недели" in admin.last_text()

    app.clock.advance(days=2, minutes=-1)
    assert await remind(app) == 0
    app.clock.advance(minutes=1)  # Wednesday, 10:00 in Moscow
    assert await remind(app) == 2
    for parent in (mum, dad):
        assert parent.last_text() == REMINDER_RU
        assert parent.last().button_texts() == ["📝 Заполнить анкету"]
    # However often the job runs, and after a restart: once.
    assert await remind(app) == 0
    await app.restart()
    app.clock.advance(hours=5)
    assert await remind(app) == 0
    assert len(mum.messages()) == invitations + 1

    await mum.press("📝 Заполнить анкету")
    assert "Как живёт наша семья" in mum.last_text()
    await mum.press("Начать")
    await answer_questionnaire(mum, [4] * QUESTIONNAIRE_STATEMENTS, QUESTIONNAIRE_RU_LABELS)
    assert mum.last_text().startswith("Спасибо! Ответы сохранены.")
    await open_progress(admin, "Ивановы")
    assert f"📝 Анкета в начале: {4 * QUESTIONNAIRE_STATEMENTS}; в конце:" in admin.last_text()
    app.fake.assert_no_violations()


async def test_the_reminder_in_english_and_none_once_answered(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    answered = await family_with_people(app, name="Smiths", parent_ids=(3001,), lang="en")
    quiet = await family_with_people(
        app, name="Browns", parent_ids=(3002,), mentor_id=None, lang="en"
    )
    await enrol_now(app, answered.id)
    await enrol_now(app, quiet.id)
    await send_now(app)
    [smith] = answered.parents
    [brown] = quiet.parents
    await smith.press("📝 Start the questionnaire")
    await smith.press("Begin")
    await answer_questionnaire(smith, [3] * QUESTIONNAIRE_STATEMENTS, QUESTIONNAIRE_EN_LABELS)
    thanks = smith.last_text()
    app.clock.advance(days=2)
    assert await remind(app) == 1
    assert smith.last_text() == thanks  # the family that answered hears nothing
    assert brown.last_text() == REMINDER_EN
    assert brown.last().button_texts() == ["📝 Start the questionnaire"]
    await brown.press("📝 Start the questionnaire")
    assert "How our family is doing" in brown.last_text()
    app.fake.assert_no_violations()


async def test_a_reminder_waiting_for_the_morning_is_cancelled_by_the_answer(
    app: BotHarness,
) -> None:
    await app.admin(ADMIN_ID)
    fam = await family_with_people(app)
    await enrol_now(app, fam.id)
    await send_now(app)
    [mum] = fam.parents
    app.clock.advance(days=2, hours=10)  # Wednesday 20:00 in Moscow: still daytime
    async with app.sessionmaker.begin() as session:  # the parent's own zone is at night
        await session.execute(
            update(Person)
            .where(Person.telegram_id == 3001)
            .values(timezone="Asia/Vladivostok")  # 03:00 there
        )
    assert await remind(app) == 1
    [row] = await outbox_rows(app, QUESTIONNAIRE_REMINDER_PURPOSE)
    assert row.status == OutboxStatus.PENDING  # held until the parent's morning
    await mum.press("📝 Заполнить анкету")
    await mum.press("Начать")
    await answer_questionnaire(mum, [2] * QUESTIONNAIRE_STATEMENTS, QUESTIONNAIRE_RU_LABELS)
    [row] = await outbox_rows(app, QUESTIONNAIRE_REMINDER_PURPOSE)
    assert row.status == OutboxStatus.CANCELLED
    app.clock.advance(hours=12)
    await send_now(app)
    assert mum.last_text().startswith("Спасибо! Ответы сохранены.")


async def test_the_coordinator_sees_an_exit_questionnaire_not_filled_in(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    fam = await family_with_people(app, name="Smiths", lang="en")
    enrollment_id = await enrol_now(app, fam.id)
    await send_now(app)
    async with app.sessionmaker.begin() as session:
        await session.execute(
            update(Enrollment)
            .where(Enrollment.id == enrollment_id)
            .values(
                status=EnrollmentStatus.COMPLETED.value,
                completed_at=app.clock.now() + timedelta(minutes=1),
                entry_total=20,
                next_release_at=None,
            )
        )
    await open_progress(admin, "Smiths")
    assert "📝 Анкета в начале: 20; в конце: не заполнена" in admin.last_text()
    await admin.send_command("language")
    await admin.press("English")
    await open_progress(admin, "Smiths")
    assert "📝 Questionnaire at the start: 20; at the end: not filled in" in admin.last_text()
