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
