"""The candidates' test in the chat: an intro, one question per window with the options as
buttons, then a kind word (the score goes to the coordinators only). Every answer is stored at
once by services.mentor_test, so «🏠 Menu», /start or a restart of the bot lose nothing: the
test opens at the first question not yet answered. Opened by «📝 Take the test» in the main menu
(candidates only); other flows may call `start_test`.

Also the coordinators' «📝 Answers» window (opened by handlers/mentor_test.py): each question
with the chosen and the correct option. Every getter and press goes through the service, which
checks the rights again.
"""

from __future__ import annotations

from typing import Any

from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode, StartMode
from aiogram_dialog.widgets.kbd import Button, Column, Select

from bot.content.mentor_test import MentorTest
from bot.dialogs.context import ctx
from bot.dialogs.mentor_test.states import MentorTestAnswersSG, MentorTestSG
from bot.dialogs.widgets import Dialog, Html, T, Window, stored_id, to_menu
from bot.markup import escape
from bot.services import mentor_test
from bot.services.errors import DomainError

INDEX = "index"  # dialog data: the position of the question on screen
ATTEMPT_ID = "attempt_id"
SEPARATOR = ":"  # an option's button: question code, separator, option code


async def start_test(
    manager: DialogManager,
    *,
    mode: StartMode = StartMode.RESET_STACK,
    show_mode: ShowMode | None = None,
) -> None:
    """Open the test (the intro; the kind word when it is already finished). The service
    refuses anyone who is not a candidate."""
    c = ctx(manager)
    progress = await mentor_test.progress(c.session, c.actor)
    state = MentorTestSG.done if progress.finished else MentorTestSG.intro
    await manager.start(state, mode=mode, show_mode=show_mode)


async def on_take_test(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await start_test(manager)


def _first_open(test: MentorTest, answers: dict[str, str]) -> int:
    return next((i for i, q in enumerate(test.questions) if q.code not in answers), 0)


def _index(manager: DialogManager, test: MentorTest, answers: dict[str, str]) -> int:
    value = manager.dialog_data.get(INDEX)
    if isinstance(value, int) and 0 <= value < len(test.questions):
        return value
    return _first_open(test, answers)


async def get_intro(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    progress = await mentor_test.progress(c.session, c.actor)
    test = c.content.mentor_test
    answered = sum(q.code in progress.answers for q in test.questions)
    return {"count": len(test.questions), "answered": answered, "fresh": answered == 0}


async def on_begin(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    progress = await mentor_test.progress(c.session, c.actor)
    if progress.finished:
        await manager.switch_to(MentorTestSG.done)
        return
    manager.dialog_data[INDEX] = _first_open(c.content.mentor_test, progress.answers)
    await manager.switch_to(MentorTestSG.question)


async def get_question(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    progress = await mentor_test.progress(c.session, c.actor)
    test = c.content.mentor_test
    index = _index(dialog_manager, test, progress.answers)
    question = test.questions[index]
    chosen = progress.answers.get(question.code)
    options = [
        (
            ("✓ " if option.code == chosen else "") + option.get(c.locale),
            f"{question.code}{SEPARATOR}{option.code}",
        )
        for option in question.options
    ]
    return {
        "position": index + 1,
        "total": len(test.questions),
        "question": question.get(c.locale),
        "options": options,
    }


async def on_option(_c: CallbackQuery, _w: Any, manager: DialogManager, item_id: str) -> None:
    c = ctx(manager)
    test = c.content.mentor_test
    question_code, _sep, option_code = item_id.partition(SEPARATOR)
    shown = test.questions[_index(manager, test, {})]
    if question_code != shown.code and test.question(question_code) is not None:
        # A second quick tap on the question before: it was answered, this one shows already.
        manager.show_mode = ShowMode.NO_UPDATE
        return
    try:
        progress = await mentor_test.answer(
            c.session, c.actor, question_code, option_code, c.now(), test
        )
    except DomainError as error:
        if error.code == "mentor_test_done":
            await manager.switch_to(MentorTestSG.done)
            return
        raise  # a forged or outdated option: handlers/errors.py says nothing was saved
    if progress.finished:
        await manager.switch_to(MentorTestSG.done)
        return
    position = next(i for i, q in enumerate(test.questions) if q.code == question_code)
    following = position + 1
    if following >= len(test.questions):
        following = _first_open(test, progress.answers)
    manager.dialog_data[INDEX] = following


async def on_previous(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    progress = await mentor_test.progress(c.session, c.actor)
    index = _index(manager, c.content.mentor_test, progress.answers)
    if index == 0:
        await manager.switch_to(MentorTestSG.intro)
    else:
        manager.dialog_data[INDEX] = index - 1


async def get_done(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    progress = await mentor_test.progress(c.session, c.actor)
    return {"passed": bool(progress.passed), "not_passed": not progress.passed}


def create_mentor_test_dialog() -> Dialog:
    return Dialog(
        Window(
            T("📝 <b>Test for mentor candidates</b>\n"),
            T(
                "{count} short questions about working with a family in a difficult situation: "
                "one per screen, tap the answer you think is right.",
            ),
            T(
                "There is no time limit. You can stop at any moment and come back: your answers "
                "are kept. When you finish, the answers go to the coordinators."
            ),
            T("\nYou have already answered {answered} of {count}.", when="answered"),
            Button(T("Begin"), id="begin", on_click=on_begin, when="fresh"),
            Button(T("Continue"), id="resume", on_click=on_begin, when="answered"),
            to_menu(),
            state=MentorTestSG.intro,
            getter=get_intro,
        ),
        Window(
            T("Question {position} of {total}\n\n<b>{question}</b>"),
            Column(
                Select(
                    T("{item[0]}"),
                    id="option",
                    item_id_getter=lambda item: item[1],
                    items="options",
                    on_click=on_option,
                )
            ),
            Button(T("⬅️ Back"), id="previous", on_click=on_previous),
            to_menu(T("🏠 Menu (answers are kept)")),
            state=MentorTestSG.question,
            getter=get_question,
        ),
        Window(
            T(
                "Thank you! Your answers went to the coordinator, who will be in touch about "
                "the next step — the course.",
                when="passed",
            ),
            T(
                "Thank you for your answers and for your time! They went to the coordinator, "
                "who will talk them through with you: some questions are easier to discuss "
                "together.",
                when="not_passed",
            ),
            to_menu(),
            state=MentorTestSG.done,
            getter=get_done,
        ),
    )


async def open_answers(
    manager: DialogManager, attempt_id: int, *, show_mode: ShowMode | None = ShowMode.SEND
) -> None:
    """The answers of a finished test; the service refuses anyone but a coordinator."""
    c = ctx(manager)
    await mentor_test.require_viewable(c.session, c.actor, attempt_id)
    await manager.start(
        MentorTestAnswersSG.view,
        data={ATTEMPT_ID: attempt_id},
        mode=StartMode.RESET_STACK,
        show_mode=show_mode,
    )


async def on_answers_start(data: Any, manager: DialogManager) -> None:
    if isinstance(data, dict) and isinstance(data.get(ATTEMPT_ID), int):
        manager.dialog_data[ATTEMPT_ID] = data[ATTEMPT_ID]


async def get_answers(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    test = c.content.mentor_test
    attempt_id = stored_id(dialog_manager, ATTEMPT_ID, "mentor_test_not_found")
    view = await mentor_test.answers_view(c.session, c.actor, attempt_id, c.now(), test)
    lines = [
        _("<b>Test answers: {name}</b>").format(name=escape(view.name)),
        _("{score} of {out_of} (pass mark {mark})").format(
            score=view.score, out_of=view.out_of, mark=test.pass_mark
        ),
    ]
    for number, row in enumerate(view.rows, start=1):
        question = test.question(row.question_code)
        if question is None:
            continue
        chosen = question.option(row.chosen) if row.chosen else None
        correct = question.option(row.correct)
        lines.append(f"\n{number}. {escape(question.get(c.locale))}")
        if chosen is None:
            lines.append(_("— no answer"))
        elif chosen.code == row.correct:
            lines.append(f"✅ {escape(chosen.get(c.locale))}")
        else:
            lines.append(f"❌ {escape(chosen.get(c.locale))}")
        if correct is not None and (chosen is None or chosen.code != row.correct):
            lines.append(_("Right answer: {option}").format(option=escape(correct.get(c.locale))))
    return {"answers": Html("\n".join(lines))}


def create_mentor_test_answers_dialog() -> Dialog:
    return Dialog(
        Window(
            T("{answers}"),
            to_menu(),
            state=MentorTestAnswersSG.view,
            getter=get_answers,
        ),
        on_start=on_answers_start,
    )
