"""What the /meetings dialogs share: keys of their data, kind error lines,
and how a dialog opened from a meeting's board gets its meeting and returns to the board."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram_dialog import DialogManager, ShowMode

from bot.db.models import MeetingStatus
from bot.dialogs.context import ctx
from bot.dialogs.widgets import error_text, parse_id
from bot.i18n import N_
from bot.services import meetings
from bot.services.errors import DomainError

LIST_SCROLL = "meetings_scroll"
MEETING_ID = "meeting_id"
PARTICIPANT_ID = "participant_id"
NOTICE = "notice"
SHOWN_NOTICE = "shown_notice"
DATE_DAYS = 8  # buttons for today and the next days
TIME_BUTTONS = ("09:00", "10:00", "11:00", "12:00", "14:00", "15:00", "16:00", "17:00", "18:00")

ERRORS = {
    "participant_duplicate": N_("This person is already on the list of this meeting."),
    "participant_not_approved": N_(
        "The child has not approved this person yet, so the invitation cannot be sent. "
        "Mark the approval first."
    ),
    "meeting_not_planned": N_("This meeting is no longer planned: invitations are closed."),
    "meeting_full": N_("The meeting already has the most participants it can have."),
    "meeting_in_past": N_("That time has already passed: please choose a later date or time."),
    "family_closed": N_("This family's case has been closed: choose another family."),
    "family_not_found": N_("This family was not found: choose another one."),
    "meeting_not_found": N_("This meeting was not found."),
    "participant_not_found": N_("This participant was not found."),
    "person_not_found": N_("This person no longer uses the bot."),
    "meeting_not_started": N_(
        "The meeting has not started yet: you can mark it held once it has begun."
    ),
    "meeting_started": N_(
        "The meeting has already started, so its date and place can no longer be changed."
    ),
    "meeting_held": N_("This meeting is already marked as held."),
    "meeting_not_held": N_(
        "This meeting is not marked as held yet: mark who came with «✅ Held: who came?»."
    ),
    "meeting_not_changeable": N_("This meeting is no longer planned, so it cannot be changed."),
    "meeting_place_empty": N_("Please send the address or a description as text."),
    "meeting_place_long": N_("That is a bit long: please keep the place shorter."),
}


def meeting_error(error: DomainError) -> str:
    return error_text(ERRORS, error)


def notify(manager: DialogManager, text: str) -> None:
    """A line above the window; the same line again would leave the message as it is, which
    Telegram refuses to edit, so then nothing is redrawn."""
    if manager.dialog_data.get(SHOWN_NOTICE) == text:
        manager.show_mode = ShowMode.NO_UPDATE
    else:
        manager.dialog_data[NOTICE] = text


def take_notice(manager: DialogManager) -> str:
    notice = str(manager.dialog_data.pop(NOTICE, ""))
    manager.dialog_data[SHOWN_NOTICE] = notice
    return notice


def leave_as_is(manager: DialogManager) -> None:
    """A stale or forged button: nothing changes, so the window is left as it is."""
    manager.show_mode = ShowMode.NO_UPDATE


# --- the board's meeting, in the board and in the dialogs it opens ---------------------------


def meeting_id_of(manager: DialogManager) -> int:
    meeting_id = parse_id(manager.dialog_data.get(MEETING_ID))
    if meeting_id is None:
        raise DomainError("meeting_not_found")
    return meeting_id


async def load_board(manager: DialogManager) -> meetings.Board:
    """The open meeting's board; the service checks the rights again on every call."""
    c = ctx(manager)
    return await meetings.board(c.session, c.require_actor(), meeting_id_of(manager), c.now())


def change_refusal(board: meetings.Board, now: datetime) -> str | None:
    """Why the meeting can no longer be moved or edited (an error code), or None if it can."""
    if board.meeting.status != MeetingStatus.PLANNED:
        return "meeting_not_changeable"
    if now >= board.meeting.starts_at:
        return "meeting_started"
    return None


def for_meeting(manager: DialogManager, **extra: Any) -> dict[str, Any]:
    """Start data for a dialog the board opens: the board's meeting (and what else it needs)."""
    return {MEETING_ID: meeting_id_of(manager), **extra}


async def on_start_for_meeting(start_data: Any, manager: DialogManager) -> None:
    """A dialog opened from the board takes its meeting from the start data (set by our code,
    never by a button); the getters check the rights to it on every render."""
    raw = start_data.get(MEETING_ID) if isinstance(start_data, dict) else None
    manager.dialog_data[MEETING_ID] = parse_id(raw)


async def back_to_board(manager: DialogManager, notice: str | None = None) -> None:
    """Closes a dialog opened from the board; the board shows `notice` above itself."""
    await manager.done({NOTICE: notice} if notice else None)


async def on_board_result(_start_data: Any, result: Any, manager: DialogManager) -> None:
    """The board, back on top: the closed dialog's notice goes above it (the board's getter
    reads the meeting afresh anyway)."""
    if isinstance(result, dict) and result.get(NOTICE):
        manager.dialog_data[NOTICE] = str(result[NOTICE])
