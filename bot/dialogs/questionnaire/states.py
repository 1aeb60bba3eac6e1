from aiogram.fsm.state import State, StatesGroup


class QuestionnaireSG(StatesGroup):
    """Start data {"enrollment_id": int, "phase": "entry" | "exit"}; with "evaluation": true it
    opens at the family's evaluation of the programme (the exit questionnaire answered before)."""

    intro = State()
    statement = State()
    thanks = State()
    already = State()
    closed = State()
    # The family's own evaluation of the programme, right after the exit questionnaire.
    evaluation_intro = State()
    evaluation_statement = State()
    evaluation_open = State()
    evaluation_thanks = State()
    evaluation_already = State()
