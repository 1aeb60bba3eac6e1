"""No message vanishes: whatever a person sends to a window that has nothing to take it is either
routed as the README says (a parent's homework goes to the open week) or answered, with the
window shown again below it. aiogram-dialog alone would redraw the window and drop the message.

The mechanism is one (bot.dialogs.widgets.Dialog._message_handler); the structural test makes
sure every dialog and window of the dispatcher goes through it, the flows below drive it on
windows of each kind: a parent's screens after the questionnaire and after «I'll finish later»,
a scale of buttons, a coordinator's list.
"""

from __future__ import annotations

from aiogram_dialog import Dialog as AiogramDialog
from sqlalchemy import select

from bot.db.models import AnswerKind, HomeworkAnswer
from bot.dialogs.widgets import Dialog, Window
from tests.conftest import ADMIN_ID
from tests.faketg import FakeUser
from tests.harness import BotHarness
from tests.homework_support import (
    QUESTIONNAIRE_RU_LABELS,
    QUESTIONNAIRE_STATEMENTS,
    answer_questionnaire,
    enrol_now,
    family_with_people,
    release,
    send_now,
)

ADDED_RU = "Я добавил ваше сообщение к ответу на задание этой недели."
TAP_RU = "Здесь нужно нажать одну из кнопок ниже, поэтому сообщение не сохранено."
TAP_EN = "This step takes a tap on one of the buttons below, so your message was not saved."


async def answers(app: BotHarness) -> list[HomeworkAnswer]:
    async with app.sessionmaker() as session:
        return list(await session.scalars(select(HomeworkAnswer).order_by(HomeworkAnswer.id)))


def test_every_dialog_and_window_takes_the_shared_fallback(app: BotHarness) -> None:
    """Every dialog the dispatcher routes to is ours, so no window drops a message silently."""
    dialogs = [
        r
        for r in app.dp.sub_routers
        if isinstance(r, AiogramDialog) and r.states_group().__module__.startswith("bot.")
    ]
    assert len(dialogs) > 20
    for dialog in dialogs:
        assert isinstance(dialog, Dialog), dialog
        for state, window in dialog.windows.items():
            assert isinstance(window, Window), state


async def _week_released(app: BotHarness) -> None:
    app.clock.advance(60)
    await release(app)
    await send_now(app)


async def _parent_after_questionnaire(app: BotHarness) -> FakeUser:
    await app.admin(ADMIN_ID)
    fam = await family_with_people(app, parent_ids=(3001,))
    await enrol_now(app, fam.id)
    await send_now(app)  # the questionnaire invitation
    [mum] = fam.parents
    await mum.press("📝 Заполнить анкету")
    await mum.press("Начать")
    await answer_questionnaire(mum, [3] * QUESTIONNAIRE_STATEMENTS, QUESTIONNAIRE_RU_LABELS)
    assert mum.last_text().startswith("Спасибо! Ответы сохранены.")
    return mum


async def test_after_the_questionnaire_a_typed_answer_goes_to_the_open_week(
    app: BotHarness,
) -> None:
    mum = await _parent_after_questionnaire(app)
    await _week_released(app)  # the thanks window is still the open one
    await mum.send_text("Поговорили за ужином")
    assert ADDED_RU in mum.last_text()
    [answer] = await answers(app)
    assert answer.kind == AnswerKind.TEXT
    app.fake.assert_no_violations()


async def test_after_finish_later_a_photo_and_a_voice_go_to_the_open_week(
    app: BotHarness,
) -> None:
    mum = await _parent_after_questionnaire(app)
    await _week_released(app)
    await mum.press("✍️ Ответить")
    await mum.send_text("Первая часть")
    await mum.press("Закончу позже")
    assert "всё, что вы прислали, сохранено" in mum.last_text()
    await mum.send_photo(caption="Рисунок")
    assert ADDED_RU in mum.last_text()
    await mum.press("Закончу позже")
    await mum.send_voice()
    assert ADDED_RU in mum.last_text()
    kinds = [a.kind for a in await answers(app)]
    assert kinds == [AnswerKind.TEXT, AnswerKind.PHOTO, AnswerKind.VOICE]
    app.fake.assert_no_violations()


async def test_a_number_typed_on_a_scale_is_answered_not_taken_as_homework(
    app: BotHarness,
) -> None:
    await app.admin(ADMIN_ID)
    fam = await family_with_people(app, parent_ids=(3001,))
    await enrol_now(app, fam.id)
    await send_now(app)
    await _week_released(app)
    [mum] = fam.parents
    await mum.press("📝 Заполнить анкету")
    await mum.press("Начать")
    await mum.send_text("4")
    text = mum.last_text()
    assert text.startswith(f"⚠️ {TAP_RU}")
    assert f"1 из {QUESTIONNAIRE_STATEMENTS}" in text  # the same statement again, below the message
    assert mum.last().button_texts()[0] == f"1 · {QUESTIONNAIRE_RU_LABELS[1]}"
    assert await answers(app) == []
    app.fake.assert_no_violations()


async def test_staff_on_a_screen_of_buttons_are_told_what_it_takes(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    await app.add_family(ADMIN_ID, "Петровы")
    await admin.send_command("programmes")
    buttons = admin.last().button_texts()
    assert buttons == ["Петровы", "🏠 Меню"]
    for send in (lambda: admin.send_text("Петровы"), admin.send_photo, admin.send_voice):
        before = len(admin.messages())
        await send()
        assert len(admin.messages()) == before + 1  # the window again, below their message
        assert admin.last_text().startswith(f"⚠️ {TAP_RU}")
        assert admin.last().button_texts() == buttons
    await admin.send_text("/nosuchcommand")
    assert "Это похоже на команду" in admin.last_text()
    await admin.press("Петровы")  # the buttons under the newest copy work
    assert "Петровы" in admin.last_text()
    app.fake.assert_no_violations()


async def test_the_hint_in_english(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID, language_code="en")
    await app.add_family(ADMIN_ID, "Smiths")
    await admin.send_command("programmes")
    await admin.send_text("Smiths")
    assert admin.last_text().startswith(f"⚠️ {TAP_EN}")
    app.fake.assert_no_violations()
