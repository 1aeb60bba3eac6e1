from aiogram.fsm.state import State, StatesGroup

FAMILY_ID = "family_id"  # start data and dialog_data: set by our code, checked on every render


class CaseFileSG(StatesGroup):
    """The case file (дело семьи) as a DOCX: the period, then the file in the background.
    Start data: {"family_id": int}."""

    period = State()
    custom = State()
