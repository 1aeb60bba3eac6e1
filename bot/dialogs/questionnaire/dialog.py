"""The family questionnaire before week 1 (entry) and after the last week (exit).

Opened by «📝 Start the questionnaire» under the invitation (handlers/homework.py) or from
/progress, with start data {"enrollment_id": id, "phase": "entry" | "exit"}. One statement per
window, 1–5 with the scale's words (bot/dialogs/scale_survey.py asks them); the answers stay in
dialog_data until the last one, then services.questionnaire.save stores them for the family.
Every press re-checks through the service that the person is a parent of that family and the
questionnaire is still open. Parents see no scores.

After the exit questionnaire the same flow goes on to the family's own evaluation of the
programme (content/evaluation.yaml): its statements the same way, then one open question that
may be skipped, then thanks; services.programme_evaluations stores it once per family. A parent
who left before it (Later) reaches it again by the exit questionnaire's button.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Any, Protocol

from aiogram.enums import ContentType
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode, StartMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, SwitchTo

from bot.db.models import QuestionnairePhase
from bot.dialogs.context import Ctx, ctx
from bot.dialogs.questionnaire.states import QuestionnaireSG
from bot.dialogs.scale_survey import ScaleSurvey
from bot.dialogs.widgets import (
    Dialog,
    T,
    Window,
    form_text,
    get_input_error,
    input_error_line,
    to_menu,
)
from bot.i18n import N_
from bot.services import programme_evaluations, questionnaire
from bot.services.errors import DomainError

ENROLLMENT_ID = "enrollment_id"
PHASE = "phase"
ANSWERS = "answers"
EVALUATION = "evaluation"  # start data: open at the family's evaluation of the programme
EVALUATION_ANSWERS = "evaluation_answers"
AFTER_EXIT = "after_exit"  # dialog data: the exit questionnaire was saved just now

ALREADY = N_("Your family has already filled it in. Thank you!")
CLOSED = N_("This questionnaire is closed now. Thank you all the same!")
EVALUATION_ALREADY = N_("Your family has already told us about the programme. Thank you!")
OPEN_NOT_TEXT = N_("Please write a few words as text, or tap «Skip».")


async def open_questionnaire(
    manager: DialogManager,
    enrollment_id: int,
    *,
    exit_phase: bool,
    mode: StartMode = StartMode.NORMAL,
    show_mode: ShowMode | None = None,
) -> str | None:
    """Starts the questionnaire, or returns why not (already answered, closed) as a text."""
    c = ctx(manager)
    phase = QuestionnairePhase.EXIT if exit_phase else QuestionnairePhase.ENTRY
    try:
        is_open = await questionnaire.check_open(c.session, c.actor, enrollment_id, phase)
    except DomainError as error:
        if error.code != "questionnaire_closed":
            raise
        return _(CLOSED)
    evaluation = False
    if not is_open:
        # Answered: after the exit one, the family's evaluation may still be to give.
        evaluation = phase is QuestionnairePhase.EXIT and await _evaluation_open(
            manager, enrollment_id
        )
        if not evaluation:
            return _(ALREADY)
    await manager.start(
        QuestionnaireSG.evaluation_intro if evaluation else QuestionnaireSG.intro,
        data={ENROLLMENT_ID: enrollment_id, PHASE: phase.value, EVALUATION: evaluation},
        mode=mode,
        show_mode=show_mode,
    )
    return None


async def _evaluation_open(manager: DialogManager, enrollment_id: int) -> bool:
    """May this parent give the family's evaluation now (not given yet)?"""
    c = ctx(manager)
    try:
        return await programme_evaluations.check_family_open(c.session, c.actor, enrollment_id)
    except DomainError as error:
        if error.code != "evaluation_closed":
            raise
        return False


async def on_start(data: Any, manager: DialogManager) -> None:
    if not isinstance(data, dict):
        return
    if isinstance(data.get(ENROLLMENT_ID), int) and data.get(PHASE) in {"entry", "exit"}:
        manager.dialog_data.update({ENROLLMENT_ID: data[ENROLLMENT_ID], PHASE: data[PHASE]})
        if data.get(EVALUATION) is True:
            EVALUATION_SURVEY.restart(manager)
        else:
            SURVEY.restart(manager)


def _target(manager: DialogManager) -> tuple[int, QuestionnairePhase]:
    enrollment_id = manager.dialog_data.get(ENROLLMENT_ID)
    phase = manager.dialog_data.get(PHASE)
    if not isinstance(enrollment_id, int) or phase not in {"entry", "exit"}:
        raise DomainError("programme_not_found")
    return enrollment_id, QuestionnairePhase(phase)


async def _open_or_say_why(
    manager: DialogManager, is_open: Awaitable[bool], closed: str, already: State
) -> bool:
    """Rights and state again, for this press; otherwise the window says why it ended: the
    DomainError `closed` (not open any more) or answered already."""
    try:
        still = await is_open
    except DomainError as error:
        if error.code != closed:
            raise
        await manager.switch_to(QuestionnaireSG.closed)
        return False
    if not still:
        await manager.switch_to(already)
    return still


async def _still_open(manager: DialogManager) -> bool:
    c = ctx(manager)
    enrollment_id, phase = _target(manager)
    check = questionnaire.check_open(c.session, c.actor, enrollment_id, phase)
    return await _open_or_say_why(manager, check, "questionnaire_closed", QuestionnaireSG.already)


async def get_intro(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    form = c.content.questionnaire
    _target(dialog_manager)
    return {"title": form.title.get(c.locale), "intro": form.intro.get(c.locale)}


async def _save(manager: DialogManager, answers: dict[str, int]) -> None:
    c = ctx(manager)
    enrollment_id, phase = _target(manager)
    try:
        saved = await questionnaire.save(
            c.session, c.actor, enrollment_id, phase, answers, c.now(), c.content.questionnaire
        )
    except DomainError as error:
        if error.code == "questionnaire_closed":
            await manager.switch_to(QuestionnaireSG.closed)
            return
        if error.code == "questionnaire_incomplete":
            # The statements were edited meanwhile: ask them all again.
            SURVEY.restart(manager)
            return
        raise
    if not saved.saved:
        await manager.switch_to(QuestionnaireSG.already)
        return
    if phase is QuestionnairePhase.EXIT and await _evaluation_open(manager, enrollment_id):
        # One flow: the family's evaluation of the programme follows the exit questionnaire.
        manager.dialog_data[AFTER_EXIT] = True
        EVALUATION_SURVEY.restart(manager)
        await manager.switch_to(QuestionnaireSG.evaluation_intro)
        return
    await manager.switch_to(QuestionnaireSG.thanks)


class ScaleWord(Protocol):
    """One point of a content file's 1–5 scale."""

    value: int

    def get(self, locale: str) -> str: ...


def scale_buttons(steps: Sequence[ScaleWord], locale: str) -> list[tuple[str, int]]:
    """1–5, each with the scale's words: the score buttons of a ScaleSurvey."""
    return [(f"{step.value} · {step.get(locale)}", step.value) for step in steps]


def _scale(c: Ctx) -> list[tuple[str, int]]:
    return scale_buttons(c.content.questionnaire.scale, c.locale)


SURVEY = ScaleSurvey(
    state=QuestionnaireSG.statement,
    intro=QuestionnaireSG.intro,
    answers_key=ANSWERS,
    widget_id="qn_value",
    items=lambda c: c.content.questionnaire.statements,
    scale=_scale,
    still_open=_still_open,
    complete=_save,
)


# --- the family's evaluation of the programme ------------------------------------------------


async def _evaluation_still_open(manager: DialogManager) -> bool:
    c = ctx(manager)
    enrollment_id, _phase = _target(manager)
    check = programme_evaluations.check_family_open(c.session, c.actor, enrollment_id)
    return await _open_or_say_why(
        manager, check, "evaluation_closed", QuestionnaireSG.evaluation_already
    )


async def get_evaluation_intro(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    form = c.content.evaluation.family
    _target(dialog_manager)
    return {
        "title": form.title.get(c.locale),
        "intro": form.intro.get(c.locale),
        AFTER_EXIT: bool(dialog_manager.dialog_data.get(AFTER_EXIT)),
    }


async def _to_open_question(manager: DialogManager, _answers: dict[str, int]) -> None:
    await manager.switch_to(QuestionnaireSG.evaluation_open)


EVALUATION_SURVEY = ScaleSurvey(
    state=QuestionnaireSG.evaluation_statement,
    intro=QuestionnaireSG.evaluation_intro,
    answers_key=EVALUATION_ANSWERS,
    widget_id="ev_value",
    items=lambda c: c.content.evaluation.family.statements,
    scale=lambda c: scale_buttons(c.content.evaluation.family.scale, c.locale),
    still_open=_evaluation_still_open,
    complete=_to_open_question,
)


async def get_open_question(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    _target(dialog_manager)
    return {"question": c.content.evaluation.family.open_question.get(c.locale)}


async def _save_evaluation(manager: DialogManager, open_answer: str | None) -> None:
    c = ctx(manager)
    enrollment_id, _phase = _target(manager)
    try:
        saved = await programme_evaluations.save_family(
            c.session,
            c.actor,
            enrollment_id,
            EVALUATION_SURVEY.answers(manager),
            open_answer,
            c.now(),
            c.content.evaluation.family,
        )
    except DomainError as error:
        if error.code == "evaluation_closed":
            await manager.switch_to(QuestionnaireSG.closed)
            return
        if error.code == "evaluation_incomplete":
            # The statements were edited meanwhile (or a step was skipped): ask them again.
            EVALUATION_SURVEY.restart(manager)
            await manager.switch_to(QuestionnaireSG.evaluation_intro)
            return
        raise
    await manager.switch_to(
        QuestionnaireSG.evaluation_thanks if saved else QuestionnaireSG.evaluation_already
    )


async def on_open_answer(message: Message, _w: Any, manager: DialogManager) -> None:
    text = form_text(
        message, manager, _(OPEN_NOT_TEXT), limit=programme_evaluations.OPEN_ANSWER_MAX_CHARS
    )
    if text is None:
        return
    await _save_evaluation(manager, text)


async def on_skip_open(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _save_evaluation(manager, None)


def _evaluation_windows() -> list[Window]:
    return [
        Window(
            T("Thank you! Your answers are saved.\n", when=AFTER_EXIT),
            T("💬 <b>{title}</b>\n\n{intro}"),
            Button(T("Begin"), id="ev_begin", on_click=EVALUATION_SURVEY.on_begin),
            to_menu(T("Later")),
            state=QuestionnaireSG.evaluation_intro,
            getter=get_evaluation_intro,
        ),
        EVALUATION_SURVEY.window(T("\nHow true is this for your family?")),
        Window(
            input_error_line(),
            T("{question}"),
            MessageInput(on_open_answer, content_types=ContentType.ANY),
            Button(T("Skip"), id="ev_skip", on_click=on_skip_open),
            SwitchTo(T("⬅️ Back"), id="ev_back", state=QuestionnaireSG.evaluation_statement),
            state=QuestionnaireSG.evaluation_open,
            getter=[get_input_error, get_open_question],
        ),
        Window(
            T(
                "Thank you for your answers and for the work you have done! "
                "We wish your family all the best."
            ),
            to_menu(),
            state=QuestionnaireSG.evaluation_thanks,
        ),
        Window(T(EVALUATION_ALREADY), to_menu(), state=QuestionnaireSG.evaluation_already),
    ]


def create_questionnaire_dialog() -> Dialog:
    return Dialog(
        Window(
            T("📝 <b>{title}</b>\n\n{intro}"),
            Button(T("Begin"), id="begin", on_click=SURVEY.on_begin),
            to_menu(T("Later")),
            state=QuestionnaireSG.intro,
            getter=get_intro,
        ),
        SURVEY.window(T("\nHow true is this of your family now?")),
        Window(
            T(
                "Thank you! Your answers are saved. They help your mentor see what is changing "
                "for your family."
            ),
            to_menu(),
            state=QuestionnaireSG.thanks,
        ),
        Window(T(ALREADY), to_menu(), state=QuestionnaireSG.already),
        Window(T(CLOSED), to_menu(), state=QuestionnaireSG.closed),
        *_evaluation_windows(),
        on_start=on_start,
    )
