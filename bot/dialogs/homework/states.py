from aiogram.fsm.state import State, StatesGroup


class AnswerSG(StatesGroup):
    """Start data {"week_id": int}; the opener picks the first window from the week's state."""

    collect = State()
    rate = State()
    comment = State()
    thanks = State()
    later = State()
    done = State()
    closed = State()


class ProgressSG(StatesGroup):
    """/progress of a parent: their family's programme, week by week."""

    overview = State()
