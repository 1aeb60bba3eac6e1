"""/meetings for coordinators: upcoming and past network meetings and a meeting's board: its
participants, adding them, the child's approval, personal invitations, changing and cancelling,
marking it held and correcting who came. Planning a new meeting is in new.py, decisions in
decisions.py, the board's text in board.py.

Every getter and button goes through bot/services/meetings.py, which checks the rights again;
ids that came with a button are parsed defensively and must belong to the open meeting.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Row, Start, SwitchTo

from bot.db.models import MeetingFormat, MeetingStatus, Relation, Rsvp
from bot.dialogs.context import ctx
from bot.dialogs.meetings import decisions
from bot.dialogs.meetings.board import (
    RELATION_NAMES,
    board_text,
    format_name,
    relation_name,
    rsvp_name,
    shorten,
    srs_summary_text,
)
from bot.dialogs.meetings.common import (
    LIST_SCROLL,
    MEETING_ID,
    NOTICE,
    PARTICIPANT_ID,
    _error_text,
    _ignore,
    _notify,
    _take_notice,
    parse_id,
)
from bot.dialogs.meetings.new import (
    FAMILY_TZ,
    _accept_date,
    _accept_time,
    get_dates,
    get_durations,
    get_formats,
    get_times,
    on_date_text,
    on_day,
    on_time,
    on_time_text,
    place_text,
)
from bot.dialogs.meetings.states import MeetingNewSG, MeetingsSG
from bot.dialogs.paging import PAGE_SIZE, current_page, page_data, pager
from bot.dialogs.widgets import (
    Dialog,
    Html,
    T,
    Window,
    checklist,
    choices,
    form_text,
    get_input_error,
    input_error_line,
    show_input_error,
    to_menu,
)
from bot.i18n import N_
from bot.qr import qr_png
from bot.services import meetings, social_maps, srs
from bot.services.access import Action, authorize
from bot.services.errors import DomainError
from bot.services.meetings import (
    DURATIONS,
    NAME_MAX,
    NOTE_MAX,
    PHONE_MAX,
    SHORT_TEXT_MAX,
    local_start,
)

# --- the list -------------------------------------------------------------------------------


async def on_list_start(start_data: Any, manager: DialogManager) -> None:
    c = ctx(manager)
    await authorize(c.session, c.actor, Action.MEETING_MANAGE)
    if isinstance(start_data, dict) and parse_id(start_data.get(MEETING_ID)) is not None:
        manager.dialog_data[MEETING_ID] = parse_id(start_data[MEETING_ID])
        await manager.switch_to(MeetingsSG.board)


def _when(starts_at: datetime, zone: str) -> str:
    return starts_at.astimezone(ZoneInfo(zone)).strftime("%d.%m.%Y %H:%M")


async def get_list(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    past = bool(dialog_manager.dialog_data.get("past"))
    page = await current_page(dialog_manager, LIST_SCROLL)
    actor = c.require_actor()
    rows, total = await meetings.page(
        c.session, actor, c.now(), past=past, offset=page * PAGE_SIZE, limit=PAGE_SIZE
    )
    # Started but not marked held: first in the past list, and named in both views.
    awaiting = await meetings.awaiting_count(c.session, actor, c.now())
    items = [
        (
            "{mark}{when} · {child} · {family} · {accepted}".format(
                mark="❌ " if row.status == "cancelled" else "⏳ " if row.awaiting else "",
                when=_when(row.starts_at, row.timezone),
                child=shorten(row.child_name, 20),
                family=shorten(row.family_name, 24),
                accepted=_("accepted {k} of {n} invited").format(k=row.accepted, n=row.invited),
            ),
            str(row.id),
        )
        for row in rows
    ]
    return {
        "items": items,
        "total": total,
        "past": past,
        "awaiting": awaiting,
        **page_data(page, total),
    }


async def on_toggle_past(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    manager.dialog_data["past"] = not manager.dialog_data.get("past")
    scroll = manager.find(LIST_SCROLL)
    if scroll is not None:
        await scroll.set_page(0)  # type: ignore[attr-defined]


async def on_pick_meeting(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    meeting_id = parse_id(item)
    if meeting_id is None:
        _ignore(manager)
        return
    manager.dialog_data[MEETING_ID] = meeting_id
    await manager.switch_to(MeetingsSG.board)


# --- the board ------------------------------------------------------------------------------


def _meeting_id(manager: DialogManager) -> int:
    meeting_id = parse_id(manager.dialog_data.get(MEETING_ID))
    if meeting_id is None:
        raise DomainError("meeting_not_found")
    return meeting_id


async def _board(manager: DialogManager) -> meetings.Board:
    c = ctx(manager)
    return await meetings.board(c.session, c.require_actor(), _meeting_id(manager), c.now())


async def get_board(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    board = await _board(dialog_manager)
    planned = board.meeting.status == "planned"
    started = c.now() >= board.meeting.starts_at
    feedback = ""
    if board.meeting.status == "held":
        found = await srs.summary(c.session, c.require_actor(), board.meeting.id, c.content.srs)
        feedback = srs_summary_text(found, c.content.srs, c.locale, _)
    return {
        "board": Html(board_text(board, _, feedback)),
        "can_change": planned and not started,
        "can_hold": planned and started,
        "can_correct": board.meeting.status == "held",
        "people": [
            (
                "{mark} {name}".format(
                    mark="✅" if line.approved else "❌", name=shorten(line.name, 32)
                ),
                str(line.participant_id),
            )
            for line in board.lines
        ],
        "planned": planned,
        "can_add": planned and len(board.lines) < meetings.MAX_PARTICIPANTS,
        "notice": _take_notice(dialog_manager),
    }


async def on_pick_participant(
    _c: CallbackQuery, _w: Any, manager: DialogManager, item: str
) -> None:
    participant_id = parse_id(item)
    board = await _board(manager)
    if all(line.participant_id != participant_id for line in board.lines):
        # Not this meeting's person: a stale or forged button.
        _notify(manager, _("This button is out of date."))
        return
    manager.dialog_data[PARTICIPANT_ID] = participant_id
    await manager.switch_to(MeetingsSG.participant)


async def on_cancel_meeting(callback: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    done = await meetings.cancel(c.session, c.require_actor(), _meeting_id(manager), c.now())
    manager.dialog_data[NOTICE] = (
        _("The meeting is cancelled. Everyone invited who uses the bot will be told.")
        if done
        else _("This meeting was already not planned.")
    )
    await manager.switch_to(MeetingsSG.board)


async def on_back_to_list(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    manager.dialog_data.pop(MEETING_ID, None)
    manager.dialog_data.pop(PARTICIPANT_ID, None)
    await manager.switch_to(MeetingsSG.list)


# --- changing the date, time or place --------------------------------------------------------

CHANGE_KEYS = ("date", "time", "place")


def _refusal(manager: DialogManager, code: str) -> None:
    manager.dialog_data[NOTICE] = _error_text(DomainError(code))


async def _changeable(manager: DialogManager) -> meetings.Board | None:
    """The board, if its meeting can still be moved; otherwise the board says why."""
    c = ctx(manager)
    board = await _board(manager)
    if board.meeting.status != MeetingStatus.PLANNED:
        _refusal(manager, "meeting_not_changeable")
    elif c.now() >= board.meeting.starts_at:
        _refusal(manager, "meeting_started")
    else:
        return board
    await manager.switch_to(MeetingsSG.board)
    return None


async def on_change(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    board = await _changeable(manager)
    if board is None:
        return
    for key in CHANGE_KEYS:
        manager.dialog_data.pop(key, None)
    manager.dialog_data[FAMILY_TZ] = board.meeting.timezone
    await manager.switch_to(MeetingsSG.edit_date)


async def get_change(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    board = await _board(dialog_manager)
    start = local_start(board.meeting)
    data = dialog_manager.dialog_data
    raw_date = data.get("date")
    return {
        "current_when": start.strftime("%d.%m.%Y %H:%M"),
        "current_date": start.strftime("%d.%m.%Y"),
        "current_time": start.strftime("%H:%M"),
        "current_place": shorten(board.meeting.place, 100),
        "new_when": "{} {}".format(
            date.fromisoformat(raw_date).strftime("%d.%m.%Y") if raw_date else "",
            data.get("time", ""),
        ),
        "new_place": shorten(data.get("place") or board.meeting.place, 200),
    }


async def on_keep_date(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    board = await _changeable(manager)
    if board is not None:
        await _accept_date(manager, local_start(board.meeting).date())


async def on_keep_time(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    board = await _changeable(manager)
    if board is not None:
        await _accept_time(manager, local_start(board.meeting).time())


async def on_change_place(message: Message, _w: Any, manager: DialogManager) -> None:
    text = place_text(message, manager)
    if text is None:
        return
    manager.dialog_data["place"] = text
    await manager.switch_to(MeetingsSG.edit_confirm)


async def on_keep_place(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    manager.dialog_data.pop("place", None)
    await manager.switch_to(MeetingsSG.edit_confirm)


async def on_change_save(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    data = manager.dialog_data
    if not data.get("date") or not data.get("time"):
        await manager.switch_to(MeetingsSG.edit_date)
        return
    if await _changeable(manager) is None:
        return
    starts_local = datetime.combine(
        date.fromisoformat(data["date"]), datetime.strptime(data["time"], "%H:%M").time()
    )
    try:
        changed = await meetings.reschedule(
            c.session,
            c.require_actor(),
            _meeting_id(manager),
            now=c.now(),
            starts_local=starts_local,
            place=data.get("place"),
        )
    except DomainError as error:
        if error.code == "access_denied":
            raise
        if error.code == "meeting_in_past":
            show_input_error(manager, _error_text(error))
            await manager.switch_to(MeetingsSG.edit_time)
            return
        data[NOTICE] = _error_text(error)
    else:
        data[NOTICE] = (
            _("The meeting is changed. Everyone invited who uses the bot will be told.")
            if changed
            else _("Nothing changed: the date, time and place are the same as before.")
        )
    for key in CHANGE_KEYS:
        data.pop(key, None)
    await manager.switch_to(MeetingsSG.board)


# --- held: who came -------------------------------------------------------------------------

CAME = "came"


async def on_held(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    # Those who said they would come are most likely to have come: a starting point.
    await _open_attendance(
        manager, MeetingStatus.PLANNED, "meeting_held", lambda line: line.rsvp == Rsvp.YES
    )


async def on_correct(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    """A held meeting's attendance, corrected: the same checklist, ticked as it stands now."""
    await _open_attendance(
        manager, MeetingStatus.HELD, "meeting_not_held", lambda line: bool(line.attended)
    )


async def _open_attendance(
    manager: DialogManager,
    status: MeetingStatus,
    other_code: str,
    ticked: Callable[[meetings.BoardLine], bool],
) -> None:
    """The checklist of who came, for a meeting that is `status` (planned: mark it held; held:
    correct it) and has started. `other_code` refuses it in the other of the two states; a
    cancelled meeting is "not planned"."""
    c = ctx(manager)
    board = await _board(manager)
    if board.meeting.status != status:
        other = board.meeting.status in (MeetingStatus.PLANNED, MeetingStatus.HELD)
        _notify(manager, _error_text(DomainError(other_code if other else "meeting_not_planned")))
        return
    if c.now() < board.meeting.starts_at:
        _notify(manager, _error_text(DomainError("meeting_not_started")))
        return
    came = manager.find(CAME)
    if came is None:  # the window's widget; always there
        _ignore(manager)
        return
    await came.reset_checked()
    for line in board.lines:
        if ticked(line):
            await came.set_checked(str(line.participant_id), True)
    await manager.switch_to(MeetingsSG.held)


async def _drop_foreign_ticks(manager: DialogManager, board: meetings.Board) -> bool:
    """Unticks ids that are not this meeting's participants (only a forged button makes them);
    True if there were any."""
    came = manager.find(CAME)
    if came is None:
        return False
    ours = {str(line.participant_id) for line in board.lines}
    foreign = [str(raw) for raw in came.get_checked() if str(raw) not in ours]
    for raw in foreign:
        await came.set_checked(raw, False)
    return bool(foreign)


async def get_held(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    board = await _board(dialog_manager)
    notice = _take_notice(dialog_manager)
    if await _drop_foreign_ticks(dialog_manager, board):
        notice = _("This button is out of date.")
    return {
        "everyone": [(shorten(line.name, 40), str(line.participant_id)) for line in board.lines],
        "correcting": board.meeting.status == MeetingStatus.HELD,
        "notice": notice,
    }


async def on_held_save(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    board = await _board(manager)
    came = manager.find(CAME)
    if came is None:
        _ignore(manager)
        return
    if await _drop_foreign_ticks(manager, board):
        # A tick for someone not in this meeting came from a forged button: nothing is saved.
        _notify(manager, _("This button is out of date."))
        return
    attended = {int(raw) for raw in came.get_checked()}
    try:
        if board.meeting.status == MeetingStatus.HELD:
            # Already held (by this checklist's correction or, meanwhile, by someone else):
            # what is ticked now is a correction, so the un-ticked lose their unsent survey.
            corrected = await srs.correct_attendance(
                c.session, c.require_actor(), board.meeting.id, attended, c.now()
            )
            text = _(
                "Attendance corrected: {n} came. New feedback surveys sent: {surveys}."
            ).format(n=corrected.attended, surveys=corrected.surveys)
        else:
            await srs.mark_held(c.session, c.require_actor(), board.meeting.id, attended, c.now())
            text = _(
                "The meeting is marked as held: {n} came. Those of them who use the bot get a "
                "short feedback survey."
            ).format(n=len(attended))
    except DomainError as error:
        if error.code == "access_denied":
            raise
        manager.dialog_data[NOTICE] = _error_text(error)
    else:
        manager.dialog_data[NOTICE] = text
    await manager.switch_to(MeetingsSG.board)


# --- one participant ------------------------------------------------------------------------


async def _line(manager: DialogManager) -> meetings.BoardLine | None:
    participant_id = parse_id(manager.dialog_data.get(PARTICIPANT_ID))
    board = await _board(manager)
    return next((ln for ln in board.lines if ln.participant_id == participant_id), None)


async def get_participant(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    line = await _line(dialog_manager)
    if line is None:
        return {
            "found": False,
            "approved": False,
            "invited": False,
            "name": "",
            "notice": _("This participant was not found."),
        }
    if not line.invited:
        progress = _("not invited yet")
    elif line.opened or line.joined:
        progress = _("invited, the invitation was opened")
    else:
        progress = _("invited, not opened yet")
    return {
        "found": True,
        "name": shorten(line.name, 200),
        "relation": relation_name(line.relation, _),
        "approved": line.approved,
        "invited": line.invited,
        "progress": progress,
        "answer": rsvp_name(line.rsvp, _),
        "comment": shorten(line.comment or "", 600),
        "notice": _take_notice(dialog_manager),
    }


async def on_toggle_approved(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    line = await _line(manager)
    if line is None:
        _ignore(manager)
        return
    await meetings.set_approved(
        c.session, c.require_actor(), line.participant_id, not line.approved, c.now()
    )


async def on_invite(callback: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    line = await _line(manager)
    if line is None:
        _ignore(manager)
        return
    try:
        invited = await meetings.invite(
            c.session,
            c.require_actor(),
            line.participant_id,
            c.now(),
            ttl=timedelta(days=c.settings.invitation_ttl_days),
        )
    except DomainError as error:
        if error.code == "access_denied":
            raise
        _notify(manager, _error_text(error))
        return
    if invited.token is None:
        _notify(
            manager,
            _("{name} already uses the bot: the invitation was sent in the chat.").format(
                name=shorten(line.name, 80)
            ),
        )
        return
    # The link must work the moment it is shown: it can be opened before this update ends.
    await c.session.commit()
    me = await c.bot.me()
    link = f"https://t.me/{me.username}?start={invited.token}"
    # The picture goes on to the person as it is: its caption speaks to them; what to do with
    # it is told to the coordinator below.
    caption = _(
        "{name}, you are invited to a network meeting. Open the link or scan the code to see "
        "the invitation:\n{link}\nThe link works once."
    ).format(name=meetings.first_name(shorten(line.name, 80)), link=link)
    await c.bot.send_photo(
        chat_id=callback.from_user.id,
        photo=BufferedInputFile(qr_png(link), filename="invitation.png"),
        caption=caption,
        parse_mode=None,
    )
    manager.dialog_data[NOTICE] = _(
        "{name}: the personal link is above. Forward the picture to them, or show the code on "
        "your phone."
    ).format(name=shorten(line.name, 80))
    await manager.switch_to(MeetingsSG.participant, show_mode=ShowMode.SEND)


# --- adding a participant -------------------------------------------------------------------


async def on_add_name(message: Message, _w: Any, manager: DialogManager) -> None:
    text = form_text(message, manager, _("Please send the person's name as text."), limit=NAME_MAX)
    if text is None:
        return
    manager.dialog_data["p_name"] = text
    manager.dialog_data.pop(P_PERSON, None)  # someone new: no bot user behind the name
    await manager.switch_to(MeetingsSG.add_relation)


async def get_relations(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    return {
        "relations": [(_(name), relation.value) for relation, name in RELATION_NAMES.items()],
        "p_name": dialog_manager.dialog_data.get("p_name", ""),
    }


async def on_relation(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    if item not in {r.value for r in Relation}:
        _ignore(manager)
        return
    manager.dialog_data["p_relation"] = item
    await manager.switch_to(MeetingsSG.add_approved)


async def _approved(manager: DialogManager, approved: bool) -> None:
    manager.dialog_data["p_approved"] = approved
    if manager.dialog_data.get(P_PERSON) is not None:
        # A bot user is invited in the chat: no phone is needed.
        await _add_participant(manager, None)
    else:
        await manager.switch_to(MeetingsSG.add_phone)


async def on_approved_yes(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _approved(manager, True)


async def on_approved_no(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _approved(manager, False)


async def _add_participant(manager: DialogManager, phone: str | None) -> None:
    c = ctx(manager)
    data = manager.dialog_data
    if "p_name" not in data or "p_relation" not in data:
        await manager.switch_to(MeetingsSG.board)
        return
    try:
        participant = await meetings.add_participant(
            c.session,
            c.require_actor(),
            _meeting_id(manager),
            name=data["p_name"],
            relation=Relation(data["p_relation"]),
            approved_by_child=bool(data.get("p_approved")),
            phone=phone,
            now=c.now(),
            person_id=parse_id(data[P_PERSON]) if data.get(P_PERSON) is not None else None,
        )
    except DomainError as error:
        if error.code == "access_denied":
            raise
        data[NOTICE] = _error_text(error)
    else:
        data[NOTICE] = _("{name} is added.").format(name=shorten(participant.name, 80))
    for key in ("p_name", "p_relation", "p_approved", P_PERSON, FOUND, SEARCHED):
        data.pop(key, None)
    await manager.switch_to(MeetingsSG.board)


async def on_phone(message: Message, _w: Any, manager: DialogManager) -> None:
    text = form_text(message, manager, _("Please send the phone number as text."), limit=PHONE_MAX)
    if text is not None:
        await _add_participant(manager, text)


async def on_skip_phone(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _add_participant(manager, None)


# --- filling the list from the child's social map (/map) ----------------------------------


async def get_map_people(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    missing = await social_maps.missing_from_meeting(
        c.session, c.require_actor(), _meeting_id(dialog_manager)
    )
    return {"map_missing": len(missing)}


async def on_fill_from_map(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    try:
        added, left_out = await social_maps.fill_meeting(
            c.session, c.require_actor(), _meeting_id(manager), c.now()
        )
    except DomainError as error:
        if error.code == "access_denied":
            raise
        manager.dialog_data[NOTICE] = _error_text(error)
    else:
        notice = _("Added from the map: {n}. Mark who the child approves.").format(n=added)
        if left_out:
            notice += " " + _error_text(DomainError("meeting_full"))
        manager.dialog_data[NOTICE] = notice
    await manager.switch_to(MeetingsSG.board)


# --- picking someone who already uses the bot -------------------------------------------------

P_PERSON = "p_person"
FOUND = "found_people"  # [[person_id, name], ...] of the last search: the only ids a tap may pick
SEARCHED = "people_search"
CANDIDATES_SHOWN = 8


async def on_people_search(message: Message, _w: Any, manager: DialogManager) -> None:
    not_text = _("Please send a part of the person's name as text.")
    query = form_text(message, manager, not_text, limit=meetings.PEOPLE_QUERY_MAX)
    if query is None:
        return
    c = ctx(manager)
    found = await meetings.candidates(
        c.session, c.require_actor(), query, CANDIDATES_SHOWN, now=c.now()
    )
    manager.dialog_data[SEARCHED] = query
    manager.dialog_data[FOUND] = [[person.person_id, person.name] for person in found]
    if found:
        await manager.switch_to(MeetingsSG.add_pick)


async def get_people_search(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    return {
        "no_match": bool(data.get(SEARCHED)) and not data.get(FOUND),
        "searched": shorten(str(data.get(SEARCHED, "")), 64),
    }


async def on_search_start(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    await authorize(c.session, c.actor, Action.MEETING_MANAGE)
    for key in (FOUND, SEARCHED):
        manager.dialog_data.pop(key, None)
    await manager.switch_to(MeetingsSG.add_search)


async def get_candidates(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    found = dialog_manager.dialog_data.get(FOUND) or []
    return {
        "candidates": [(shorten(str(name), 40), str(person_id)) for person_id, name in found],
        "notice": _take_notice(dialog_manager),
    }


async def on_candidate(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    c = ctx(manager)
    await authorize(c.session, c.actor, Action.MEETING_MANAGE)
    person_id = parse_id(item)
    # Only a person the last search returned may be picked, whatever the button says.
    picked = next(
        (
            (pid, name)
            for pid, name in manager.dialog_data.get(FOUND) or []
            if person_id is not None and pid == person_id
        ),
        None,
    )
    if picked is None:
        _notify(manager, _("This button is out of date."))
        return
    manager.dialog_data[P_PERSON] = picked[0]
    manager.dialog_data["p_name"] = str(picked[1])[:NAME_MAX].strip() or str(picked[0])
    await manager.switch_to(MeetingsSG.add_relation)


# --- editing the topic, format, duration, facilitators, contact or note ----------------------


async def on_details(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    if await _changeable(manager) is not None:
        await manager.switch_to(MeetingsSG.details)


async def get_details(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    meeting = (await _board(dialog_manager)).meeting
    return {
        "topic": shorten(meeting.topic, 200),
        "format": format_name(meeting.format, _),
        "duration": meeting.duration_minutes,
        "facilitators": shorten(meeting.facilitators, 200),
        "contact": shorten(meeting.contact, 200),
        "note": shorten(meeting.note, 600),
    }


async def _save_details(manager: DialogManager, **changes: Any) -> None:
    c = ctx(manager)
    try:
        changed = await meetings.update_details(
            c.session, c.require_actor(), _meeting_id(manager), now=c.now(), **changes
        )
    except DomainError as error:
        if error.code == "access_denied":
            raise
        manager.dialog_data[NOTICE] = _error_text(error)
    else:
        manager.dialog_data[NOTICE] = (
            _(
                "Saved. The invitation shows the new details. Everyone invited who uses the "
                "bot will be told what changed."
            )
            if changed
            else _("Nothing changed: it is the same as before.")
        )
    await manager.switch_to(MeetingsSG.board)


def _details_text_step(field: str, limit: int, empty: str) -> Any:
    async def handler(message: Message, _w: Any, manager: DialogManager) -> None:
        text = form_text(message, manager, _(empty), limit=limit)
        if text is not None:
            await _save_details(manager, **{field: text})

    return handler


on_details_topic = _details_text_step("topic", SHORT_TEXT_MAX, N_("Please send the topic as text."))
on_details_facilitators = _details_text_step(
    "facilitators", SHORT_TEXT_MAX, N_("Please send the facilitators' names as text.")
)
on_details_contact = _details_text_step(
    "contact", SHORT_TEXT_MAX, N_("Please send your contact as text.")
)
on_details_note = _details_text_step("note", NOTE_MAX, N_("Please send a short note as text."))


async def on_details_format(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    if item not in {f.value for f in MeetingFormat}:
        _ignore(manager)
        return
    await _save_details(manager, format=MeetingFormat(item))


async def on_details_duration(
    _c: CallbackQuery, _w: Any, manager: DialogManager, item: str
) -> None:
    if not item.isdigit() or len(item) > 3 or int(item) not in DURATIONS:
        _ignore(manager)
        return
    await _save_details(manager, duration_minutes=int(item))


def _details_step(*widgets: Any, state: Any, getter: Any = None) -> Window:
    getters = [get_input_error, get_details] + ([getter] if getter else [])
    return Window(
        input_error_line(),
        *widgets,
        SwitchTo(T("⬅️ Back"), id=f"{state.state.split(':')[-1]}_back", state=MeetingsSG.details),
        state=state,
        getter=getters,
    )


def details_windows() -> list[Window]:
    return [
        Window(
            T(
                "<b>Edit the details</b>\nTopic: «{topic}»\nFormat: {format}\n"
                "Duration: {duration} min\nFacilitators: {facilitators}\nContact: {contact}\n"
                "Note: {note}\n\nWhat do you want to change?"
            ),
            Row(
                SwitchTo(T("Topic"), id="d_topic", state=MeetingsSG.details_topic),
                SwitchTo(T("Format"), id="d_format", state=MeetingsSG.details_format),
                SwitchTo(T("Duration"), id="d_duration", state=MeetingsSG.details_duration),
            ),
            Row(
                SwitchTo(
                    T("Facilitators"), id="d_facilitators", state=MeetingsSG.details_facilitators
                ),
                SwitchTo(T("Contact"), id="d_contact", state=MeetingsSG.details_contact),
                SwitchTo(T("Note"), id="d_note", state=MeetingsSG.details_note),
            ),
            SwitchTo(T("⬅️ To the meeting"), id="details_back", state=MeetingsSG.board),
            state=MeetingsSG.details,
            getter=get_details,
        ),
        _details_step(
            T(
                "The topic of the meeting in the child's own words, "
                "for example «Я хочу жить с мамой»."
            ),
            T("Now: «{topic}»"),
            MessageInput(on_details_topic),
            state=MeetingsSG.details_topic,
        ),
        _details_step(
            T("The format of the meeting:"),
            T("Now: {format}"),
            choices("format", "formats", on_details_format, width=2),
            state=MeetingsSG.details_format,
            getter=get_formats,
        ),
        _details_step(
            T("How long will the meeting take?"),
            T("Now: {duration} min"),
            choices("duration", "durations", on_details_duration, width=4),
            state=MeetingsSG.details_duration,
            getter=get_durations,
        ),
        _details_step(
            T("Who facilitates the meeting? Send the names of the facilitators."),
            T("Now: {facilitators}"),
            MessageInput(on_details_facilitators),
            state=MeetingsSG.details_facilitators,
        ),
        _details_step(
            T(
                "Your contact for the participants: a phone number or how to reach you. "
                "It is shown in the invitation."
            ),
            T("Now: {contact}"),
            MessageInput(on_details_contact),
            state=MeetingsSG.details_contact,
        ),
        _details_step(
            T(
                "A short note on the situation for the invitation: what the meeting is about, "
                "without private details. Everyone invited will read it."
            ),
            T("Now: {note}"),
            MessageInput(on_details_note),
            state=MeetingsSG.details_note,
        ),
    ]


def _is_planned(data: dict[str, Any], *_: Any) -> bool:
    return bool(data.get("planned"))


def create_meetings_dialog() -> Dialog:
    return Dialog(
        Window(
            T("<b>Upcoming network meetings</b>: {total}", when=lambda d, *_: not d["past"]),
            T("<b>Past and cancelled meetings</b>: {total}", when="past"),
            T(
                "⏳ Waiting for «who came»: {awaiting}. They are at the top of the list: open "
                "one and tap «✅ Held: who came?».",
                when=lambda d, *_: d["past"] and d["awaiting"],
            ),
            T(
                "⏳ Waiting for «who came»: {awaiting} — under «🗂 Past and cancelled».",
                when=lambda d, *_: not d["past"] and d["awaiting"],
            ),
            T("(page {page_no} of {pages})", when=lambda d, *_: d["pages"] > 1),
            T("No meetings here yet.", when=lambda d, *_: not d["total"]),
            T("Tap a meeting to open its board.", when="total"),
            choices("meeting", "items", on_pick_meeting),
            *pager(LIST_SCROLL),
            Start(T("➕ New meeting"), id="new", state=MeetingNewSG.family),
            Button(
                T("🗂 Past and cancelled"),
                id="past",
                on_click=on_toggle_past,
                when=lambda d, *_: not d["past"],
            ),
            Button(T("📅 Upcoming"), id="upcoming", on_click=on_toggle_past, when="past"),
            to_menu(),
            state=MeetingsSG.list,
            getter=get_list,
        ),
        Window(
            T("{notice}\n", when="notice"),
            T("{board}"),
            choices("person", "people", on_pick_participant, width=2),
            SwitchTo(T("➕ Participant"), id="add", state=MeetingsSG.add_kind, when="can_add"),
            Button(
                T("✏️ Change date / time / place"),
                id="change",
                on_click=on_change,
                when="can_change",
            ),
            Button(T("✏️ Edit details"), id="details", on_click=on_details, when="can_change"),
            Button(T("✅ Held: who came?"), id="held", on_click=on_held, when="can_hold"),
            Button(T("✏️ Correct who came"), id="correct", on_click=on_correct, when="can_correct"),
            Button(
                T("📋 Decisions ({decisions})"),
                id="decisions",
                on_click=decisions.on_open,
                when="show_decisions",
            ),
            SwitchTo(
                T("❌ Cancel the meeting"), id="cancel", state=MeetingsSG.cancel, when=_is_planned
            ),
            Button(T("⬅️ All meetings"), id="to_list", on_click=on_back_to_list),
            to_menu(),
            state=MeetingsSG.board,
            getter=[get_board, decisions.get_count],
        ),
        Window(
            T("{notice}\n", when="notice"),
            T(
                "<b>{name}</b>, {relation}\nApproved by the child: ✅ yes",
                when=lambda d, *_: d["found"] and d["approved"],
            ),
            T(
                "<b>{name}</b>, {relation}\nApproved by the child: ❌ not yet",
                when=lambda d, *_: d["found"] and not d["approved"],
            ),
            T("Invitation: {progress}\nAnswer: {answer}", when="found"),
            T("Comment: «{comment}»", when="comment"),
            Button(
                T("❌ Withdraw the approval"),
                id="unapprove",
                on_click=on_toggle_approved,
                when="approved",
            ),
            Button(
                T("✅ The child approved"),
                id="approve",
                on_click=on_toggle_approved,
                when=lambda d, *_: d["found"] and not d["approved"],
            ),
            Button(
                T("🔗 Invite"),
                id="invite",
                on_click=on_invite,
                when=lambda d, *_: d["found"] and not d["invited"],
            ),
            Button(T("🔁 Invite again"), id="reinvite", on_click=on_invite, when="invited"),
            SwitchTo(T("⬅️ To the meeting"), id="to_board", state=MeetingsSG.board),
            state=MeetingsSG.participant,
            getter=get_participant,
        ),
        Window(
            T(
                "Cancel this meeting? Everyone invited who uses the bot will get a message "
                "that it is cancelled."
            ),
            Row(
                Button(T("❌ Yes, cancel it"), id="cancel_yes", on_click=on_cancel_meeting),
                SwitchTo(T("⬅️ No, keep it"), id="cancel_no", state=MeetingsSG.board),
            ),
            state=MeetingsSG.cancel,
        ),
        Window(
            input_error_line(),
            T(
                "<b>New participant</b>\nDoes this person already use the bot? Then pick them: "
                "the invitation comes in the chat. Otherwise add someone new and forward "
                "them a personal link. You can also just send the new person's name."
            ),
            Button(T("👤 Someone who uses the bot"), id="kind_bot", on_click=on_search_start),
            SwitchTo(T("✍️ Someone new"), id="kind_new", state=MeetingsSG.add_name),
            Button(
                T("🗺 From the child's map ({map_missing})"),
                id="kind_map",
                on_click=on_fill_from_map,
                when="map_missing",
            ),
            MessageInput(on_add_name),
            SwitchTo(T("✖️ Cancel"), id="kind_cancel", state=MeetingsSG.board),
            state=MeetingsSG.add_kind,
            getter=[get_input_error, get_map_people],
        ),
        Window(
            input_error_line(),
            T(
                "Nobody who uses the bot matches «{searched}». Try another part of the name, "
                "or add the person as someone new.",
                when="no_match",
            ),
            T(
                "Send a part of the person's name as it shows in Telegram, for example «Ольга».",
                when=lambda d, *_: not d["no_match"],
            ),
            MessageInput(on_people_search),
            SwitchTo(T("✍️ Add as someone new"), id="search_new", state=MeetingsSG.add_name),
            SwitchTo(T("⬅️ Back"), id="search_back", state=MeetingsSG.add_kind),
            state=MeetingsSG.add_search,
            getter=[get_input_error, get_people_search],
        ),
        Window(
            T("{notice}\n", when="notice"),
            T("Who is it? Tap the person."),
            choices("candidate", "candidates", on_candidate, width=2),
            SwitchTo(T("🔎 Search again"), id="pick_again", state=MeetingsSG.add_search),
            SwitchTo(T("✍️ Someone new"), id="pick_new", state=MeetingsSG.add_name),
            SwitchTo(T("✖️ Cancel"), id="pick_cancel", state=MeetingsSG.board),
            state=MeetingsSG.add_pick,
            getter=get_candidates,
        ),
        Window(
            input_error_line(),
            T(
                "<b>New participant</b>\nSend the person's name as the child calls them, "
                "for example «Анна Петровна» or «тётя Света»."
            ),
            MessageInput(on_add_name),
            SwitchTo(T("✖️ Cancel"), id="add_cancel", state=MeetingsSG.board),
            state=MeetingsSG.add_name,
            getter=get_input_error,
        ),
        Window(
            T("Who is «{p_name}» to the child?"),
            choices("relation", "relations", on_relation, width=3),
            SwitchTo(T("⬅️ Back"), id="rel_back", state=MeetingsSG.add_name),
            state=MeetingsSG.add_relation,
            getter=get_relations,
        ),
        Window(
            T(
                "Has the child approved inviting «{p_name}»? "
                "The invitation can be sent only after the child approves."
            ),
            Row(
                Button(T("✅ Yes"), id="approved_yes", on_click=on_approved_yes),
                Button(T("❌ Not yet"), id="approved_no", on_click=on_approved_no),
            ),
            SwitchTo(T("⬅️ Back"), id="appr_back", state=MeetingsSG.add_relation),
            state=MeetingsSG.add_approved,
            getter=get_relations,
        ),
        Window(
            input_error_line(),
            T("The phone number of «{p_name}», if you have it (optional)."),
            MessageInput(on_phone),
            Button(T("➡️ Skip"), id="skip_phone", on_click=on_skip_phone),
            SwitchTo(T("⬅️ Back"), id="phone_back", state=MeetingsSG.add_approved),
            state=MeetingsSG.add_phone,
            getter=[get_input_error, get_relations],
        ),
        Window(
            input_error_line(),
            T("<b>Change the meeting</b>\nNow: {current_when} (family's time), {current_place}."),
            T("The new date (the family's time): tap a day or send it as DD.MM.YYYY."),
            MessageInput(on_date_text),
            choices("day", "days", on_day, width=4),
            Button(T("➡️ Keep {current_date}"), id="keep_date", on_click=on_keep_date),
            SwitchTo(T("✖️ Cancel"), id="change_cancel", state=MeetingsSG.board),
            state=MeetingsSG.edit_date,
            getter=[get_input_error, get_dates, get_change],
        ),
        Window(
            input_error_line(),
            T("The time on {day} (the family's time): tap one or send it as HH:MM."),
            MessageInput(on_time_text),
            choices("time", "times", on_time, width=3),
            Button(T("➡️ Keep {current_time}"), id="keep_time", on_click=on_keep_time),
            SwitchTo(T("⬅️ Back"), id="etime_back", state=MeetingsSG.edit_date),
            state=MeetingsSG.edit_time,
            getter=[get_input_error, get_times, get_change],
        ),
        Window(
            input_error_line(),
            T("The place: send the new address or a short description, or keep «{current_place}»."),
            MessageInput(on_change_place),
            Button(T("➡️ Keep the place"), id="keep_place", on_click=on_keep_place),
            SwitchTo(T("⬅️ Back"), id="eplace_back", state=MeetingsSG.edit_time),
            state=MeetingsSG.edit_place,
            getter=[get_input_error, get_change],
        ),
        Window(
            T(
                "<b>Check the change</b>\nWhen: {new_when} (family's time)\nPlace: {new_place}\n\n"
                "Everyone invited who uses the bot will get a message saying what changed."
            ),
            Button(T("✅ Save the change"), id="change_save", on_click=on_change_save),
            SwitchTo(T("⬅️ Back"), id="econfirm_back", state=MeetingsSG.edit_place),
            SwitchTo(T("✖️ Cancel"), id="econfirm_cancel", state=MeetingsSG.board),
            state=MeetingsSG.edit_confirm,
            getter=get_change,
        ),
        Window(
            T("{notice}\n", when="notice"),
            T(
                "<b>Who came?</b> Tick everyone who was at the meeting, then save. Those who use "
                "the bot will get a short feedback survey.",
                when=lambda d, *_: not d["correcting"],
            ),
            T(
                "<b>Correct who came.</b> Tick everyone who was at the meeting, then save. Those "
                "newly ticked who use the bot will get the feedback survey; those unticked will "
                "not get it or its reminder if it has not gone out yet.",
                when="correcting",
            ),
            checklist(CAME, "everyone", width=2),
            Button(T("💾 Save"), id="held_save", on_click=on_held_save),
            SwitchTo(T("⬅️ To the meeting"), id="held_back", state=MeetingsSG.board),
            state=MeetingsSG.held,
            getter=get_held,
        ),
        *decisions.windows(),
        *details_windows(),
        on_start=on_list_start,
    )
