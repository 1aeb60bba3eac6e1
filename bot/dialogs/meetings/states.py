"""The /meetings dialogs' states: one group per dialog, its module named beside it."""

from aiogram.fsm.state import State, StatesGroup


class MeetingsSG(StatesGroup):
    """The list, a meeting's board, one participant and cancelling (listing.py). Start data:
    {"meeting_id": n} opens that meeting's board."""

    list = State()
    board = State()
    participant = State()
    cancel = State()


class MeetingAddSG(StatesGroup):
    """Adding a participant to the board's meeting (add_people.py)."""

    kind = State()
    search = State()
    pick = State()
    name = State()
    relation = State()
    approved = State()
    phone = State()


class MeetingChangeSG(StatesGroup):
    """Moving the board's meeting: date, time, place, then a check (change.py)."""

    date = State()
    time = State()
    place = State()
    confirm = State()


class MeetingDetailsSG(StatesGroup):
    """Editing the board's meeting's topic, format, duration and texts (details.py)."""

    menu = State()
    topic = State()
    format = State()
    duration = State()
    facilitators = State()
    contact = State()
    note = State()


class MeetingAttendanceSG(StatesGroup):
    """Who came: marking the board's meeting held, or correcting it (attendance.py)."""

    came = State()


class MeetingDecisionsSG(StatesGroup):
    """The board's meeting's decisions: the list and adding one (decisions.py)."""

    list = State()
    what = State()
    who = State()
    due = State()


class MeetingNewSG(StatesGroup):
    """Planning a new meeting (new.py); its date and time steps also serve change.py."""

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
