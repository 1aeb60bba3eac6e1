from aiogram.fsm.state import State, StatesGroup


class ReviewSG(StatesGroup):
    """/stats, /report, /export, /charts. Start data: {"mode": one of review.Mode}."""

    period = State()
    custom = State()
    scope = State()
    mentor = State()
    category = State()
    sections = State()
    charts = State()
