from aiogram.fsm.state import State, StatesGroup


class InviteSG(StatesGroup):
    role = State()
    family = State()
    mentor_kind = State()  # a mentor: a candidate (test and course first) or active
    done = State()
