from aiogram.fsm.state import State, StatesGroup


class SrsSG(StatesGroup):
    """Start data {"participant_id": int}."""

    intro = State()
    item = State()
    comment = State()
    thanks = State()  # the answers are sent; the optional open question
    done = State()
    already = State()
