from aiogram.fsm.state import State, StatesGroup


class MyDataSG(StatesGroup):
    summary = State()
    confirm = State()
