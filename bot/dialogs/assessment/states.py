from aiogram.fsm.state import State, StatesGroup

FAMILY_ID = "family_id"  # start data and dialog_data: set by our code, checked on every render


class AssessmentSG(StatesGroup):
    """The preliminary (intake) and final assessment of a family's case, before → after per
    aspect. Start data: {"family_id": int}; the dialog checks access itself."""

    overview = State()
    aspect = State()  # one aspect of the phase being recorded: its hint and the scale
    note = State()  # the note of the score just tapped
