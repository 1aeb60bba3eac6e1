from aiogram.fsm.state import State, StatesGroup


class ProgrammesSG(StatesGroup):
    """Start data {"family_id": int} opens `overview`; /programmes opens `families`."""

    families = State()
    overview = State()
    programme = State()
    start = State()
    weekday = State()
    time = State()
    due = State()
    confirm = State()
    stop = State()
    result = State()
    result_note = State()
