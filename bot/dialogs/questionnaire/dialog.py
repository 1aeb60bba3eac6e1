"""The family questionnaire before week 1 (entry) and after the last week (exit).

Opened by «📝 Start the questionnaire» under the invitation (handlers/homework.py) or from
/progress, with start data {"enrollment_id": id, "phase": "entry" | "exit"}. One statement per
window, 1–5 with the scale's words (bot/dialogs/scale_survey.py asks them); the answers stay in
dialog_data until the last one, then services.questionnaire.save stores them for the family.
Every press re-checks through the service that the person is a parent of that family and the
questionnaire is still open. Parents see no scores.
"""

from __future__ import annotations

from typing import Any

from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode, StartMode
from aiogram_dialog.widgets.kbd import Button

from bot.db.models import QuestionnairePhase
from bot.dialogs.context import Ctx, ctx
from bot.dialogs.questionnaire.states import QuestionnaireSG
from bot.dialogs.scale_survey import ScaleSurvey
from bot.dialogs.widgets import Dialog, T, Window, to_menu
from bot.i18n import N_
from bot.services import questionnaire
from bot.services.errors import DomainError

ENROLLMENT_ID = "enrollment_id"
PHASE = "phase"
ANSWERS = "answers"

ALREADY = N_("Your family has already filled it in. Thank you!")
CLOSED = N_("This questionnaire is closed now. Thank you all the same!")


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
    if not is_open:
        return _(ALREADY)
    await manager.start(
        QuestionnaireSG.intro,
        data={ENROLLMENT_ID: enrollment_id, PHASE: phase.value},
        mode=mode,
        show_mode=show_mode,
    )
    return None


async def on_start(data: Any, manager: DialogManager) -> None:
    if not isinstance(data, dict):
        return
    if isinstance(data.get(ENROLLMENT_ID), int) and data.get(PHASE) in {"entry", "exit"}:
        manager.dialog_data.update({ENROLLMENT_ID: data[ENROLLMENT_ID], PHASE: data[PHASE]})
        SURVEY.restart(manager)


def _target(manager: DialogManager) -> tuple[int, QuestionnairePhase]:
    enrollment_id = manager.dialog_data.get(ENROLLMENT_ID)
    phase = manager.dialog_data.get(PHASE)
    if not isinstance(enrollment_id, int) or phase not in {"entry", "exit"}:
        raise DomainError("programme_not_found")
    return enrollment_id, QuestionnairePhase(phase)


async def _still_open(manager: DialogManager) -> bool:
    """Rights and state again, for this press; otherwise the window says why it ended."""
    c = ctx(manager)
    enrollment_id, phase = _target(manager)
    try:
        is_open = await questionnaire.check_open(c.session, c.actor, enrollment_id, phase)
    except DomainError as error:
        if error.code != "questionnaire_closed":
            raise
        await manager.switch_to(QuestionnaireSG.closed)
        return False
    if not is_open:
        await manager.switch_to(QuestionnaireSG.already)
        return False
    return True


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
    await manager.switch_to(QuestionnaireSG.thanks if saved.saved else QuestionnaireSG.already)


def _scale(c: Ctx) -> list[tuple[str, int]]:
    """1–5, each with the scale's words."""
    return [
        (f"{step.value} · {step.get(c.locale)}", step.value)
        for step in c.content.questionnaire.scale
    ]


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
        on_start=on_start,
    )
