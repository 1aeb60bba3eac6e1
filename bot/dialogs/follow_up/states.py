from aiogram.fsm.state import State, StatesGroup


class FollowUpSG(StatesGroup):
    """Start data {"follow_up_id": int}."""

    intro = State()
    statement = State()
    thanks = State()
    already = State()
    closed = State()
