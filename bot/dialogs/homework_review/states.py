from aiogram.fsm.state import State, StatesGroup


class HomeworkReviewSG(StatesGroup):
    """Start data {"week_id": int}; {"nested": True} when opened from /programmes (Back returns)."""

    answers = State()
    reply = State()
    sent = State()
