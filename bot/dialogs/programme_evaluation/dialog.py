"""The specialists' evaluation of a completed programme: the family's engagement, homework
done, the programme's fit (1..5 each, the scale's words from content/evaluation.yaml), whether
further work is needed and which, and an optional note.

Opened by «📝 Specialist's evaluation» in the programme's window (bot/dialogs/programmes) with
start data {"enrollment_id": id}, for the family's mentor or curator while none is recorded.
Every press re-checks through services.programme_evaluations that this person may record it for
that enrollment (a forged id of another family is refused there); once recorded, the first
window shows it instead. The lines that show both evaluations to staff live here too.
"""

from __future__ import annotations

from typing import Any

from aiogram.enums import ContentType
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Cancel, SwitchTo

from bot.db.models import FurtherWork, ProgrammeEvaluation, SpecialistEvaluation
from bot.dialogs.context import Ctx, ctx
from bot.dialogs.programme_evaluation.states import ProgrammeEvaluationSG
from bot.dialogs.questionnaire.dialog import scale_buttons
from bot.dialogs.scale_survey import ScaleSurvey
from bot.dialogs.widgets import (
    Dialog,
    Html,
    T,
    Window,
    choices,
    form_text,
    get_input_error,
    input_error_line,
    parse_id,
    shorten,
    stored_id,
)
from bot.i18n import N_
from bot.labels import FURTHER_WORK
from bot.markup import escape
from bot.services import programme_evaluations
from bot.services.errors import DomainError

ENROLLMENT_ID = "enrollment_id"
SCORES = "scores"
FURTHER = "further"
NOTICE = "notice"
OPEN_ANSWER_SHOWN = 300  # characters of the family's open answer in the summary
BACK = T("⬅️ Back")
NOTE_NOT_TEXT = N_("Please write the note as text, or tap «Skip».")
TAKEN = N_("A colleague has already recorded the evaluation:")
ITEM_NAMES = {  # the specialist's items, by code, in a summary line
    "engagement": N_("engagement"),
    "homework": N_("homework"),
    "fit": N_("fit"),
}


# --- the lines staff see (here and in the programme's window) -------------------------------


def specialist_lines(evaluation: SpecialistEvaluation, c: Ctx) -> list[str]:
    form = c.content.evaluation.specialist
    scores = ", ".join(
        _("{item} {score} ({word})").format(
            item=_(ITEM_NAMES[code]),
            score=getattr(evaluation, code),
            word=escape(form.word(getattr(evaluation, code), c.locale)),
        )
        for code in ITEM_NAMES
    )
    further = (
        FURTHER_WORK.get(FurtherWork(evaluation.further))
        if evaluation.further in FURTHER_WORK
        else None
    )
    lines = [
        _("🧑‍🏫 Specialist's evaluation: {scores}").format(scores=scores),
        _("Further work needed: {answer}").format(
            answer=_(further) if further else escape(evaluation.further)
        ),
    ]
    if evaluation.note:
        lines.append(_("Note: «{note}»").format(note=escape(evaluation.note)))
    return lines


def family_lines(evaluation: ProgrammeEvaluation) -> list[str]:
    average = programme_evaluations.family_average(evaluation)
    lines = [
        _("💬 The family's evaluation: {average} of 5 on average").format(
            average=f"{average:.1f}" if average is not None else "—"
        )
    ]
    if evaluation.open_answer:
        lines.append(
            _("In their words: «{answer}»").format(
                answer=escape(shorten(evaluation.open_answer, OPEN_ANSWER_SHOWN))
            )
        )
    return lines


# --- the flow --------------------------------------------------------------------------------


def _enrollment_id(manager: DialogManager) -> int:
    return stored_id(manager, ENROLLMENT_ID, "programme_not_found")


async def on_start(data: Any, manager: DialogManager) -> None:
    enrollment_id = parse_id(data.get(ENROLLMENT_ID)) if isinstance(data, dict) else None
    if enrollment_id is None:
        raise DomainError("programme_not_found")
    c = ctx(manager)
    # Rights first: a forged id of another family is refused before anything is shown.
    await programme_evaluations.check_specialist_open(c.session, c.actor, enrollment_id)
    manager.dialog_data[ENROLLMENT_ID] = enrollment_id
    SURVEY.restart(manager)


async def _recorded(manager: DialogManager) -> SpecialistEvaluation | None:
    c = ctx(manager)
    return await programme_evaluations.check_specialist_open(
        c.session, c.actor, _enrollment_id(manager)
    )


async def get_intro(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    recorded = await _recorded(dialog_manager)
    return {
        "notice": dialog_manager.dialog_data.pop(NOTICE, ""),
        "recorded": Html("\n".join(specialist_lines(recorded, c))) if recorded else "",
        "open": recorded is None,
    }


async def _still_open(manager: DialogManager) -> bool:
    if await _recorded(manager) is None:
        return True
    manager.dialog_data[NOTICE] = _(TAKEN)
    await manager.switch_to(ProgrammeEvaluationSG.intro)
    return False


async def _to_further(manager: DialogManager, _scores: dict[str, int]) -> None:
    await manager.switch_to(ProgrammeEvaluationSG.further)


SURVEY = ScaleSurvey(
    state=ProgrammeEvaluationSG.item,
    intro=ProgrammeEvaluationSG.intro,
    answers_key=SCORES,
    widget_id="sp_value",
    items=lambda c: c.content.evaluation.specialist.items,
    scale=lambda c: scale_buttons(c.content.evaluation.specialist.scale, c.locale),
    still_open=_still_open,
    complete=_to_further,
)


async def get_further(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    return {"options": [(_(label), code.value) for code, label in FURTHER_WORK.items()]}


async def on_further(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    if item not in {f.value for f in FurtherWork} or not await _still_open(manager):
        return
    manager.dialog_data[FURTHER] = item
    await manager.switch_to(ProgrammeEvaluationSG.note)


async def get_note(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    return {"limit": programme_evaluations.NOTE_MAX_CHARS}


async def _save(manager: DialogManager, note: str | None) -> None:
    c = ctx(manager)
    further = manager.dialog_data.get(FURTHER)
    if not isinstance(further, str):
        await manager.switch_to(ProgrammeEvaluationSG.further)
        return
    try:
        recorded = await programme_evaluations.save_specialist(
            c.session,
            c.actor,
            _enrollment_id(manager),
            SURVEY.answers(manager),
            further,
            note,
            c.now(),
        )
    except DomainError as error:
        if error.code != "evaluation_incomplete":
            raise
        SURVEY.restart(manager)
        await manager.switch_to(ProgrammeEvaluationSG.intro)
        return
    if not recorded.saved:
        manager.dialog_data[NOTICE] = _(TAKEN)
        await manager.switch_to(ProgrammeEvaluationSG.intro)
        return
    await manager.switch_to(ProgrammeEvaluationSG.done)


async def on_note(message: Message, _w: Any, manager: DialogManager) -> None:
    text = form_text(message, manager, _(NOTE_NOT_TEXT), limit=programme_evaluations.NOTE_MAX_CHARS)
    if text is not None:
        await _save(manager, text)


async def on_skip_note(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _save(manager, None)


async def get_done(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    recorded = await _recorded(dialog_manager)
    return {"recorded": Html("\n".join(specialist_lines(recorded, c)) if recorded else "")}


def create_programme_evaluation_dialog() -> Dialog:
    return Dialog(
        Window(
            T("{notice}\n", when="notice"),
            T("{recorded}", when="recorded"),
            T(
                "<b>Specialist's evaluation of the programme</b>\n\n"
                "Rate the family's engagement, the homework done and how well the programme "
                "suited the family, from 1 to 5; then say whether further work is needed.",
                when="open",
            ),
            Button(T("Begin"), id="begin", on_click=SURVEY.on_begin, when="open"),
            Cancel(BACK, id="cancel"),
            state=ProgrammeEvaluationSG.intro,
            getter=get_intro,
        ),
        SURVEY.window(),
        Window(
            T("Is further work with the family needed?"),
            choices("further", "options", on_further),
            SwitchTo(BACK, id="back", state=ProgrammeEvaluationSG.item),
            state=ProgrammeEvaluationSG.further,
            getter=get_further,
        ),
        Window(
            input_error_line(),
            T("A short note, if you like (up to {limit} characters), or tap «Skip»."),
            MessageInput(on_note, content_types=ContentType.ANY),
            Button(T("Skip"), id="skip", on_click=on_skip_note),
            SwitchTo(BACK, id="back", state=ProgrammeEvaluationSG.further),
            state=ProgrammeEvaluationSG.note,
            getter=[get_input_error, get_note],
        ),
        Window(
            T("✅ Saved.\n\n{recorded}"),
            Cancel(BACK, id="done"),
            state=ProgrammeEvaluationSG.done,
            getter=get_done,
        ),
        on_start=on_start,
    )
