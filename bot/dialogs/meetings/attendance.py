"""Who came: the board's «✅ Held: who came?» and «✏️ Correct who came» open one checklist of the
meeting's participants; saving marks the meeting held (the attendees get the feedback survey) or
corrects who came, and closes back to the board with what happened.

Every getter and button goes through bot/services/meetings.py and srs.py, which check the rights
again; a tick must be one of this meeting's participants.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager
from aiogram_dialog.widgets.kbd import Button, Cancel

from bot.db.models import MeetingStatus, Rsvp
from bot.dialogs.context import ctx
from bot.dialogs.meetings.common import (
    back_to_board,
    for_meeting,
    leave_as_is,
    load_board,
    meeting_error,
    notify,
    on_start_for_meeting,
    take_notice,
)
from bot.dialogs.meetings.states import MeetingAttendanceSG
from bot.dialogs.widgets import Dialog, T, Window, checklist, shorten
from bot.services import meetings, srs
from bot.services.errors import DomainError

CAME = "came"
TICKED = "ticked"  # start data: the participant ids ticked to begin with


# --- the board's buttons ----------------------------------------------------------------------


async def on_held(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    # Those who said they would come are most likely to have come: a starting point.
    await _open(manager, MeetingStatus.PLANNED, "meeting_held", lambda line: line.rsvp == Rsvp.YES)


async def on_correct(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    """A held meeting's attendance, corrected: the same checklist, ticked as it stands now."""
    await _open(manager, MeetingStatus.HELD, "meeting_not_held", lambda line: bool(line.attended))


async def _open(
    manager: DialogManager,
    status: MeetingStatus,
    other_code: str,
    ticked: Callable[[meetings.BoardLine], bool],
) -> None:
    """The checklist of who came, for a meeting that is `status` (planned: mark it held; held:
    correct it) and has started. `other_code` refuses it in the other of the two states; a
    cancelled meeting is "not planned". A refusal is a line above the board."""
    c = ctx(manager)
    board = await load_board(manager)
    if board.meeting.status != status:
        other = board.meeting.status in (MeetingStatus.PLANNED, MeetingStatus.HELD)
        notify(manager, meeting_error(DomainError(other_code if other else "meeting_not_planned")))
        return
    if c.now() < board.meeting.starts_at:
        notify(manager, meeting_error(DomainError("meeting_not_started")))
        return
    ticks = [line.participant_id for line in board.lines if ticked(line)]
    await manager.start(MeetingAttendanceSG.came, data=for_meeting(manager, **{TICKED: ticks}))


# --- the checklist ----------------------------------------------------------------------------


async def on_start(start_data: Any, manager: DialogManager) -> None:
    await on_start_for_meeting(start_data, manager)
    came = manager.find(CAME)
    if came is None:  # the window's widget; always there
        return
    ticks = start_data.get(TICKED) if isinstance(start_data, dict) else None
    for participant_id in ticks or []:
        await came.set_checked(str(participant_id), True)


async def _drop_foreign_ticks(manager: DialogManager, board: meetings.Board) -> bool:
    """Unticks ids that are not this meeting's participants (only a forged button makes them);
    True if there were any."""
    came = manager.find(CAME)
    if came is None:
        return False
    ours = {str(line.participant_id) for line in board.lines}
    foreign = [str(raw) for raw in came.get_checked() if str(raw) not in ours]
    for raw in foreign:
        await came.set_checked(raw, False)
    return bool(foreign)


async def get_held(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    board = await load_board(dialog_manager)
    notice = take_notice(dialog_manager)
    if await _drop_foreign_ticks(dialog_manager, board):
        notice = _("This button is out of date.")
    return {
        "everyone": [(shorten(line.name, 40), str(line.participant_id)) for line in board.lines],
        "correcting": board.meeting.status == MeetingStatus.HELD,
        "notice": notice,
    }


async def on_held_save(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    board = await load_board(manager)
    came = manager.find(CAME)
    if came is None:
        leave_as_is(manager)
        return
    if await _drop_foreign_ticks(manager, board):
        # A tick for someone not in this meeting came from a forged button: nothing is saved.
        notify(manager, _("This button is out of date."))
        return
    attended = {int(raw) for raw in came.get_checked()}
    try:
        if board.meeting.status == MeetingStatus.HELD:
            # Already held (by this checklist's correction or, meanwhile, by someone else):
            # what is ticked now is a correction, so the un-ticked lose their unsent survey.
            corrected = await srs.correct_attendance(
                c.session, c.require_actor(), board.meeting.id, attended, c.now()
            )
            text = _(
                "Attendance corrected: {n} came. New feedback surveys sent: {surveys}."
            ).format(n=corrected.attended, surveys=corrected.surveys)
        else:
            await srs.mark_held(c.session, c.require_actor(), board.meeting.id, attended, c.now())
            text = _(
                "The meeting is marked as held: {n} came. Those of them who use the bot get a "
                "short feedback survey."
            ).format(n=len(attended))
    except DomainError as error:
        if error.code == "access_denied":
            raise
        text = meeting_error(error)
    await back_to_board(manager, text)


def create_attendance_dialog() -> Dialog:
    return Dialog(
        Window(
            T("{notice}\n", when="notice"),
            T(
                "<b>Who came?</b> Tick everyone who was at the meeting, then save. Those who use "
                "the bot will get a short feedback survey.",
                when=lambda d, *_: not d["correcting"],
            ),
            T(
                "<b>Correct who came.</b> Tick everyone who was at the meeting, then save. Those "
                "newly ticked who use the bot will get the feedback survey; those unticked will "
                "not get it or its reminder if it has not gone out yet.",
                when="correcting",
            ),
            checklist(CAME, "everyone", width=2),
            Button(T("💾 Save"), id="held_save", on_click=on_held_save),
            Cancel(T("⬅️ To the meeting"), id="held_back"),
            state=MeetingAttendanceSG.came,
            getter=get_held,
        ),
        on_start=on_start,
    )
