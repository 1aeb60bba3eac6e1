"""/meetings for coordinators: upcoming and past network meetings, and a meeting's board with its
participants, one participant (the child's approval, the personal invitation) and cancelling.

The board's other buttons open dialogs of their own, each in its module: adding people
(add_people.py), changing the date, time or place (change.py), the details (details.py), who came
(attendance.py), the decisions (decisions.py), the facilitators' assessment of the process
(process.py) and the record two weeks after (follow_up.py); planning a new meeting is new.py.
They get the meeting in their start data and close back to the board with a notice for it
(common.py). The board's text is board.py.

Every getter and button goes through bot/services/meetings.py, which checks the rights again;
ids that came with a button are parsed defensively and must belong to the open meeting.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiogram.types import BufferedInputFile, CallbackQuery
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode
from aiogram_dialog.widgets.kbd import Button, Row, Start, SwitchTo

from bot.clock import zone_or
from bot.dialogs.context import ctx
from bot.dialogs.meetings import attendance, decisions, follow_up, process
from bot.dialogs.meetings.board import (
    board_text,
    relation_name,
    rsvp_name,
    srs_summary_text,
)
from bot.dialogs.meetings.common import (
    LIST_SCROLL,
    MEETING_ID,
    NOTICE,
    PARTICIPANT_ID,
    change_refusal,
    for_meeting,
    leave_as_is,
    load_board,
    meeting_error,
    meeting_id_of,
    notify,
    on_board_result,
    take_notice,
)
from bot.dialogs.meetings.details import reason_text
from bot.dialogs.meetings.new import FAMILY_TZ
from bot.dialogs.meetings.states import (
    MeetingAddSG,
    MeetingChangeSG,
    MeetingDetailsSG,
    MeetingNewSG,
    MeetingsSG,
)
from bot.dialogs.paging import PAGE_SIZE, current_page, page_data, pager
from bot.dialogs.widgets import Dialog, Html, T, Window, choices, parse_id, shorten, to_menu
from bot.qr import qr_png
from bot.services import invitations, meeting_evidence, meetings, srs
from bot.services.access import Action, authorize
from bot.services.errors import DomainError

# --- the list -------------------------------------------------------------------------------


async def on_list_start(start_data: Any, manager: DialogManager) -> None:
    c = ctx(manager)
    await authorize(c.session, c.actor, Action.MEETING_MANAGE)
    if isinstance(start_data, dict) and parse_id(start_data.get(MEETING_ID)) is not None:
        manager.dialog_data[MEETING_ID] = parse_id(start_data[MEETING_ID])
        if start_data.get(NOTICE):  # from a form opened under a reminder
            manager.dialog_data[NOTICE] = str(start_data[NOTICE])
        await manager.switch_to(MeetingsSG.board)


def _when(starts_at: datetime, zone: str) -> str:
    return starts_at.astimezone(zone_or(zone)).strftime("%d.%m.%Y %H:%M")


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
        leave_as_is(manager)
        return
    manager.dialog_data[MEETING_ID] = meeting_id
    await manager.switch_to(MeetingsSG.board)


# --- the board ------------------------------------------------------------------------------


async def get_board(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    board = await load_board(dialog_manager)
    planned = board.meeting.status == "planned"
    started = c.now() >= board.meeting.starts_at
    held = board.meeting.status == "held"
    feedback = feedback_compact = ""
    if held:
        found = await srs.summary(c.session, c.require_actor(), board.meeting.id, c.content.srs)
        feedback = srs_summary_text(found, c.content.srs, c.locale, _)
        feedback_compact = srs_summary_text(found, c.content.srs, c.locale, _, reflections=False)
    evidence = await meeting_evidence.evidence(
        c.session, c.require_actor(), board.meeting.id, c.now()
    )
    evidence_lines = [
        process.process_line(evidence.process, c.content.meetings, c.locale)
        if evidence.process
        else "",
        follow_up.follow_up_line(evidence),
    ]
    evidence_compact = [evidence_lines[0], follow_up.follow_up_line(evidence, words=False)]
    text = board_text(
        board,
        _,
        feedback,
        reason=reason_text(board.meeting.reason, c) if board.meeting.reason else "",
        evidence="\n".join(line for line in evidence_lines if line),
        compact_tail=(feedback_compact, "\n".join(line for line in evidence_compact if line)),
    )
    return {
        "board": Html(text),
        "held": held,
        "can_reason": board.meeting.status != "cancelled" and not (planned and not started),
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
        "notice": take_notice(dialog_manager),
    }


async def on_pick_participant(
    _c: CallbackQuery, _w: Any, manager: DialogManager, item: str
) -> None:
    participant_id = parse_id(item)
    board = await load_board(manager)
    if all(line.participant_id != participant_id for line in board.lines):
        # Not this meeting's person: a stale or forged button.
        notify(manager, _("This button is out of date."))
        return
    manager.dialog_data[PARTICIPANT_ID] = participant_id
    await manager.switch_to(MeetingsSG.participant)


async def on_add(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await manager.start(MeetingAddSG.kind, data=for_meeting(manager))


async def _changeable(manager: DialogManager) -> meetings.Board | None:
    """The board, if its meeting can still be moved or edited; otherwise the board says why."""
    c = ctx(manager)
    board = await load_board(manager)
    refusal = change_refusal(board, c.now())
    if refusal is None:
        return board
    manager.dialog_data[NOTICE] = meeting_error(DomainError(refusal))
    await manager.switch_to(MeetingsSG.board)
    return None


async def on_change(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    board = await _changeable(manager)
    if board is not None:
        data = for_meeting(manager, **{FAMILY_TZ: board.meeting.timezone})
        await manager.start(MeetingChangeSG.date, data=data)


async def on_details(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    if await _changeable(manager) is not None:
        await manager.start(MeetingDetailsSG.menu, data=for_meeting(manager))


async def on_reason(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    """Why the meeting is called, for a meeting under way or past (planned ones: «✏️ Edit
    details»)."""
    await manager.start(MeetingDetailsSG.reason, data=for_meeting(manager))


async def on_cancel_meeting(callback: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    done = await meetings.cancel(c.session, c.require_actor(), meeting_id_of(manager), c.now())
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


# --- one participant ------------------------------------------------------------------------


async def _line(manager: DialogManager) -> meetings.BoardLine | None:
    participant_id = parse_id(manager.dialog_data.get(PARTICIPANT_ID))
    board = await load_board(manager)
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
        "notice": take_notice(dialog_manager),
    }


async def on_toggle_approved(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    line = await _line(manager)
    if line is None:
        leave_as_is(manager)
        return
    await meetings.set_approved(
        c.session, c.require_actor(), line.participant_id, not line.approved, c.now()
    )


async def on_invite(callback: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    line = await _line(manager)
    if line is None:
        leave_as_is(manager)
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
        notify(manager, meeting_error(error))
        return
    if invited.token is None:
        notify(
            manager,
            _("{name} already uses the bot: the invitation was sent in the chat.").format(
                name=shorten(line.name, 80)
            ),
        )
        return
    # The link must work the moment it is shown: it can be opened before this update ends.
    await c.session.commit()
    me = await c.bot.me()
    link = invitations.invitation_link(me.username, invited.token)
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


# --- the dialog -----------------------------------------------------------------------------


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
            Button(T("➕ Participant"), id="add", on_click=on_add, when="can_add"),
            Button(
                T("✏️ Change date / time / place"),
                id="change",
                on_click=on_change,
                when="can_change",
            ),
            Button(T("✏️ Edit details"), id="details", on_click=on_details, when="can_change"),
            Button(
                T("✅ Held: who came?"), id="held", on_click=attendance.on_held, when="can_hold"
            ),
            Button(
                T("✏️ Correct who came"),
                id="correct",
                on_click=attendance.on_correct,
                when="can_correct",
            ),
            Button(
                T("📋 Decisions ({decisions})"),
                id="decisions",
                on_click=decisions.on_open,
                when="show_decisions",
            ),
            Row(
                Button(
                    T("🧭 Process assessment"),
                    id="process",
                    on_click=process.on_board_button,
                    when="held",
                ),
                Button(
                    T("🗓 Two weeks after"),
                    id="follow_up",
                    on_click=follow_up.on_board_button,
                    when="held",
                ),
            ),
            Button(T("🎯 Why the meeting"), id="reason", on_click=on_reason, when="can_reason"),
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
        on_start=on_list_start,
        on_process_result=on_board_result,
    )
