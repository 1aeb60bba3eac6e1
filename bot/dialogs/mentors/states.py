from aiogram.fsm.state import State, StatesGroup


class MentorsSG(StatesGroup):
    """/mentors: the registry (coordinators), a mentor's card and moving their status."""

    list = State()
    card = State()
    move = State()  # the status to move to
    reason = State()  # why (content/mentors.yaml)
    note = State()  # an optional short note
