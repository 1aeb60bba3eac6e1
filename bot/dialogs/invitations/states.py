from aiogram.fsm.state import State, StatesGroup


class InvitationsSG(StatesGroup):
    list = State()
    confirm_revoke = State()
