"""The board's «✏️ Edit details»: the topic, format, duration, facilitators, contact or note of a
planned meeting, one at a time; a saved change closes back to the board, and everyone invited who
uses the bot is told what changed. Why the meeting is called is the coordinators' own: changing it
tells nobody, and the board of a meeting under way or past opens that step on its own.

Every getter and button goes through bot/services/meetings.py, which checks the rights again.
"""

from __future__ import annotations

from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Cancel, Row, SwitchTo

from bot.db.models import MeetingFormat
from bot.dialogs.context import ctx
from bot.dialogs.meetings.board import format_name
from bot.dialogs.meetings.common import (
    back_to_board,
    leave_as_is,
    load_board,
    meeting_error,
    meeting_id_of,
    on_start_for_meeting,
)
from bot.dialogs.meetings.new import get_durations, get_formats, get_reasons
from bot.dialogs.meetings.states import MeetingDetailsSG
from bot.dialogs.widgets import (
    Dialog,
    T,
    Window,
    choices,
    form_text,
    get_input_error,
    input_error_line,
    shorten,
)
from bot.i18n import N_
from bot.services import meeting_evidence, meetings
from bot.services.errors import DomainError
from bot.services.meetings import DURATIONS, NOTE_MAX, SHORT_TEXT_MAX


def reason_text(reason: str | None, c: Any) -> str:
    """A meeting's reason as shown to coordinators; "—" for meetings planned before it was asked."""
    return c.content.meetings.reason_label(reason, c.locale) if reason else "—"


async def get_details(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    meeting = (await load_board(dialog_manager)).meeting
    return {
        "reason": reason_text(meeting.reason, ctx(dialog_manager)),
        "topic": shorten(meeting.topic, 200),
        "format": format_name(meeting.format, _),
        "duration": meeting.duration_minutes,
        "facilitators": shorten(meeting.facilitators, 200),
        "contact": shorten(meeting.contact, 200),
        "note": shorten(meeting.note, 600),
    }


async def _save_details(manager: DialogManager, **changes: Any) -> None:
    c = ctx(manager)
    try:
        changed = await meetings.update_details(
            c.session, c.require_actor(), meeting_id_of(manager), now=c.now(), **changes
        )
    except DomainError as error:
        if error.code == "access_denied":
            raise
        notice = meeting_error(error)
    else:
        notice = (
            _(
                "Saved. The invitation shows the new details. Everyone invited who uses the "
                "bot will be told what changed."
            )
            if changed
            else _("Nothing changed: it is the same as before.")
        )
    await back_to_board(manager, notice)


def _text_step(field: str, limit: int, empty: str) -> Any:
    async def handler(message: Message, _w: Any, manager: DialogManager) -> None:
        text = form_text(message, manager, _(empty), limit=limit)
        if text is not None:
            await _save_details(manager, **{field: text})

    return handler


on_topic = _text_step("topic", SHORT_TEXT_MAX, N_("Please send the topic as text."))
on_facilitators = _text_step(
    "facilitators", SHORT_TEXT_MAX, N_("Please send the facilitators' names as text.")
)
on_contact = _text_step("contact", SHORT_TEXT_MAX, N_("Please send your contact as text."))
on_note = _text_step("note", NOTE_MAX, N_("Please send a short note as text."))


async def on_reason(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    c = ctx(manager)
    spec = c.content.meetings
    if item not in spec.reason_codes():
        leave_as_is(manager)  # a retired code or a forged button
        return
    try:
        changed = await meeting_evidence.set_reason(
            c.session, c.require_actor(), meeting_id_of(manager), item, spec, c.now()
        )
    except DomainError as error:
        if error.code == "access_denied":
            raise
        notice = meeting_error(error)
    else:
        notice = (
            _("Saved: {reason}.").format(reason=spec.reason_label(item, c.locale))
            if changed
            else _("Nothing changed: it is the same as before.")
        )
    await back_to_board(manager, notice)


async def on_format(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    if item not in {f.value for f in MeetingFormat}:
        leave_as_is(manager)
        return
    await _save_details(manager, format=MeetingFormat(item))


async def on_duration(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    if not item.isdigit() or len(item) > 3 or int(item) not in DURATIONS:
        leave_as_is(manager)
        return
    await _save_details(manager, duration_minutes=int(item))


def _step(*widgets: Any, state: Any, getter: Any = None) -> Window:
    getters = [get_input_error, get_details] + ([getter] if getter else [])
    name = state.state.split(":")[-1]
    return Window(
        input_error_line(),
        *widgets,
        SwitchTo(T("⬅️ Back"), id=f"details_{name}_back", state=MeetingDetailsSG.menu),
        state=state,
        getter=getters,
    )


def create_details_dialog() -> Dialog:
    return Dialog(
        Window(
            T(
                "<b>Edit the details</b>\nTopic: «{topic}»\nWhy: {reason}\nFormat: {format}\n"
                "Duration: {duration} min\nFacilitators: {facilitators}\nContact: {contact}\n"
                "Note: {note}\n\nWhat do you want to change?"
            ),
            Row(
                SwitchTo(T("Topic"), id="d_topic", state=MeetingDetailsSG.topic),
                SwitchTo(T("Why it is called"), id="d_reason", state=MeetingDetailsSG.reason),
                SwitchTo(T("Format"), id="d_format", state=MeetingDetailsSG.format),
                SwitchTo(T("Duration"), id="d_duration", state=MeetingDetailsSG.duration),
            ),
            Row(
                SwitchTo(
                    T("Facilitators"), id="d_facilitators", state=MeetingDetailsSG.facilitators
                ),
                SwitchTo(T("Contact"), id="d_contact", state=MeetingDetailsSG.contact),
                SwitchTo(T("Note"), id="d_note", state=MeetingDetailsSG.note),
            ),
            Cancel(T("⬅️ To the meeting"), id="details_back"),
            state=MeetingDetailsSG.menu,
            getter=get_details,
        ),
        _step(
            T(
                "The topic of the meeting in the child's own words, "
                "for example «Я хочу жить с мамой»."
            ),
            T("Now: «{topic}»"),
            MessageInput(on_topic),
            state=MeetingDetailsSG.topic,
        ),
        Window(
            T("Why is the meeting called? Only the coordinators see this, nobody invited does."),
            T("Now: {reason}"),
            choices("reason", "reasons", on_reason),
            Cancel(T("⬅️ To the meeting"), id="details_reason_back"),
            state=MeetingDetailsSG.reason,
            getter=[get_details, get_reasons],
        ),
        _step(
            T("The format of the meeting:"),
            T("Now: {format}"),
            choices("format", "formats", on_format, width=2),
            state=MeetingDetailsSG.format,
            getter=get_formats,
        ),
        _step(
            T("How long will the meeting take?"),
            T("Now: {duration} min"),
            choices("duration", "durations", on_duration, width=4),
            state=MeetingDetailsSG.duration,
            getter=get_durations,
        ),
        _step(
            T("Who facilitates the meeting? Send the names of the facilitators."),
            T("Now: {facilitators}"),
            MessageInput(on_facilitators),
            state=MeetingDetailsSG.facilitators,
        ),
        _step(
            T(
                "Your contact for the participants: a phone number or how to reach you. "
                "It is shown in the invitation."
            ),
            T("Now: {contact}"),
            MessageInput(on_contact),
            state=MeetingDetailsSG.contact,
        ),
        _step(
            T(
                "A short note on the situation for the invitation: what the meeting is about, "
                "without private details. Everyone invited will read it."
            ),
            T("Now: {note}"),
            MessageInput(on_note),
            state=MeetingDetailsSG.note,
        ),
        on_start=on_start_for_meeting,
    )
