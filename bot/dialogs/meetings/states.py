from aiogram.fsm.state import State, StatesGroup


class MeetingsSG(StatesGroup):
    """The list, a meeting's board and its participants. Start data: {"meeting_id": n} opens
    that meeting's board."""

    list = State()
    board = State()
    participant = State()
    cancel = State()
    add_kind = State()
    add_search = State()
    add_pick = State()
    add_name = State()
    add_relation = State()
    add_approved = State()
    add_phone = State()
    edit_date = State()
    edit_time = State()
    edit_place = State()
    edit_confirm = State()
    details = State()
    details_topic = State()
    details_format = State()
    details_duration = State()
    details_facilitators = State()
    details_contact = State()
    details_note = State()
    held = State()
    decisions = State()
    decision_what = State()
    decision_who = State()
    decision_due = State()


class MeetingNewSG(StatesGroup):
    family = State()
    child = State()
    topic = State()
    format = State()
    date = State()
    time = State()
    place = State()
    duration = State()
    facilitators = State()
    contact = State()
    note = State()
    summary = State()
