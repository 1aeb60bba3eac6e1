from aiogram.fsm.state import State, StatesGroup


class ProgrammeEvaluationSG(StatesGroup):
    """The specialists' evaluation of a completed programme. Start data {"enrollment_id": int}."""

    intro = State()  # what is asked, or the evaluation already recorded
    item = State()  # engagement, homework, fit: 1..5 each
    further = State()  # is further work needed, and which
    note = State()  # an optional note
    done = State()
