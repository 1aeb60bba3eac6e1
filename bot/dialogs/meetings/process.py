"""The board's «🧭 Process assessment» of a held meeting: the facilitators' judgement of how far
the meeting moved in each phase (content/meetings.yaml, 0–3), then the reflection group's note,
then a check and Save; done again, it starts from what was saved. Closed back to the board.

Every getter and button goes through bot/services/meeting_evidence.py, which checks the rights
again; a tapped value must be one of the scale's.
"""

from __future__ import annotations

from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Cancel, SwitchTo

from bot.content.meetings import SCALE_VALUES, MeetingsFile
from bot.db.models import MeetingProcessAssessment
from bot.dialogs.context import ctx
from bot.dialogs.meetings.common import (
    back_to_board,
    for_meeting,
    leave_as_is,
    meeting_error,
    meeting_id_of,
    on_start_for_meeting,
)
from bot.dialogs.meetings.states import MeetingProcessSG
from bot.dialogs.widgets import (
    Dialog,
    Html,
    T,
    Window,
    choices,
    form_text,
    get_input_error,
    input_error_line,
    shorten,
)
from bot.markup import escape
from bot.services import meeting_evidence
from bot.services.errors import DomainError
from bot.services.meeting_evidence import NOTE_MAX, process_summary

SCORES, INDEX, NOTE, LOADED = "p_scores", "p_index", "p_note", "p_loaded"


def process_line(assessment: MeetingProcessAssessment, spec: MeetingsFile, locale: str) -> str:
    """The board's one line on the process: the furthest phase reached, how many went fully."""
    found = process_summary(assessment, spec)
    if found.furthest is None:
        furthest = _("no phase reached")
    else:
        furthest = _("furthest phase reached: {phase} ({score})").format(
            phase=escape(spec.phase_label(found.furthest, locale)),
            score=escape(spec.scale_label(found.furthest_value, locale)),
        )
    line = _("<b>Process</b>: {furthest}; fully {fully} of {phases}").format(
        furthest=furthest, fully=found.fully, phases=found.phases
    )
    return line + (_(", reflection note ✓") if found.has_note else "")


async def on_board_button(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await manager.start(MeetingProcessSG.phase, data=for_meeting(manager))


async def on_start(start_data: Any, manager: DialogManager) -> None:
    await on_start_for_meeting(start_data, manager)
    c = ctx(manager)
    saved = await meeting_evidence.process_of(c.session, c.actor, meeting_id_of(manager))
    manager.dialog_data[INDEX] = 0
    manager.dialog_data[SCORES] = dict(saved.phases) if saved else {}
    manager.dialog_data[NOTE] = saved.reflection_note if saved else None
    manager.dialog_data[LOADED] = saved is not None


def _index(manager: DialogManager, spec: MeetingsFile) -> int:
    raw = manager.dialog_data.get(INDEX)
    index = raw if isinstance(raw, int) else 0
    return min(max(index, 0), len(spec.phases) - 1)


async def get_phase(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    spec = c.content.meetings
    index = _index(dialog_manager, spec)
    phase = spec.phases[index]
    scores = dialog_manager.dialog_data.get(SCORES) or {}
    current = scores.get(phase.code)
    return {
        "number": index + 1,
        "not_first": index > 0,
        "count": len(spec.phases),
        "phase": phase.label(c.locale),
        "current": spec.scale_label(int(current), c.locale) if current is not None else "",
        "scale": [
            (f"{point.value} — {point.label(c.locale)}", str(point.value)) for point in spec.scale
        ],
    }


async def on_score(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    spec = ctx(manager).content.meetings
    if item not in {str(value) for value in SCALE_VALUES}:
        leave_as_is(manager)
        return
    index = _index(manager, spec)
    scores = dict(manager.dialog_data.get(SCORES) or {})
    scores[spec.phases[index].code] = int(item)
    manager.dialog_data[SCORES] = scores
    if index + 1 < len(spec.phases):
        manager.dialog_data[INDEX] = index + 1
        await manager.switch_to(MeetingProcessSG.phase)
    else:
        await manager.switch_to(MeetingProcessSG.note)


async def on_phase_back(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    manager.dialog_data[INDEX] = max(_index(manager, ctx(manager).content.meetings) - 1, 0)


async def get_note(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    note = dialog_manager.dialog_data.get(NOTE)
    return {"note": shorten(str(note), 600) if note else ""}


async def on_note(message: Message, _w: Any, manager: DialogManager) -> None:
    text = form_text(
        message, manager, _("Please send the note as text, or tap «Skip»."), limit=NOTE_MAX
    )
    if text is None:
        return
    manager.dialog_data[NOTE] = text
    await manager.switch_to(MeetingProcessSG.summary)


async def on_note_remove(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    manager.dialog_data[NOTE] = None
    await manager.switch_to(MeetingProcessSG.summary)


async def on_note_back(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    manager.dialog_data[INDEX] = len(ctx(manager).content.meetings.phases) - 1
    await manager.switch_to(MeetingProcessSG.phase)


async def get_summary(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    spec = c.content.meetings
    scores = dialog_manager.dialog_data.get(SCORES) or {}
    lines = [
        "• {phase}: {score}".format(
            phase=escape(item.label(c.locale)),
            score=escape(spec.scale_label(int(scores[item.code]), c.locale))
            if item.code in scores
            else "—",
        )
        for item in spec.phases
    ]
    note = dialog_manager.dialog_data.get(NOTE)
    return {
        "phases": Html("\n".join(lines)),
        "note": shorten(str(note), 600) if note else "—",
    }


async def on_again(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    manager.dialog_data[INDEX] = 0
    await manager.switch_to(MeetingProcessSG.phase)


async def on_save(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    spec = c.content.meetings
    scores = manager.dialog_data.get(SCORES) or {}
    missing = next((i for i, item in enumerate(spec.phases) if item.code not in scores), None)
    if missing is not None:  # a phase added to the file since the form started
        manager.dialog_data[INDEX] = missing
        await manager.switch_to(MeetingProcessSG.phase)
        return
    try:
        await meeting_evidence.save_process(
            c.session,
            c.require_actor(),
            meeting_id_of(manager),
            {code: int(value) for code, value in scores.items() if code in spec.phase_codes()},
            manager.dialog_data.get(NOTE),
            spec,
            c.now(),
        )
    except DomainError as error:
        if error.code == "access_denied":
            raise
        await back_to_board(manager, meeting_error(error))
        return
    await back_to_board(manager, _("The assessment of the process is saved."))


def create_process_dialog() -> Dialog:
    return Dialog(
        Window(
            T(
                "<b>The process of the meeting</b>: the facilitators' and the reflection group's "
                "view.\nPhase {number} of {count}: <b>{phase}</b>\nHow far did the meeting move "
                "in it?"
            ),
            T("Now: {current}", when="current"),
            choices("process_score", "scale", on_score, width=2),
            Button(T("⬅️ Back"), id="process_phase_back", on_click=on_phase_back, when="not_first"),
            Cancel(T("⬅️ To the meeting"), id="process_cancel"),
            state=MeetingProcessSG.phase,
            getter=get_phase,
        ),
        Window(
            input_error_line(),
            T(
                "A note of the reflection group, if there is one: what went well, where the "
                "meeting got stuck. Send it as text, or tap «Skip»."
            ),
            T("Now: «{note}»", when="note"),
            MessageInput(on_note),
            SwitchTo(T("➡️ Skip"), id="process_note_skip", state=MeetingProcessSG.summary),
            Button(
                T("🗑 Remove the note"),
                id="process_note_remove",
                on_click=on_note_remove,
                when="note",
            ),
            Button(T("⬅️ Back"), id="process_note_back", on_click=on_note_back),
            state=MeetingProcessSG.note,
            getter=[get_input_error, get_note],
        ),
        Window(
            T("<b>Check the assessment of the process</b>\n{phases}\nReflection note: {note}"),
            Button(T("✅ Save"), id="process_save", on_click=on_save),
            Button(T("✏️ Again from the first phase"), id="process_again", on_click=on_again),
            SwitchTo(T("⬅️ Back"), id="process_summary_back", state=MeetingProcessSG.note),
            Cancel(T("⬅️ To the meeting"), id="process_summary_cancel"),
            state=MeetingProcessSG.summary,
            getter=get_summary,
        ),
        on_start=on_start,
    )
