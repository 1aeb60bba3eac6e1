from aiogram.fsm.state import State, StatesGroup


class ConsiliumSG(StatesGroup):
    """A family's consiliums. Start data: {"family_id": int}; the dialog checks access itself."""

    list = State()
    plan_day = State()
    card = State()
    held_day = State()
    participants = State()
    outcome = State()
    level = State()
    level_reason = State()
    note = State()
    next_review = State()
    decision_what = State()
    decision_who = State()
    decision_due = State()


class PartingSG(StatesGroup):
    """The parting: the final meeting's day ahead (start at `day`), the family's words at it
    (start at `words_before`). Start data: {"family_id": int}."""

    day = State()
    words_before = State()
    words_after = State()
