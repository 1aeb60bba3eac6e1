from aiogram.fsm.state import State, StatesGroup


class MentorTestSG(StatesGroup):
    """The candidate's test: start with dialogs.mentor_test.dialog.start_test."""

    intro = State()
    question = State()
    done = State()  # finished: a kind word, never the score


class MentorTestAnswersSG(StatesGroup):
    """A coordinator's view of a finished test; start data {"attempt_id": int}."""

    view = State()
