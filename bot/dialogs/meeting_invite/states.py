from aiogram.fsm.state import State, StatesGroup


class MeetingInviteSG(StatesGroup):
    """A participant's own network meeting invitation.

    Start data {"participant_id": int} opens the invitation; without it, the list of their
    meetings to come."""

    list = State()
    view = State()
    comment = State()
