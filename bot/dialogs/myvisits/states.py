from aiogram.fsm.state import State, StatesGroup


class MyVisitsSG(StatesGroup):
    list = State()
    detail = State()
    confirm_delete = State()
