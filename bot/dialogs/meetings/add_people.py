"""The board's «➕ Participant»: someone who already uses the bot (found by a part of their name:
the invitation comes in the chat), someone new (name, who they are to the child, the child's
approval, a phone), or everyone from the child's social map (/map) who is not on the list yet.
Adding closes back to the board with what happened.

Every getter and button goes through bot/services/meetings.py and social_maps.py, which check the
rights again; a picked person must be one the last search returned.
"""

from __future__ import annotations

from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Cancel, Row, SwitchTo

from bot.db.models import Relation
from bot.dialogs.context import ctx
from bot.dialogs.meetings.board import RELATION_NAMES
from bot.dialogs.meetings.common import (
    back_to_board,
    leave_as_is,
    meeting_error,
    meeting_id_of,
    notify,
    on_start_for_meeting,
    take_notice,
)
from bot.dialogs.meetings.states import MeetingAddSG
from bot.dialogs.widgets import (
    Dialog,
    T,
    Window,
    choices,
    form_text,
    get_input_error,
    input_error_line,
    parse_id,
    shorten,
)
from bot.services import meetings, social_maps
from bot.services.access import Action, authorize
from bot.services.errors import DomainError
from bot.services.meetings import NAME_MAX, PHONE_MAX

P_PERSON = "p_person"
FOUND = "found_people"  # [[person_id, name], ...] of the last search: the only ids a tap may pick
SEARCHED = "people_search"
CANDIDATES_SHOWN = 8


# --- someone new --------------------------------------------------------------------------


async def on_add_name(message: Message, _w: Any, manager: DialogManager) -> None:
    text = form_text(message, manager, _("Please send the person's name as text."), limit=NAME_MAX)
    if text is None:
        return
    manager.dialog_data["p_name"] = text
    manager.dialog_data.pop(P_PERSON, None)  # someone new: no bot user behind the name
    await manager.switch_to(MeetingAddSG.relation)


async def get_relations(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    return {
        "relations": [(_(name), relation.value) for relation, name in RELATION_NAMES.items()],
        "p_name": dialog_manager.dialog_data.get("p_name", ""),
    }


async def on_relation(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    if item not in {r.value for r in Relation}:
        leave_as_is(manager)
        return
    manager.dialog_data["p_relation"] = item
    await manager.switch_to(MeetingAddSG.approved)


async def _approved(manager: DialogManager, approved: bool) -> None:
    manager.dialog_data["p_approved"] = approved
    if manager.dialog_data.get(P_PERSON) is not None:
        # A bot user is invited in the chat: no phone is needed.
        await _add_participant(manager, None)
    else:
        await manager.switch_to(MeetingAddSG.phone)


async def on_approved_yes(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _approved(manager, True)


async def on_approved_no(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _approved(manager, False)


async def _add_participant(manager: DialogManager, phone: str | None) -> None:
    c = ctx(manager)
    data = manager.dialog_data
    if "p_name" not in data or "p_relation" not in data:
        await back_to_board(manager)
        return
    try:
        participant = await meetings.add_participant(
            c.session,
            c.require_actor(),
            meeting_id_of(manager),
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
        notice = meeting_error(error)
    else:
        notice = _("{name} is added.").format(name=shorten(participant.name, 80))
    await back_to_board(manager, notice)


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
        c.session, c.require_actor(), meeting_id_of(dialog_manager)
    )
    return {"map_missing": len(missing)}


async def on_fill_from_map(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    try:
        added, left_out = await social_maps.fill_meeting(
            c.session, c.require_actor(), meeting_id_of(manager), c.now()
        )
    except DomainError as error:
        if error.code == "access_denied":
            raise
        notice = meeting_error(error)
    else:
        notice = _("Added from the map: {n}. Mark who the child approves.").format(n=added)
        if left_out:
            notice += " " + meeting_error(DomainError("meeting_full"))
    await back_to_board(manager, notice)


# --- picking someone who already uses the bot -------------------------------------------------


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
        await manager.switch_to(MeetingAddSG.pick)


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
    await manager.switch_to(MeetingAddSG.search)


async def get_candidates(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    found = dialog_manager.dialog_data.get(FOUND) or []
    return {
        "candidates": [(shorten(str(name), 40), str(person_id)) for person_id, name in found],
        "notice": take_notice(dialog_manager),
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
        notify(manager, _("This button is out of date."))
        return
    manager.dialog_data[P_PERSON] = picked[0]
    manager.dialog_data["p_name"] = str(picked[1])[:NAME_MAX].strip() or str(picked[0])
    await manager.switch_to(MeetingAddSG.relation)


def create_add_people_dialog() -> Dialog:
    return Dialog(
        Window(
            input_error_line(),
            T(
                "<b>New participant</b>\nDoes this person already use the bot? Then pick them: "
                "the invitation comes in the chat. Otherwise add someone new and forward "
                "them a personal link. You can also just send the new person's name."
            ),
            Button(T("👤 Someone who uses the bot"), id="kind_bot", on_click=on_search_start),
            SwitchTo(T("✍️ Someone new"), id="kind_new", state=MeetingAddSG.name),
            Button(
                T("🗺 From the child's map ({map_missing})"),
                id="kind_map",
                on_click=on_fill_from_map,
                when="map_missing",
            ),
            MessageInput(on_add_name),
            Cancel(T("✖️ Cancel"), id="kind_cancel"),
            state=MeetingAddSG.kind,
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
            SwitchTo(T("✍️ Add as someone new"), id="search_new", state=MeetingAddSG.name),
            SwitchTo(T("⬅️ Back"), id="search_back", state=MeetingAddSG.kind),
            state=MeetingAddSG.search,
            getter=[get_input_error, get_people_search],
        ),
        Window(
            T("{notice}\n", when="notice"),
            T("Who is it? Tap the person."),
            choices("candidate", "candidates", on_candidate, width=2),
            SwitchTo(T("🔎 Search again"), id="pick_again", state=MeetingAddSG.search),
            SwitchTo(T("✍️ Someone new"), id="pick_new", state=MeetingAddSG.name),
            Cancel(T("✖️ Cancel"), id="pick_cancel"),
            state=MeetingAddSG.pick,
            getter=get_candidates,
        ),
        Window(
            input_error_line(),
            T(
                "<b>New participant</b>\nSend the person's name as the child calls them, "
                "for example «Анна Петровна» or «тётя Света»."
            ),
            MessageInput(on_add_name),
            Cancel(T("✖️ Cancel"), id="add_cancel"),
            state=MeetingAddSG.name,
            getter=get_input_error,
        ),
        Window(
            T("Who is «{p_name}» to the child?"),
            choices("relation", "relations", on_relation, width=3),
            SwitchTo(T("⬅️ Back"), id="rel_back", state=MeetingAddSG.name),
            state=MeetingAddSG.relation,
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
            SwitchTo(T("⬅️ Back"), id="appr_back", state=MeetingAddSG.relation),
            state=MeetingAddSG.approved,
            getter=get_relations,
        ),
        Window(
            input_error_line(),
            T("The phone number of «{p_name}», if you have it (optional)."),
            MessageInput(on_phone),
            Button(T("➡️ Skip"), id="skip_phone", on_click=on_skip_phone),
            SwitchTo(T("⬅️ Back"), id="phone_back", state=MeetingAddSG.approved),
            state=MeetingAddSG.phone,
            getter=[get_input_error, get_relations],
        ),
        on_start=on_start_for_meeting,
    )
