from aiogram.fsm.state import State, StatesGroup


class InviteSG(StatesGroup):
    role = State()
    family = State()
    done = State()
