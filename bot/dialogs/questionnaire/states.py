from aiogram.fsm.state import State, StatesGroup


class QuestionnaireSG(StatesGroup):
    """Start data {"enrollment_id": int, "phase": "entry" | "exit"}."""

    intro = State()
    statement = State()
    thanks = State()
    already = State()
    closed = State()
