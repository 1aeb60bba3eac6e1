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
    """Editing the board's meeting's topic, format, duration and texts (details.py), and why
    it is called (`reason`: also started on its own from the board of a meeting under way)."""

    menu = State()
    topic = State()
    reason = State()
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
    reason = State()
    format = State()
    date = State()
    time = State()
    place = State()
    duration = State()
    facilitators = State()
    contact = State()
    note = State()
    summary = State()


class MeetingProcessSG(StatesGroup):
    """The facilitators' assessment of a held meeting's process: each phase 0–3, the
    reflection group's note, a check (process.py)."""

    phase = State()
    note = State()
    summary = State()


class MeetingFollowUpSG(StatesGroup):
    """The record two weeks after a held meeting (follow_up.py): the child and the family now,
    each open decision done or not (and why), a new map, a new meeting, a check."""

    child = State()
    family = State()
    decision = State()
    why = State()
    new_map = State()
    new_meeting = State()
    summary = State()
