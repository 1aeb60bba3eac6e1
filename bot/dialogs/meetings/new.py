"""Planning a network meeting: the wizard from the family to Save. Its date, time and place steps
also serve the board's "change date / time / place" (change.py)."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta
from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, StartMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Back, Button, Row, SwitchTo

from bot.clock import zone_or
from bot.db.models import MeetingFormat
from bot.dialogs.context import ctx
from bot.dialogs.family_picker import family_search, get_families, picked_family
from bot.dialogs.meetings.board import FORMAT_NAMES, format_name
from bot.dialogs.meetings.common import (
    DATE_DAYS,
    MEETING_ID,
    TIME_BUTTONS,
    leave_as_is,
    meeting_error,
)
from bot.dialogs.meetings.states import MeetingChangeSG, MeetingNewSG, MeetingsSG
from bot.dialogs.widgets import (
    Dialog,
    T,
    Window,
    choices,
    form_text,
    get_input_error,
    input_error_line,
    show_input_error,
    to_menu,
)
from bot.i18n import N_
from bot.services import meetings
from bot.services.access import Action, authorize
from bot.services.errors import DomainError
from bot.services.meeting_evidence import check_reason
from bot.services.meetings import (
    CHILD_NAME_MAX,
    DURATIONS,
    NOTE_MAX,
    SHORT_TEXT_MAX,
    MeetingDraft,
)

# --- a new meeting --------------------------------------------------------------------------

DRAFT_KEY = "draft_key"
FAMILY_ID, FAMILY_NAME, FAMILY_TZ = "family_id", "family_name", "family_tz"
TO_SUMMARY = "to_summary"  # once the summary was seen, a changed step returns there


async def on_new_start(_data: Any, manager: DialogManager) -> None:
    c = ctx(manager)
    await authorize(c.session, c.actor, Action.MEETING_MANAGE)
    # One key per form: a double tap on Save finds the meeting the first tap made.
    manager.dialog_data[DRAFT_KEY] = secrets.token_hex(16)


async def _advance(manager: DialogManager, state: Any) -> None:
    if manager.dialog_data.get(TO_SUMMARY):
        await manager.switch_to(MeetingNewSG.summary)
    else:
        await manager.switch_to(state)


def _family_now(manager: DialogManager) -> datetime:
    c = ctx(manager)
    zone = zone_or(manager.dialog_data.get(FAMILY_TZ), c.settings.default_timezone)
    return c.now().astimezone(zone).replace(tzinfo=None)


async def on_family(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    family = await picked_family(manager, item, action=Action.MEETING_MANAGE, open_only=True)
    if family is None:
        return
    manager.dialog_data.update(
        {FAMILY_ID: family.id, FAMILY_NAME: family.name, FAMILY_TZ: family.timezone}
    )
    await _advance(manager, MeetingNewSG.child)


def _text_step(key: str, limit: int, empty: str, next_state: Any, *, one_word: bool = False) -> Any:
    async def handler(message: Message, _w: Any, manager: DialogManager) -> None:
        text = form_text(message, manager, _(empty), limit=limit)
        if text is None:
            return
        if one_word and len(text.split()) > 1:
            show_input_error(
                manager, _("Please send only the child's first name, without the surname.")
            )
            return
        manager.dialog_data[key] = text
        await _advance(manager, next_state)

    return handler


on_child = _text_step(
    "child",
    CHILD_NAME_MAX,
    N_("Please send the child's first name as text."),
    MeetingNewSG.topic,
    one_word=True,
)
on_topic = _text_step(
    "topic", SHORT_TEXT_MAX, N_("Please send the topic as text."), MeetingNewSG.reason
)
on_facilitators = _text_step(
    "facilitators",
    SHORT_TEXT_MAX,
    N_("Please send the facilitators' names as text."),
    MeetingNewSG.contact,
)
on_contact = _text_step(
    "contact", SHORT_TEXT_MAX, N_("Please send your contact as text."), MeetingNewSG.note
)
on_note = _text_step(
    "note", NOTE_MAX, N_("Please send a short note as text."), MeetingNewSG.summary
)


async def get_reasons(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    return {"reasons": [(item.label(c.locale), item.code) for item in c.content.meetings.reasons]}


async def on_reason(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    try:
        manager.dialog_data["reason"] = check_reason(item, ctx(manager).content.meetings)
    except DomainError:
        leave_as_is(manager)  # a retired code or a forged button
        return
    await _advance(manager, MeetingNewSG.format)


async def get_formats(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    return {"formats": [(_(name), fmt.value) for fmt, name in FORMAT_NAMES.items()]}


async def on_format(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    if item not in {f.value for f in MeetingFormat}:
        leave_as_is(manager)
        return
    manager.dialog_data["format"] = item
    await _advance(manager, MeetingNewSG.date)


# date and time


def _editing(manager: DialogManager) -> bool:
    """The date and time steps serve the wizard and the board's change of a planned meeting."""
    return manager.current_context().state in (MeetingChangeSG.date, MeetingChangeSG.time)


async def get_dates(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    today = _family_now(dialog_manager).date()
    days = []
    for n in range(DATE_DAYS):
        day = today + timedelta(days=n)
        label = day.strftime("%d.%m")
        if n == 0:
            label = _("Today, {day}").format(day=label)
        elif n == 1:
            label = _("Tomorrow, {day}").format(day=label)
        days.append((label, day.isoformat()))
    return {"days": days, "family": dialog_manager.dialog_data.get(FAMILY_NAME, "")}


async def accept_date(manager: DialogManager, picked: date) -> None:
    if picked < _family_now(manager).date():
        show_input_error(manager, _("That day has already passed: please choose a later date."))
        return
    manager.dialog_data["date"] = picked.isoformat()
    if _editing(manager):
        await manager.switch_to(MeetingChangeSG.time)
    else:
        await manager.switch_to(MeetingNewSG.time)


async def on_day(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    try:
        picked = date.fromisoformat(item)
    except ValueError:
        leave_as_is(manager)
        return
    await accept_date(manager, picked)


async def on_date_text(message: Message, _w: Any, manager: DialogManager) -> None:
    try:
        picked = datetime.strptime((message.text or "").strip(), "%d.%m.%Y").date()
    except ValueError:
        show_input_error(manager, _("Please send the date as DD.MM.YYYY, for example 05.12.2026."))
        return
    if picked > _family_now(manager).date() + timedelta(days=366):
        show_input_error(manager, _("That is more than a year ahead: please check the date."))
        return
    await accept_date(manager, picked)


async def get_times(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    raw = dialog_manager.dialog_data.get("date")
    picked = date.fromisoformat(raw) if raw else _family_now(dialog_manager).date()
    return {
        "times": [(t, t) for t in TIME_BUTTONS],
        "day": picked.strftime("%d.%m.%Y"),
    }


async def accept_time(manager: DialogManager, picked: time) -> None:
    raw = manager.dialog_data.get("date")
    editing = _editing(manager)
    if not raw:
        await manager.switch_to(MeetingChangeSG.date if editing else MeetingNewSG.date)
        return
    starts = datetime.combine(date.fromisoformat(raw), picked)
    if starts <= _family_now(manager):
        show_input_error(manager, _("That time has already passed: please choose a later time."))
        return
    manager.dialog_data["time"] = picked.strftime("%H:%M")
    if editing:
        await manager.switch_to(MeetingChangeSG.place)
    else:
        await _advance(manager, MeetingNewSG.place)


async def on_time(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    try:
        picked = datetime.strptime(item, "%H:%M").time()
    except ValueError:
        leave_as_is(manager)
        return
    await accept_time(manager, picked)


async def on_time_text(message: Message, _w: Any, manager: DialogManager) -> None:
    try:
        picked = datetime.strptime((message.text or "").strip(), "%H:%M").time()
    except ValueError:
        show_input_error(manager, _("Please send the time as HH:MM, for example 17:30."))
        return
    await accept_time(manager, picked)


# place


def place_text(message: Message, manager: DialogManager) -> str | None:
    """The place typed at the wizard's step or at the board's change of place."""
    hint = _("Please send the address or a description as text.")
    return form_text(message, manager, hint, limit=SHORT_TEXT_MAX)


async def on_place(message: Message, _w: Any, manager: DialogManager) -> None:
    if message.location is not None:
        manager.dialog_data["lat"] = message.location.latitude
        manager.dialog_data["lon"] = message.location.longitude
        return
    text = place_text(message, manager)
    if text is None:
        return
    manager.dialog_data["place"] = text
    await _advance(manager, MeetingNewSG.duration)


async def on_see_pin(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    if manager.dialog_data.get("lat") is None:
        leave_as_is(manager)
        return
    manager.dialog_data["place"] = _("see the pin")
    await _advance(manager, MeetingNewSG.duration)


async def get_place(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    return {"pin": dialog_manager.dialog_data.get("lat") is not None}


async def get_durations(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    return {
        "durations": [(_("{n} min").format(n=n), str(n)) for n in DURATIONS],
    }


async def on_duration(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    if not item.isdigit() or len(item) > 3 or int(item) not in DURATIONS:
        leave_as_is(manager)
        return
    manager.dialog_data["duration"] = int(item)
    await _advance(manager, MeetingNewSG.facilitators)


# summary and save


async def get_summary(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    data[TO_SUMMARY] = True
    raw_date = data.get("date")
    return {
        "family": data.get(FAMILY_NAME, ""),
        "child": data.get("child", ""),
        "topic": data.get("topic", ""),
        "format": format_name(data.get("format", ""), _),
        "reason": ctx(dialog_manager).content.meetings.reason_label(
            str(data.get("reason", "")), ctx(dialog_manager).locale
        ),
        "when": "{} {}".format(
            date.fromisoformat(raw_date).strftime("%d.%m.%Y") if raw_date else "",
            data.get("time", ""),
        ),
        "place": data.get("place", ""),
        "pin": " 📍" if data.get("lat") is not None else "",
        "duration": data.get("duration", ""),
        "facilitators": data.get("facilitators", ""),
        "contact": data.get("contact", ""),
        "note": data.get("note", ""),
    }


async def on_save(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    data = manager.dialog_data
    data[TO_SUMMARY] = True
    missing = next(
        (
            state
            for key, state in (
                (FAMILY_ID, MeetingNewSG.family),
                ("child", MeetingNewSG.child),
                ("topic", MeetingNewSG.topic),
                ("reason", MeetingNewSG.reason),
                ("format", MeetingNewSG.format),
                ("date", MeetingNewSG.date),
                ("time", MeetingNewSG.time),
                ("place", MeetingNewSG.place),
                ("duration", MeetingNewSG.duration),
                ("facilitators", MeetingNewSG.facilitators),
                ("contact", MeetingNewSG.contact),
                ("note", MeetingNewSG.note),
            )
            if data.get(key) in (None, "")
        ),
        None,
    )
    if missing is not None:
        await manager.switch_to(missing)
        return
    draft = MeetingDraft(
        child_name=data["child"],
        topic=data["topic"],
        format=MeetingFormat(data["format"]),
        starts_local=datetime.combine(
            date.fromisoformat(data["date"]), datetime.strptime(data["time"], "%H:%M").time()
        ),
        place=data["place"],
        duration_minutes=int(data["duration"]),
        facilitators=data["facilitators"],
        contact=data["contact"],
        note=data["note"],
        latitude=data.get("lat"),
        longitude=data.get("lon"),
        reason=data["reason"],
    )
    try:
        meeting = await meetings.create(
            c.session,
            c.require_actor(),
            int(data[FAMILY_ID]),
            draft,
            draft_key=data[DRAFT_KEY],
            now=c.now(),
        )
    except DomainError as error:
        if error.code == "access_denied":
            raise
        show_input_error(manager, meeting_error(error))
        state = MeetingNewSG.time if error.code == "meeting_in_past" else MeetingNewSG.family
        await manager.switch_to(state)
        return
    await manager.start(MeetingsSG.board, data={MEETING_ID: meeting.id}, mode=StartMode.RESET_STACK)


def _step(*widgets: Any, state: Any, getter: Any = None) -> Window:
    getters = [get_input_error] + ([getter] if getter else [])
    return Window(
        input_error_line(),
        *widgets,
        to_menu(T("✖️ Cancel")),
        state=state,
        getter=getters,
    )


def create_meeting_new_dialog() -> Dialog:
    return Dialog(
        _step(
            T("<b>New network meeting</b>\nWhich family is it for?"),
            *family_search(on_family),
            state=MeetingNewSG.family,
            getter=get_families,
        ),
        _step(
            T(
                "The child's first name, as the child likes to be called. "
                "Only the first name, no surname: it is shown to everyone invited."
            ),
            MessageInput(on_child),
            Back(T("⬅️ Back")),
            state=MeetingNewSG.child,
        ),
        _step(
            T(
                "The topic of the meeting in the child's own words, "
                "for example «Я хочу жить с мамой»."
            ),
            MessageInput(on_topic),
            Back(T("⬅️ Back")),
            state=MeetingNewSG.topic,
        ),
        _step(
            T("Why is the meeting called? Only the coordinators see this, nobody invited does."),
            choices("reason", "reasons", on_reason),
            Back(T("⬅️ Back")),
            state=MeetingNewSG.reason,
            getter=get_reasons,
        ),
        _step(
            T("The format of the meeting:"),
            choices("format", "formats", on_format, width=2),
            Back(T("⬅️ Back")),
            state=MeetingNewSG.format,
            getter=get_formats,
        ),
        _step(
            T(
                "The date of the meeting (the family's time): tap a day or send a date "
                "as DD.MM.YYYY."
            ),
            MessageInput(on_date_text),
            choices("day", "days", on_day, width=4),
            Back(T("⬅️ Back")),
            state=MeetingNewSG.date,
            getter=get_dates,
        ),
        _step(
            T("The time on {day} (the family's time): tap one or send it as HH:MM."),
            MessageInput(on_time_text),
            choices("time", "times", on_time, width=3),
            SwitchTo(T("⬅️ Back"), id="time_back", state=MeetingNewSG.date),
            state=MeetingNewSG.time,
            getter=get_times,
        ),
        _step(
            T(
                "Where is the meeting? Send the address or a short description. "
                "You can also send a location pin.",
                when=lambda d, *_: not d["pin"],
            ),
            T(
                "📍 The pin is saved. Now send the address or a short description, "
                "or tap «See the pin».",
                when="pin",
            ),
            MessageInput(on_place),
            Button(T("📍 See the pin"), id="see_pin", on_click=on_see_pin, when="pin"),
            SwitchTo(T("⬅️ Back"), id="place_back", state=MeetingNewSG.time),
            state=MeetingNewSG.place,
            getter=get_place,
        ),
        _step(
            T("How long will the meeting take?"),
            choices("duration", "durations", on_duration, width=4),
            SwitchTo(T("⬅️ Back"), id="dur_back", state=MeetingNewSG.place),
            state=MeetingNewSG.duration,
            getter=get_durations,
        ),
        _step(
            T("Who facilitates the meeting? Send the names of the facilitators."),
            MessageInput(on_facilitators),
            SwitchTo(T("⬅️ Back"), id="fac_back", state=MeetingNewSG.duration),
            state=MeetingNewSG.facilitators,
        ),
        _step(
            T(
                "Your contact for the participants: a phone number or how to reach you. "
                "It is shown in the invitation."
            ),
            MessageInput(on_contact),
            Back(T("⬅️ Back")),
            state=MeetingNewSG.contact,
        ),
        _step(
            T(
                "A short note on the situation for the invitation: what the meeting is about, "
                "without private details. Everyone invited will read it."
            ),
            MessageInput(on_note),
            Back(T("⬅️ Back")),
            state=MeetingNewSG.note,
        ),
        _step(
            T(
                "<b>Check the meeting</b>\n"
                "Family: {family}\nChild: {child}\nTopic: «{topic}»\nWhy: {reason}\n"
                "Format: {format}\n"
                "When: {when} (family's time)\nPlace: {place}{pin}\nDuration: {duration} min\n"
                "Facilitators: {facilitators}\nContact: {contact}\nNote: {note}"
            ),
            Button(T("✅ Save"), id="save", on_click=on_save),
            Row(
                SwitchTo(T("✏️ Date"), id="edit_date", state=MeetingNewSG.date),
                SwitchTo(T("✏️ Place"), id="edit_place", state=MeetingNewSG.place),
                SwitchTo(T("✏️ Note"), id="edit_note", state=MeetingNewSG.note),
            ),
            state=MeetingNewSG.summary,
            getter=get_summary,
        ),
        on_start=on_new_start,
    )
