"""The record two weeks after a held meeting: how the child is now (their words), how the family
is now, each open decision done or not (and why), whether a new social map and a new meeting are
needed, then a check and Save; done again, it starts from what was saved.

It opens from the board («🗓 Two weeks after», closed back to the board) and from the button
under the two-week reminder (bot/handlers/meeting_decisions.py; it ends on the meeting's board).
The board's and the family case's short lines on it are here too.

Every getter and button goes through bot/services/meeting_evidence.py, which checks the rights
again; the decisions are read afresh from the meeting, never taken from a button.
"""

from __future__ import annotations

from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, StartMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Row, SwitchTo

from bot.db.models import MeetingDecision, MeetingFollowUp
from bot.dialogs.context import Ctx, ctx
from bot.dialogs.meetings.common import (
    MEETING_ID,
    NOTICE,
    back_to_board,
    for_meeting,
    meeting_error,
    meeting_id_of,
    on_start_for_meeting,
)
from bot.dialogs.meetings.states import MeetingFollowUpSG, MeetingsSG
from bot.dialogs.widgets import (
    Dialog,
    Html,
    T,
    Window,
    form_text,
    get_input_error,
    input_error_line,
    shorten,
)
from bot.i18n import N_
from bot.markup import escape
from bot.services import meeting_evidence
from bot.services.errors import DomainError
from bot.services.meeting_evidence import NOW_MAX, WHY_MAX, Evidence, FollowUpDraft, Outcome
from bot.services.meetings import local_start

FROM_REMINDER = "from_reminder"  # start data: opened under the reminder, so it ends on the board
CHILD, FAMILY, OUTCOMES, INDEX = "f_child", "f_family", "f_outcomes", "f_index"
NEW_MAP, NEW_MEETING = "f_new_map", "f_new_meeting"
CASE_SHOWN = 2  # the family's latest records on its case, their words cut shorter
CASE_WORDS = 80
WORDS_SHOWN = 120


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def decisions_part(total: int, done: int, not_done: int) -> str:
    if not total:
        return _("no decisions")
    return _("decisions done {done} of {total}, not done {not_done}").format(
        done=done, total=total, not_done=not_done
    )


def follow_up_line(evidence: Evidence, *, words: bool = True) -> str:
    """The board's lines on the record (its words shortened; left out without `words`)."""
    record = evidence.follow_up
    if record is None:
        return ""
    lines = [
        _(
            "<b>Two weeks after</b>: {decisions}; new social map: {new_map}; new meeting: "
            "{new_meeting}"
        ).format(
            decisions=decisions_part(evidence.decisions, evidence.done, evidence.not_done),
            new_map=_yes_no(record.new_map_needed),
            new_meeting=_yes_no(record.new_meeting_needed),
        )
    ]
    if words:
        lines.extend(_words_lines(record, WORDS_SHOWN))
    return "\n".join(lines)


def _words_lines(record: MeetingFollowUp, limit: int) -> list[str]:
    lines = []
    if record.child_now:
        lines.append(
            _("The child now: «{words}»").format(words=escape(shorten(record.child_now, limit)))
        )
    if record.family_now:
        lines.append(
            _("The family now: «{words}»").format(words=escape(shorten(record.family_now, limit)))
        )
    return lines


async def case_lines(c: Ctx, family_id: int) -> list[str]:
    """The family case's section: its meetings' two-week records, latest first (coordinators
    only; the service audits the view)."""
    found = await meeting_evidence.family_follow_ups(c.session, c.actor, family_id, c.now())
    if not found:
        return []
    lines = ["", _("<b>Network meetings, two weeks after</b>")]
    for item in found[:CASE_SHOWN]:
        lines.append(
            _(
                "• {day} ({child}): {decisions}; new social map: {new_map}; new meeting: "
                "{new_meeting}"
            ).format(
                day=local_start(item.meeting).strftime("%d.%m.%Y"),
                child=escape(item.meeting.child_name),
                decisions=decisions_part(item.decisions, item.done, item.not_done),
                new_map=_yes_no(item.record.new_map_needed),
                new_meeting=_yes_no(item.record.new_meeting_needed),
            )
        )
        lines.extend("  " + line for line in _words_lines(item.record, CASE_WORDS))
    if len(found) > CASE_SHOWN:
        lines.append(
            _("…and {n} earlier, on the meetings' boards.").format(n=len(found) - CASE_SHOWN)
        )
    return lines


# --- the form -----------------------------------------------------------------------------------


async def on_board_button(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await manager.start(MeetingFollowUpSG.child, data=for_meeting(manager))


async def on_start(start_data: Any, manager: DialogManager) -> None:
    await on_start_for_meeting(start_data, manager)
    c = ctx(manager)
    form = await meeting_evidence.open_follow_up(
        c.session, c.actor, meeting_id_of(manager), c.now()
    )
    record = form.record
    data = manager.dialog_data
    data[FROM_REMINDER] = isinstance(start_data, dict) and bool(start_data.get(FROM_REMINDER))
    data[CHILD] = record.child_now if record else None
    data[FAMILY] = record.family_now if record else None
    data[NEW_MAP] = record.new_map_needed if record else None
    data[NEW_MEETING] = record.new_meeting_needed if record else None
    data[OUTCOMES] = {}
    data[INDEX] = 0


async def _leave(manager: DialogManager, notice: str | None = None) -> None:
    """Back to the board: the one under this dialog, or (opened under the reminder) a new one."""
    if manager.dialog_data.get(FROM_REMINDER):
        data: dict[str, Any] = {MEETING_ID: meeting_id_of(manager)}
        if notice:
            data[NOTICE] = notice
        await manager.start(MeetingsSG.board, data=data, mode=StartMode.RESET_STACK)
    else:
        await back_to_board(manager, notice)


async def on_to_board(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _leave(manager)


async def _form(manager: DialogManager) -> meeting_evidence.FollowUpForm:
    c = ctx(manager)
    return await meeting_evidence.follow_up_form(
        c.session, c.require_actor(), meeting_id_of(manager)
    )


async def get_head(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    form = await _form(dialog_manager)
    return {
        "child": form.meeting.child_name,
        "when": local_start(form.meeting).strftime("%d.%m.%Y"),
        "child_now": shorten(str(data.get(CHILD) or ""), 600),
        "family_now": shorten(str(data.get(FAMILY) or ""), 600),
    }


def _text_step(key: str, hint: str, next_state: Any) -> Any:
    async def handler(message: Message, _w: Any, manager: DialogManager) -> None:
        text = form_text(message, manager, _(hint), limit=NOW_MAX)
        if text is None:
            return
        manager.dialog_data[key] = text
        await manager.switch_to(next_state)

    return handler


on_child = _text_step(
    CHILD, N_("Please send how the child is now as text, or tap «Skip»."), MeetingFollowUpSG.family
)
on_family = _text_step(
    FAMILY,
    N_("Please send how the family is now as text, or tap «Skip»."),
    MeetingFollowUpSG.decision,
)


# decisions, one at a time


def _current(
    manager: DialogManager, rows: list[MeetingDecision]
) -> tuple[int, MeetingDecision | None]:
    raw = manager.dialog_data.get(INDEX)
    index = raw if isinstance(raw, int) and raw >= 0 else 0
    return index, rows[index] if index < len(rows) else None


async def get_decision(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    form = await _form(dialog_manager)
    rows = form.open_decisions
    index, decision = _current(dialog_manager, rows)
    if decision is None:
        return {
            "found": False,
            "number": 0,
            "count": len(rows),
            "what": "",
            "who": "",
            "due": "",
            "earlier": "",
            "marked": "",
        }
    outcome = (dialog_manager.dialog_data.get(OUTCOMES) or {}).get(str(decision.id))
    if outcome is None:
        marked = ""
    elif outcome.get("done"):
        marked = _("done")
    else:
        marked = _("not done: {why}").format(why=shorten(str(outcome.get("why") or ""), 200))
    return {
        "found": True,
        "number": index + 1,
        "count": len(rows),
        "what": shorten(decision.what, 200),
        "who": shorten(decision.who, 60),
        "due": decision.due_date.strftime("%d.%m.%Y"),
        "earlier": shorten(decision.not_done_reason or "", 200),
        "marked": marked,
    }


async def _next_decision(manager: DialogManager) -> None:
    form = await _form(manager)
    index, _decision = _current(manager, form.open_decisions)
    if index + 1 < len(form.open_decisions):
        manager.dialog_data[INDEX] = index + 1
        await manager.switch_to(MeetingFollowUpSG.decision)
    else:
        await manager.switch_to(MeetingFollowUpSG.new_map)


async def _set_outcome(manager: DialogManager, value: dict[str, Any] | None) -> bool:
    """Sets the current decision's outcome; False when there is none (nothing open)."""
    form = await _form(manager)
    _index, decision = _current(manager, form.open_decisions)
    if decision is None:
        await manager.switch_to(MeetingFollowUpSG.new_map)
        return False
    outcomes = dict(manager.dialog_data.get(OUTCOMES) or {})
    if value is None:
        outcomes.pop(str(decision.id), None)
    else:
        outcomes[str(decision.id)] = value
    manager.dialog_data[OUTCOMES] = outcomes
    return True


async def on_done(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    if await _set_outcome(manager, {"done": True}):
        await _next_decision(manager)


async def on_not_done(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    form = await _form(manager)
    if _current(manager, form.open_decisions)[1] is None:
        await manager.switch_to(MeetingFollowUpSG.new_map)
        return
    await manager.switch_to(MeetingFollowUpSG.why)


async def on_unknown(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    if await _set_outcome(manager, None):
        await _next_decision(manager)


async def on_why(message: Message, _w: Any, manager: DialogManager) -> None:
    text = form_text(
        message,
        manager,
        _("Please send in a few words why it was not done."),
        limit=WHY_MAX,
        one_line=True,
    )
    if text is None:
        return
    if await _set_outcome(manager, {"done": False, "why": text}):
        await _next_decision(manager)


async def on_decision_back(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    index = manager.dialog_data.get(INDEX)
    if isinstance(index, int) and index > 0:
        manager.dialog_data[INDEX] = index - 1
    else:
        await manager.switch_to(MeetingFollowUpSG.family)


async def on_map_back(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    form = await _form(manager)
    if form.open_decisions:
        manager.dialog_data[INDEX] = len(form.open_decisions) - 1
        await manager.switch_to(MeetingFollowUpSG.decision)
    else:
        await manager.switch_to(MeetingFollowUpSG.family)


def _yes_no_handler(key: str, next_state: Any) -> Any:
    async def handler(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
        manager.dialog_data[key] = button.widget_id is not None and button.widget_id.endswith(
            "_yes"
        )
        await manager.switch_to(next_state)

    return handler


on_new_map = _yes_no_handler(NEW_MAP, MeetingFollowUpSG.new_meeting)
on_new_meeting = _yes_no_handler(NEW_MEETING, MeetingFollowUpSG.summary)


def _outcomes(manager: DialogManager, rows: list[MeetingDecision]) -> list[Outcome]:
    """The form's outcomes of decisions still open (one done meanwhile elsewhere drops out)."""
    chosen = manager.dialog_data.get(OUTCOMES) or {}
    found = []
    for row in rows:
        value = chosen.get(str(row.id))
        if isinstance(value, dict):
            found.append(Outcome(row.id, bool(value.get("done")), value.get("why")))
    return found


async def get_summary(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    form = await _form(dialog_manager)
    data = dialog_manager.dialog_data
    outcomes = {o.decision_id: o for o in _outcomes(dialog_manager, form.open_decisions)}
    lines = []
    for row in form.open_decisions:
        outcome = outcomes.get(row.id)
        if outcome is None:
            mark = _("⏳ not known yet")
        elif outcome.done:
            mark = _("✅ done")
        else:
            mark = _("❌ not done: {why}").format(why=escape(shorten(outcome.why or "", 120)))
        lines.append(f"• {escape(shorten(row.what, 80))} — {mark}")
    return {
        "child_now": shorten(str(data.get(CHILD) or "—"), 600),
        "family_now": shorten(str(data.get(FAMILY) or "—"), 600),
        "decisions": Html("\n".join(lines) if lines else _("No open decisions.")),
        "new_map": _yes_no(bool(data.get(NEW_MAP))),
        "new_meeting": _yes_no(bool(data.get(NEW_MEETING))),
    }


async def on_save(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    data = manager.dialog_data
    if data.get(NEW_MAP) is None:
        await manager.switch_to(MeetingFollowUpSG.new_map)
        return
    if data.get(NEW_MEETING) is None:
        await manager.switch_to(MeetingFollowUpSG.new_meeting)
        return
    form = await _form(manager)
    draft = FollowUpDraft(
        child_now=data.get(CHILD),
        family_now=data.get(FAMILY),
        outcomes=tuple(_outcomes(manager, form.open_decisions)),
        new_map_needed=bool(data.get(NEW_MAP)),
        new_meeting_needed=bool(data.get(NEW_MEETING)),
    )
    try:
        await meeting_evidence.save_follow_up(
            c.session, c.require_actor(), form.meeting.id, draft, c.now()
        )
    except DomainError as error:
        if error.code == "access_denied":
            raise
        await _leave(manager, meeting_error(error))
        return
    await _leave(manager, _("The record of two weeks after is saved."))


def _to_board() -> Button:
    return Button(T("⬅️ To the meeting"), id="follow_up_to_board", on_click=on_to_board)


def create_follow_up_dialog() -> Dialog:
    return Dialog(
        Window(
            input_error_line(),
            T(
                "<b>Two weeks after the meeting</b> of {when} (child: {child})\n"
                "How is the child now? Their own words if you can, for example «Я теперь "
                "живу с мамой»."
            ),
            T("Now: «{child_now}»", when="child_now"),
            MessageInput(on_child),
            SwitchTo(T("➡️ Skip"), id="follow_up_child_skip", state=MeetingFollowUpSG.family),
            _to_board(),
            state=MeetingFollowUpSG.child,
            getter=[get_input_error, get_head],
        ),
        Window(
            input_error_line(),
            T("How is the family now? A few words."),
            T("Now: «{family_now}»", when="family_now"),
            MessageInput(on_family),
            SwitchTo(T("➡️ Skip"), id="follow_up_family_skip", state=MeetingFollowUpSG.decision),
            SwitchTo(T("⬅️ Back"), id="follow_up_family_back", state=MeetingFollowUpSG.child),
            state=MeetingFollowUpSG.family,
            getter=[get_input_error, get_head],
        ),
        Window(
            T(
                "Decision {number} of {count}: «{what}» — {who}, by {due}\nWas it done?",
                when="found",
            ),
            T("Marked not done before: {earlier}", when="earlier"),
            T("Now: {marked}", when="marked"),
            T("No decisions are open: nothing to mark.", when=lambda d, *_: not d["found"]),
            Row(
                Button(T("✅ Done"), id="follow_up_done", on_click=on_done, when="found"),
                Button(
                    T("❌ Not done"), id="follow_up_not_done", on_click=on_not_done, when="found"
                ),
            ),
            Button(
                T("⏳ Not known yet"), id="follow_up_unknown", on_click=on_unknown, when="found"
            ),
            SwitchTo(
                T("➡️ Next"),
                id="follow_up_decisions_next",
                state=MeetingFollowUpSG.new_map,
                when=lambda d, *_: not d["found"],
            ),
            Button(T("⬅️ Back"), id="follow_up_decision_back", on_click=on_decision_back),
            state=MeetingFollowUpSG.decision,
            getter=get_decision,
        ),
        Window(
            input_error_line(),
            T("«{what}»\nWhy was it not done? A few words."),
            MessageInput(on_why),
            SwitchTo(T("⬅️ Back"), id="follow_up_why_back", state=MeetingFollowUpSG.decision),
            state=MeetingFollowUpSG.why,
            getter=[get_input_error, get_decision],
        ),
        Window(
            T("Is a new social map of the child needed, to compare with the one before?"),
            Row(
                Button(T("✅ Yes"), id="follow_up_map_yes", on_click=on_new_map),
                Button(T("❌ No"), id="follow_up_map_no", on_click=on_new_map),
            ),
            Button(T("⬅️ Back"), id="follow_up_map_back", on_click=on_map_back),
            state=MeetingFollowUpSG.new_map,
        ),
        Window(
            T("Is a new network meeting needed?"),
            Row(
                Button(T("✅ Yes"), id="follow_up_meeting_yes", on_click=on_new_meeting),
                Button(T("❌ No"), id="follow_up_meeting_no", on_click=on_new_meeting),
            ),
            SwitchTo(T("⬅️ Back"), id="follow_up_meeting_back", state=MeetingFollowUpSG.new_map),
            state=MeetingFollowUpSG.new_meeting,
        ),
        Window(
            T(
                "<b>Check the record of two weeks after</b>\nThe child now: {child_now}\n"
                "The family now: {family_now}\nDecisions:\n{decisions}\n"
                "New social map needed: {new_map}\nNew meeting needed: {new_meeting}"
            ),
            Button(T("✅ Save"), id="follow_up_save", on_click=on_save),
            SwitchTo(
                T("✏️ Again from the start"), id="follow_up_again", state=MeetingFollowUpSG.child
            ),
            SwitchTo(T("⬅️ Back"), id="follow_up_summary_back", state=MeetingFollowUpSG.new_meeting),
            _to_board(),
            state=MeetingFollowUpSG.summary,
            getter=get_summary,
        ),
        on_start=on_start,
    )
