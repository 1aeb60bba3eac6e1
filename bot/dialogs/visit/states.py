from aiogram.fsm.state import State, StatesGroup


class VisitSG(StatesGroup):
    family = State()
    no_families = State()
    date = State()
    old_date = State()
    format = State()
    duration = State()
    methods = State()
    help = State()
    situation = State()
    concern = State()
    concern_text = State()
    notes = State()
    next_date = State()
    summary = State()
    edit = State()
    saved = State()
