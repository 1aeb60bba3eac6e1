from aiogram.fsm.state import State, StatesGroup

FAMILY_ID = "family_id"  # start data and dialog_data: set by our code, checked on every render
TASK_ID = "task_id"


class PlanSG(StatesGroup):
    """The individual support plan. Start data: {} (/plan: the families first),
    {"family_id": int} (the plan) or {"family_id": int, "task_id": int} (one task)."""

    families = State()
    plan = State()
    task = State()
    text = State()  # one text field of a new or an existing task, or why it was not done
    responsible = State()
    due = State()
    from_visit = State()
    from_decision = State()
