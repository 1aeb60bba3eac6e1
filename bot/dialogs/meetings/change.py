"""The board's «✏️ Change date / time / place»: a new date, time and place (each may be kept), a
check, then Save; everyone invited who uses the bot is told what changed. The date and time steps
are the new-meeting wizard's (new.py). It closes back to the board with what happened.

Every getter and button goes through bot/services/meetings.py, which checks the rights again; a
meeting that was cancelled, held or has started meanwhile is refused at every step.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Cancel, SwitchTo

from bot.dialogs.context import ctx
from bot.dialogs.meetings.common import (
    back_to_board,
    change_refusal,
    load_board,
    meeting_error,
    meeting_id_of,
    on_start_for_meeting,
)
from bot.dialogs.meetings.new import (
    FAMILY_TZ,
    accept_date,
    accept_time,
    get_dates,
    get_times,
    on_date_text,
    on_day,
    on_time,
    on_time_text,
    place_text,
)
from bot.dialogs.meetings.states import MeetingChangeSG
from bot.dialogs.widgets import (
    Dialog,
    T,
    Window,
    choices,
    get_input_error,
    input_error_line,
    shorten,
    show_input_error,
)
from bot.services import meetings
from bot.services.errors import DomainError
from bot.services.meetings import local_start


async def on_start(start_data: Any, manager: DialogManager) -> None:
    await on_start_for_meeting(start_data, manager)
    # The date and time steps check against the family's today (new.py).
    zone = start_data.get(FAMILY_TZ) if isinstance(start_data, dict) else None
    manager.dialog_data[FAMILY_TZ] = zone


async def _changeable(manager: DialogManager) -> meetings.Board | None:
    """The board, if its meeting can still be moved; otherwise back to the board, which says
    why."""
    board = await load_board(manager)
    refusal = change_refusal(board, ctx(manager).now())
    if refusal is None:
        return board
    await back_to_board(manager, meeting_error(DomainError(refusal)))
    return None


async def get_change(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    board = await load_board(dialog_manager)
    start = local_start(board.meeting)
    data = dialog_manager.dialog_data
    raw_date = data.get("date")
    return {
        "current_when": start.strftime("%d.%m.%Y %H:%M"),
        "current_date": start.strftime("%d.%m.%Y"),
        "current_time": start.strftime("%H:%M"),
        "current_place": shorten(board.meeting.place, 100),
        "new_when": "{} {}".format(
            date.fromisoformat(raw_date).strftime("%d.%m.%Y") if raw_date else "",
            data.get("time", ""),
        ),
        "new_place": shorten(data.get("place") or board.meeting.place, 200),
    }


async def on_keep_date(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    board = await _changeable(manager)
    if board is not None:
        await accept_date(manager, local_start(board.meeting).date())


async def on_keep_time(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    board = await _changeable(manager)
    if board is not None:
        await accept_time(manager, local_start(board.meeting).time())


async def on_change_place(message: Message, _w: Any, manager: DialogManager) -> None:
    text = place_text(message, manager)
    if text is None:
        return
    manager.dialog_data["place"] = text
    await manager.switch_to(MeetingChangeSG.confirm)


async def on_keep_place(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    manager.dialog_data.pop("place", None)
    await manager.switch_to(MeetingChangeSG.confirm)


async def on_change_save(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    data = manager.dialog_data
    if not data.get("date") or not data.get("time"):
        await manager.switch_to(MeetingChangeSG.date)
        return
    if await _changeable(manager) is None:
        return
    starts_local = datetime.combine(
        date.fromisoformat(data["date"]), datetime.strptime(data["time"], "%H:%M").time()
    )
    try:
        changed = await meetings.reschedule(
            c.session,
            c.require_actor(),
            meeting_id_of(manager),
            now=c.now(),
            starts_local=starts_local,
            place=data.get("place"),
        )
    except DomainError as error:
        if error.code == "access_denied":
            raise
        if error.code == "meeting_in_past":
            show_input_error(manager, meeting_error(error))
            await manager.switch_to(MeetingChangeSG.time)
            return
        await back_to_board(manager, meeting_error(error))
        return
    await back_to_board(
        manager,
        _("The meeting is changed. Everyone invited who uses the bot will be told.")
        if changed
        else _("Nothing changed: the date, time and place are the same as before."),
    )


def create_change_dialog() -> Dialog:
    return Dialog(
        Window(
            input_error_line(),
            T("<b>Change the meeting</b>\nNow: {current_when} (family's time), {current_place}."),
            T("The new date (the family's time): tap a day or send it as DD.MM.YYYY."),
            MessageInput(on_date_text),
            choices("day", "days", on_day, width=4),
            Button(T("➡️ Keep {current_date}"), id="keep_date", on_click=on_keep_date),
            Cancel(T("✖️ Cancel"), id="change_cancel"),
            state=MeetingChangeSG.date,
            getter=[get_input_error, get_dates, get_change],
        ),
        Window(
            input_error_line(),
            T("The time on {day} (the family's time): tap one or send it as HH:MM."),
            MessageInput(on_time_text),
            choices("time", "times", on_time, width=3),
            Button(T("➡️ Keep {current_time}"), id="keep_time", on_click=on_keep_time),
            SwitchTo(T("⬅️ Back"), id="etime_back", state=MeetingChangeSG.date),
            state=MeetingChangeSG.time,
            getter=[get_input_error, get_times, get_change],
        ),
        Window(
            input_error_line(),
            T("The place: send the new address or a short description, or keep «{current_place}»."),
            MessageInput(on_change_place),
            Button(T("➡️ Keep the place"), id="keep_place", on_click=on_keep_place),
            SwitchTo(T("⬅️ Back"), id="eplace_back", state=MeetingChangeSG.time),
            state=MeetingChangeSG.place,
            getter=[get_input_error, get_change],
        ),
        Window(
            T(
                "<b>Check the change</b>\nWhen: {new_when} (family's time)\nPlace: {new_place}\n\n"
                "Everyone invited who uses the bot will get a message saying what changed."
            ),
            Button(T("✅ Save the change"), id="change_save", on_click=on_change_save),
            SwitchTo(T("⬅️ Back"), id="econfirm_back", state=MeetingChangeSG.place),
            Cancel(T("✖️ Cancel"), id="econfirm_cancel"),
            state=MeetingChangeSG.confirm,
            getter=get_change,
        ),
        on_start=on_start,
    )
