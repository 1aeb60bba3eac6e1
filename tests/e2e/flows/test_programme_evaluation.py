"""The evaluations of a programme at its end. The family's own follows the exit questionnaire in
one flow (statements 1–5, an open question that may be skipped, thanks), once per family; a
parent who left it for later finds it under /progress. The specialists' is recorded by the
family's mentor or curator from the programme's window, once; staff see both there, and views of
the family's evaluation are audited. Refusals: a coordinator who is not the curator, a mentor of
another family, forged presses.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from bot.db.models import (
    Enrollment,
    EnrollmentStatus,
    FurtherWork,
    ProgrammeEvaluation,
    SpecialistEvaluation,
)
from bot.services import programme_evaluations
from bot.services.errors import AccessDenied
from tests.conftest import ADMIN_ID
from tests.e2e.steps import audits, forged_in_window, open_progress
from tests.faketg import FakeUser
from tests.harness import BotHarness
from tests.homework_support import (
    QUESTIONNAIRE_EN_LABELS,
    QUESTIONNAIRE_RU_LABELS,
    QUESTIONNAIRE_STATEMENTS,
    answer_questionnaire,
    enrol_now,
    family_with_people,
)

STATEMENTS = 6
RU = {1: "совсем не так", 2: "скорее не так", 3: "отчасти", 4: "скорее так", 5: "точно так"}
EN = {1: "not at all", 2: "not really", 3: "partly", 4: "mostly", 5: "exactly"}
ALREADY_RU = "Ваша семья уже рассказала нам о программе. Спасибо!"
OPEN_ANSWER = "Больше всего помогли <вечерние разговоры> всей семьёй"
NOTE = "Продолжить работу <по бюджету> в плане"


async def completed(app: BotHarness, family_id: int) -> int:
    """The family's programme, run to its end (the weeks themselves are another test's)."""
    enrollment_id = await enrol_now(app, family_id)
    async with app.sessionmaker.begin() as session:
        await session.execute(
            update(Enrollment)
            .where(Enrollment.id == enrollment_id)
            .values(status=EnrollmentStatus.COMPLETED.value, next_release_at=None)
        )
    return enrollment_id


async def open_from_progress(parent: FakeUser, button: str = "📝 Анкета") -> None:
    await parent.send_command("progress")
    await parent.press(button)


async def exit_questionnaire(parent: FakeUser, *, english: bool = False) -> None:
    await open_from_progress(parent, "📝 Questionnaire" if english else "📝 Анкета")
    await parent.press("Begin" if english else "Начать")
    labels = QUESTIONNAIRE_EN_LABELS if english else QUESTIONNAIRE_RU_LABELS
    await answer_questionnaire(parent, [4] * QUESTIONNAIRE_STATEMENTS, labels)


async def rate(user: FakeUser, values: list[int], labels: dict[int, str]) -> None:
    for value in values:
        await user.press(f"{value} · {labels[value]}")


async def family_rows(app: BotHarness) -> list[ProgrammeEvaluation]:
    async with app.sessionmaker() as session:
        return list(await session.scalars(select(ProgrammeEvaluation)))


async def specialist_rows(app: BotHarness) -> list[SpecialistEvaluation]:
    async with app.sessionmaker() as session:
        return list(await session.scalars(select(SpecialistEvaluation)))


async def test_the_familys_evaluation_follows_the_exit_questionnaire_once(
    app: BotHarness,
) -> None:
    await app.admin(ADMIN_ID)
    fam = await family_with_people(app, parent_ids=(3001, 3002))
    enrollment_id = await completed(app, fam.id)
    mum, dad = fam.parents
    await exit_questionnaire(mum)
    intro = mum.last_text()
    assert intro.startswith("Спасибо! Ответы сохранены.")  # the exit answers are in
    assert "Как вам программа" in intro and "Оцените каждое утверждение от 1 до 5" in intro
    assert mum.last().button_texts() == ["Начать", "Позже"]
    await mum.press("Позже")  # she leaves it for later ...

    await open_from_progress(mum)  # ... and finds it where the questionnaire was
    assert "Как вам программа" in mum.last_text()
    assert not mum.last_text().startswith("Спасибо!")
    await mum.press("Начать")
    assert mum.last_text().startswith(f"1 из {STATEMENTS}")
    assert "Программа была про то, что действительно важно" in mum.last_text()
    assert "Насколько это верно для вашей семьи?" in mum.last_text()
    assert mum.last().button_texts() == [*(f"{v} · {RU[v]}" for v in range(1, 6)), "⬅️ Назад"]

    await open_from_progress(dad)  # the other parent opens it meanwhile
    await dad.press("Начать")

    await rate(mum, [5, 4, 4, 3, 4, 5], RU)
    assert "Что помогло вам больше всего?" in mum.last_text()
    assert mum.last().button_texts() == ["Пропустить", "⬅️ Назад"]
    await mum.send_photo()
    assert "Пожалуйста, напишите пару слов текстом" in mum.last_text()
    await mum.send_text("я" * (programme_evaluations.OPEN_ANSWER_MAX_CHARS + 1))
    assert "уложитесь в 1000 символов" in mum.last_text()
    assert await family_rows(app) == []
    await mum.send_text(OPEN_ANSWER)
    assert mum.last_text().startswith("Спасибо за ответы и за всё, что вы сделали!")
    [row] = await family_rows(app)
    mum_actor = await app.actor(mum.id)
    assert (row.enrollment_id, row.person_id) == (enrollment_id, mum_actor.person_id)
    assert list(row.answers.values()) == [5, 4, 4, 3, 4, 5]
    assert row.open_answer == OPEN_ANSWER

    # The other parent: a kind "already", nothing stored twice.
    await dad.press(f"5 · {RU[5]}")
    assert dad.last_text() == ALREADY_RU
    await dad.send_command("progress")
    assert "📝 Анкета" not in dad.last().button_texts()  # nothing left to fill in
    query = await dad.press_forged(f"qn:x:{enrollment_id}", dad.last().message_id)
    answer = app.fake.callback_answer(query)
    assert answer is not None and answer["text"] == "Ваша семья уже заполнила анкету. Спасибо!"
    assert len(await family_rows(app)) == 1
    app.fake.assert_no_violations()


async def test_in_english_skipping_the_open_question_then_the_mentor_records_his(
    app: BotHarness,
) -> None:
    await app.admin(ADMIN_ID)
    fam = await family_with_people(app, name="Smiths", lang="en")
    assert fam.mentor is not None
    mentor = fam.mentor
    enrollment_id = await completed(app, fam.id)
    [mum] = fam.parents
    await exit_questionnaire(mum, english=True)
    assert mum.last_text().startswith("Thank you! Your answers are saved.")
    assert "How the programme was for you" in mum.last_text()
    await mum.press("Begin")
    assert mum.last_text().startswith(f"1 of {STATEMENTS}")
    assert "How true is this for your family?" in mum.last_text()
    await rate(mum, [4] * STATEMENTS, EN)
    assert "What helped you most?" in mum.last_text()
    await mum.press("⬅️ Back")  # back to the last statement, and on again
    assert mum.last_text().startswith(f"{STATEMENTS} of {STATEMENTS}")
    await rate(mum, [2], EN)
    await mum.press("Skip")
    assert mum.last_text().startswith("Thank you for your answers")
    [row] = await family_rows(app)
    assert row.open_answer is None and list(row.answers.values()) == [4] * 5 + [2]

    await open_progress(mentor, "Smiths")
    card = mentor.last_text()
    assert "💬 The family's evaluation: 3.7 of 5 on average" in card
    assert "In their words" not in card
    await mentor.press("📝 Specialist's evaluation")
    assert "Specialist's evaluation of the programme" in mentor.last_text()
    await mentor.press("Begin")
    assert mentor.last_text().startswith("1 of 3")
    assert "The family's engagement" in mentor.last_text()
    await mentor.press("2 · low")
    await mentor.press("3 · medium")
    await mentor.press("4 · high")
    assert "Is further work with the family needed?" in mentor.last_text()
    assert mentor.last().button_texts() == [
        "yes: another programme",
        "yes: within the case plan",
        "no: the work may end",
        "⬅️ Back",
    ]
    await mentor.press("yes: another programme")
    await mentor.press("Skip")
    done = mentor.last_text()
    assert done.startswith("✅ Saved.")
    assert (
        "🧑‍🏫 Specialist's evaluation: engagement 2 (low), homework 3 (medium), fit 4 (high)"
        in done
    )
    assert "Further work needed: yes: another programme" in done
    [spec] = await specialist_rows(app)
    assert (spec.enrollment_id, spec.further, spec.note) == (
        enrollment_id,
        FurtherWork.ANOTHER_PROGRAMME.value,
        None,
    )
    app.fake.assert_no_violations()


async def test_the_mentor_records_the_specialists_evaluation_once_coordinators_see_it(
    app: BotHarness,
) -> None:
    admin = await app.admin(ADMIN_ID)
    fam = await family_with_people(app)
    assert fam.mentor is not None
    mentor = fam.mentor
    enrollment_id = await completed(app, fam.id)
    [mum] = fam.parents
    await exit_questionnaire(mum)
    await mum.press("Начать")
    await rate(mum, [4] * STATEMENTS, RU)
    await mum.send_text(OPEN_ANSWER)

    await open_progress(mentor, "Ивановы")
    card = mentor.last_text()
    assert "💬 Оценка семьи: в среднем 4.0 из 5" in card
    assert f"Своими словами: «{OPEN_ANSWER}»" in card
    assert "📝 Оценка специалиста" in mentor.last().button_texts()
    await mentor.press("📝 Оценка специалиста")
    assert "Оценка программы специалистом" in mentor.last_text()
    await mentor.press("Начать")
    assert mentor.last_text().startswith("1 из 3")
    assert mentor.last().button_texts() == [
        "1 · очень низко",
        "2 · низко",
        "3 · средне",
        "4 · высоко",
        "5 · очень высоко",
        "⬅️ Назад",
    ]
    await mentor.press("4 · высоко")
    await mentor.press("3 · средне")
    await mentor.press("5 · очень высоко")
    assert "Нужна ли дальнейшая работа с семьёй?" in mentor.last_text()
    await mentor.press("да: в рамках плана работы со случаем")
    assert "Короткая заметка, если хотите (до 1000 символов)" in mentor.last_text()
    await mentor.send_sticker()
    assert "Пожалуйста, напишите заметку текстом" in mentor.last_text()
    await mentor.send_text(NOTE)
    done = mentor.last_text()
    assert done.startswith("✅ Сохранено.")
    assert (
        "🧑‍🏫 Оценка специалиста: вовлечённость 4 (высоко), домашние задания 3 (средне), "
        "соответствие 5 (очень высоко)" in done
    )
    assert "Нужна ли дальнейшая работа: да: в рамках плана работы со случаем" in done
    assert f"Заметка: «{NOTE}»" in done
    await mentor.press("⬅️ Назад")
    assert "🧑‍🏫 Оценка специалиста: вовлечённость 4" in mentor.last_text()
    assert "📝 Оценка специалиста" not in mentor.last().button_texts()

    # A second attempt (a stale or forged press) shows what is recorded.
    data, message_id = forged_in_window(mentor, "evaluate")
    await mentor.press_forged(data, message_id)
    again = mentor.last_text()
    assert "🧑‍🏫 Оценка специалиста: вовлечённость 4" in again
    assert mentor.last().button_texts() == ["⬅️ Назад"]
    [spec] = await specialist_rows(app)
    mentor_actor = await app.actor(mentor.id)
    assert (spec.enrollment_id, spec.author_id, spec.note) == (
        enrollment_id,
        mentor_actor.person_id,
        NOTE,
    )
    assert (spec.engagement, spec.homework, spec.fit, spec.further) == (4, 3, 5, "case_plan")

    # The coordinator sees both (the family's view audited) and records nothing: not the curator.
    await open_progress(admin, "Ивановы")
    card = admin.last_text()
    assert "💬 Оценка семьи: в среднем 4.0 из 5" in card
    assert "Нужна ли дальнейшая работа: да: в рамках плана работы со случаем" in card
    assert "📝 Оценка специалиста" not in admin.last().button_texts()
    coordinator = await app.actor(ADMIN_ID)
    views = await audits(app, "programme.evaluation_view")
    assert coordinator.person_id in {v.actor_id for v in views}
    assert all(v.object_id == fam.id and OPEN_ANSWER not in str(v.details) for v in views)
    data, message_id = forged_in_window(admin, "evaluate")
    await admin.press_forged(data, message_id)
    answer = app.fake.calls_of("answerCallbackQuery")[-1]
    assert "для вашей роли это недоступно" in answer.params["text"]
    denied = await audits(app, "access.denied")
    assert (denied[-1].details or {}).get("attempted") == "programme.specialist_evaluate"
    assert len(await specialist_rows(app)) == 1
    app.fake.assert_no_violations()


async def test_a_mentor_of_another_family_cannot_record_it(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    fam = await family_with_people(app)
    other = await family_with_people(app, name="Петровы", parent_ids=(3101,), mentor_id=2101)
    assert other.mentor is not None
    stranger = other.mentor
    enrollment_id = await completed(app, fam.id)
    await completed(app, other.id)
    await stranger.send_command("programmes")
    assert "Ивановы" not in stranger.last().button_texts()
    await stranger.press("Петровы")
    assert "📝 Оценка специалиста" in stranger.last().button_texts()  # his own family's
    # The service refuses another family's enrollment id, whatever the button said.
    actor = await app.actor(stranger.id)
    async with app.sessionmaker() as session:
        with pytest.raises(AccessDenied):
            await programme_evaluations.save_specialist(
                session,
                actor,
                enrollment_id,
                {"engagement": 1, "homework": 1, "fit": 1},
                FurtherWork.CLOSING,
                None,
                app.clock.now(),
            )
        with pytest.raises(AccessDenied):
            await programme_evaluations.for_staff(session, actor, enrollment_id, app.clock.now())
    assert await specialist_rows(app) == []
    app.fake.assert_no_violations()
