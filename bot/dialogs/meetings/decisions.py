"""The board's «📋 Decisions»: the list (✅ done / ⏳ open with its date), adding one (what → who
→ by when) and marking one done with a tap; its own dialog, closed back to the board. The board's
button and its count are here too.

Every getter and button goes through bot/services/meeting_decisions.py, which checks the rights
again; a tapped id must be one of this meeting's open decisions.
"""

from __future__ import annotations

import html
from datetime import date, timedelta
from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Cancel, SwitchTo

from bot.db.models import Meeting, MeetingStatus
from bot.dialogs.context import ctx
from bot.dialogs.meetings.common import for_meeting, meeting_id_of, on_start_for_meeting
from bot.dialogs.meetings.states import MeetingDecisionsSG
from bot.dialogs.widgets import (
    Dialog,
    Html,
    T,
    Window,
    choices,
    day_input,
    error_text,
    form_text,
    get_input_error,
    input_error_line,
    shorten,
    show_input_error,
)
from bot.i18n import N_
from bot.markup import escape
from bot.services import meeting_decisions
from bot.services.errors import DomainError
from bot.services.meeting_decisions import MAX_DECISIONS, WHAT_MAX, WHO_MAX

WHAT, WHO = "d_what", "d_who"
NOTICE, SHOWN = "d_notice", "d_shown_notice"
TEXT_LIMIT = 3800
# (what, who) lengths tried in turn until the list fits in one message.
SHORTENINGS = ((160, 60), (80, 40), (40, 24), (24, 16))
DUE_OFFSETS = (0, 1, 3, 7, 14, 30)  # date buttons: days after the first possible day

ERRORS = {
    "meeting_not_planned": N_("This meeting was cancelled: it has no decisions to record."),
    "meeting_not_found": N_("This meeting was not found."),
    "decision_due_before_meeting": N_(
        "That day is before the meeting: please choose the meeting's day or later."
    ),
    "decision_due_past": N_("That day has already passed: please choose a later date."),
    "decision_due_far": N_("That is more than a year ahead: please check the date."),
    "decision_too_many": N_("This meeting already has the most decisions it can have."),
    "decision_what_empty": N_("Please send what was decided as text."),
    "decision_what_long": N_("That is a bit long: please keep it shorter."),
    "decision_who_empty": N_("Please send who will do it as text."),
    "decision_who_long": N_("That is a bit long: please keep it shorter."),
}


def meeting_error(error: DomainError) -> str:
    return error_text(ERRORS, error)


async def _meeting(manager: DialogManager) -> Meeting:
    c = ctx(manager)
    return await meeting_decisions.meeting_for(c.session, c.actor, meeting_id_of(manager))


def notify(manager: DialogManager, text: str) -> None:
    """The same line again would leave the message as it is, which Telegram refuses to edit."""
    if manager.dialog_data.get(SHOWN) == text:
        manager.show_mode = ShowMode.NO_UPDATE
    else:
        manager.dialog_data[NOTICE] = text


# --- the board's button ------------------------------------------------------------------------


async def get_count(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    meeting = await _meeting(dialog_manager)
    count = await meeting_decisions.count_for_meeting(c.session, c.require_actor(), meeting.id)
    return {
        "decisions": count,
        "show_decisions": meeting.status != MeetingStatus.CANCELLED or count > 0,
    }


async def on_open(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await manager.start(MeetingDecisionsSG.list, data=for_meeting(manager))


# --- the list ------------------------------------------------------------------------------


def decisions_text(rows: list[Any], gettext: Any) -> str:
    if not rows:
        return gettext("No decisions recorded yet.")
    text = ""
    for what_limit, who_limit in SHORTENINGS:
        lines = []
        for n, row in enumerate(rows, start=1):
            mark = "✅" if row.done_at is not None else "⏳"
            lines.append(
                gettext("{n}. {mark} {what} — {who}, by {due}").format(
                    n=n,
                    mark=mark,
                    what=escape(shorten(row.what, what_limit)),
                    who=escape(shorten(row.who, who_limit)),
                    due=row.due_date.strftime("%d.%m.%Y"),
                )
            )
        text = "\n".join(lines)
        if len(html.unescape(text)) <= TEXT_LIMIT:
            break
    return text


async def get_list(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    meeting = await _meeting(dialog_manager)
    rows = await meeting_decisions.for_meeting(c.session, c.require_actor(), meeting.id)
    notice = str(dialog_manager.dialog_data.pop(NOTICE, ""))
    dialog_manager.dialog_data[SHOWN] = notice
    open_rows = [row for row in rows if row.done_at is None]
    return {
        "child": meeting.child_name,
        "count": len(rows),
        "list": Html(decisions_text(rows, _)),
        "open": [
            (
                "✅ {due} · {what}".format(
                    due=row.due_date.strftime("%d.%m"), what=shorten(row.what, 40)
                ),
                str(row.id),
            )
            for row in open_rows
        ],
        "has_open": bool(open_rows),
        "can_add": meeting.status != MeetingStatus.CANCELLED and len(rows) < MAX_DECISIONS,
        "d_notice": notice,
    }


async def on_done(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    c = ctx(manager)
    meeting = await _meeting(manager)
    rows = await meeting_decisions.for_meeting(c.session, c.require_actor(), meeting.id)
    picked = next((row for row in rows if str(row.id) == item and len(item) <= 9), None)
    if picked is None:
        notify(manager, _("This button is out of date."))  # another meeting's id: forged
        return
    done = await meeting_decisions.mark_done(c.session, c.require_actor(), picked.id, c.now())
    notify(
        manager,
        _("Marked as done: «{what}».").format(what=shorten(picked.what, 60))
        if done
        else _("This decision was already marked as done."),
    )


# --- adding one ----------------------------------------------------------------------------


async def on_what(message: Message, _w: Any, manager: DialogManager) -> None:
    text = form_text(
        message, manager, _("Please send what was decided as text."), limit=WHAT_MAX, one_line=True
    )
    if text is None:
        return
    manager.dialog_data[WHAT] = text
    await manager.switch_to(MeetingDecisionsSG.who)


async def on_who(message: Message, _w: Any, manager: DialogManager) -> None:
    text = form_text(
        message, manager, _("Please send who will do it as text."), limit=WHO_MAX, one_line=True
    )
    if text is None:
        return
    manager.dialog_data[WHO] = text
    await manager.switch_to(MeetingDecisionsSG.due)


async def get_draft(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    return {
        "d_what": shorten(str(dialog_manager.dialog_data.get(WHAT, "")), 120),
        "d_who": shorten(str(dialog_manager.dialog_data.get(WHO, "")), 60),
    }


async def get_days(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    meeting = await _meeting(dialog_manager)
    first = max(
        meeting_decisions.meeting_day(meeting), meeting_decisions.family_today(meeting, c.now())
    )
    days = []
    for offset in DUE_OFFSETS:
        day = first + timedelta(days=offset)
        days.append((day.strftime("%d.%m.%Y"), day.isoformat()))
    return {"days": days}


async def _save(manager: DialogManager, due: date) -> None:
    c = ctx(manager)
    data = manager.dialog_data
    if WHAT not in data or WHO not in data:
        await manager.switch_to(MeetingDecisionsSG.list)  # a stale step: nothing to save
        return
    try:
        decision = await meeting_decisions.add(
            c.session,
            c.require_actor(),
            meeting_id_of(manager),
            data[WHAT],
            data[WHO],
            due,
            c.now(),
        )
    except DomainError as error:
        if error.code == "access_denied":
            raise
        if error.code.startswith("decision_due"):
            show_input_error(manager, meeting_error(error))  # pick another day
            return
        data[NOTICE] = meeting_error(error)
    else:
        data[NOTICE] = _("The decision is saved: «{what}», by {due}.").format(
            what=shorten(decision.what, 60), due=decision.due_date.strftime("%d.%m.%Y")
        )
    data.pop(WHAT, None)
    data.pop(WHO, None)
    await manager.switch_to(MeetingDecisionsSG.list)


on_day, on_date_text = day_input(_save)


def create_decisions_dialog() -> Dialog:
    return Dialog(
        Window(
            T("{d_notice}\n", when="d_notice"),
            T("<b>Decisions of the meeting</b> (child: {child}): {count}"),
            T("{list}"),
            T("\nTap an open decision to mark it done.", when="has_open"),
            choices("decision", "open", on_done),
            SwitchTo(
                T("➕ Decision"), id="decision_add", state=MeetingDecisionsSG.what, when="can_add"
            ),
            Cancel(T("⬅️ To the meeting"), id="decisions_back"),
            state=MeetingDecisionsSG.list,
            getter=get_list,
        ),
        Window(
            input_error_line(),
            T(
                "<b>New decision</b>\nWhat was decided? For example «Find a tutor in maths» "
                "or «Visit grandmother on Sundays»."
            ),
            MessageInput(on_what),
            SwitchTo(T("✖️ Cancel"), id="decision_cancel", state=MeetingDecisionsSG.list),
            state=MeetingDecisionsSG.what,
            getter=get_input_error,
        ),
        Window(
            input_error_line(),
            T("«{d_what}»\nWho will do it? Send a name or a role, for example «мама» or «Ольга»."),
            MessageInput(on_who),
            SwitchTo(T("⬅️ Back"), id="decision_who_back", state=MeetingDecisionsSG.what),
            state=MeetingDecisionsSG.who,
            getter=[get_input_error, get_draft],
        ),
        Window(
            input_error_line(),
            T(
                "«{d_what}» — {d_who}\nBy when (the family's calendar)? Tap a day or send it as "
                "DD.MM.YYYY."
            ),
            MessageInput(on_date_text),
            choices("decision_day", "days", on_day, width=3),
            SwitchTo(T("⬅️ Back"), id="decision_due_back", state=MeetingDecisionsSG.who),
            state=MeetingDecisionsSG.due,
            getter=[get_input_error, get_draft, get_days],
        ),
        on_start=on_start_for_meeting,
    )
