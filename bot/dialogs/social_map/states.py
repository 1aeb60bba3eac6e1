from aiogram.fsm.state import State, StatesGroup


class MapSG(StatesGroup):
    """/map: a family, its child, the child's latest snapshot and its people."""

    family = State()
    child = State()
    snapshot = State()
    snapshots = State()
    person = State()
    add_name = State()
    add_relation = State()
    add_circle = State()
    add_nature = State()
