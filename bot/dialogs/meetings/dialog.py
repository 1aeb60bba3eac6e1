"""/meetings as the dispatcher sees it: one aiogram-dialog Dialog per flow, each with its own
StatesGroup (states.py) and module. The list and the board (listing.py) open the others with the
meeting in their start data; they close back to the board with a notice (common.py)."""

from __future__ import annotations

from bot.dialogs.meetings.add_people import create_add_people_dialog
from bot.dialogs.meetings.attendance import create_attendance_dialog
from bot.dialogs.meetings.change import create_change_dialog
from bot.dialogs.meetings.decisions import create_decisions_dialog
from bot.dialogs.meetings.details import create_details_dialog
from bot.dialogs.meetings.follow_up import create_follow_up_dialog
from bot.dialogs.meetings.listing import create_meetings_dialog
from bot.dialogs.meetings.new import create_meeting_new_dialog
from bot.dialogs.meetings.process import create_process_dialog
from bot.dialogs.widgets import Dialog


def create_meetings_dialogs() -> list[Dialog]:
    return [
        create_meetings_dialog(),
        create_meeting_new_dialog(),
        create_add_people_dialog(),
        create_change_dialog(),
        create_details_dialog(),
        create_attendance_dialog(),
        create_decisions_dialog(),
        create_process_dialog(),
        create_follow_up_dialog(),
    ]
