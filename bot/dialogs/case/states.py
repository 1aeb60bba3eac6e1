from aiogram.fsm.state import State, StatesGroup

FAMILY_ID = "family_id"  # start data and dialog_data: set by our code, checked on every render


class CaseSG(StatesGroup):
    """The family's case (дело семьи). Start data: {} (/case: the families first) or
    {"family_id": int} (the case itself, from the family card)."""

    families = State()
    case = State()


class RequestSG(StatesGroup):
    """The request (обращение), a short form. Start data: {"family_id": int}."""

    received = State()
    source = State()
    words = State()
    difficulties = State()
    level = State()
    signs = State()


class MembersSG(StatesGroup):
    """The family's make-up. Start data: {"family_id": int}."""

    list = State()
    name = State()
    year = State()
    relation = State()
    member = State()
