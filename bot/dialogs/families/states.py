from aiogram.fsm.state import State, StatesGroup


class FamiliesSG(StatesGroup):
    list = State()


class FamilyAddSG(StatesGroup):
    name = State()
    category = State()
    level = State()
    timezone = State()
    confirm = State()
    saved = State()


class MyFamiliesSG(StatesGroup):
    """A mentor's own families; each opens its card (view only)."""

    list = State()


class FamilyCardSG(StatesGroup):
    """Start data: {"family_id": int}. Anyone may start it: the card checks access itself."""

    card = State()
    mentors = State()
    pick_mentor = State()
    confirm_mentor = State()  # the chosen mentor is not active: assign anyway?
    remove_mentor = State()
    curator = State()
    close_reason = State()
    close_note = State()
    stage = State()  # the case's stage (case management)
    close_final = State()  # closing: the final meeting's date
    close_summary = State()  # closing: a short summary
    level_reason = State()  # why the support level changes
