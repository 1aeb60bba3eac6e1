"""A participant's network meeting invitation: the details, Приду / Не смогу / Пока не знаю, a
comment for the coordinator.

Opened after the consent of a personal link (handlers/start.py), by «Open the invitation» under
the outbox message (handlers/meetings.py), or from the menu's «📩 My meetings» (the list).
The participant id lives in dialog_data (never in callback data), and every render and press goes
through services.meetings, which re-checks that the presser is that participant.
Participants see first names and relations of the others, never a surname or the family's name.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiogram.enums import ContentType
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode, StartMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, SwitchTo

from bot.db.models import MeetingStatus, Rsvp
from bot.dialogs.context import ctx
from bot.dialogs.meeting_invite.states import MeetingInviteSG
from bot.dialogs.widgets import (
    Dialog,
    Html,
    T,
    Window,
    choices,
    form_text,
    get_input_error,
    input_error_line,
    parse_id,
    to_menu,
)
from bot.i18n import N_
from bot.labels import MEETING_FORMATS as FORMAT_NAMES
from bot.labels import RELATIONS as RELATION_NAMES
from bot.labels import RSVPS as RSVP_LABELS
from bot.markup import escape
from bot.services import meetings
from bot.services.errors import DomainError
from bot.services.meetings import InvitationView

PARTICIPANT_ID = "participant_id"
NOTICE = "notice"
# Telegram counts 4096 UTF-16 units after entity parsing; the rest of the window (a notice line)
# needs a little room too.
TEXT_BUDGET = 3800

WEEKDAYS = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)

SAVED = N_("Thank you! Your answer is saved. You can change it until the meeting starts.")
COMMENT_SAVED = N_("Thank you! Your comment is saved: the coordinator will see it.")
CLOSED = N_("Answers are closed now, so nothing was changed.")

Gettext = Callable[[str], str]


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def visible_length(html_text: str) -> int:
    """What Telegram counts: the text without tags and with entities decoded."""
    return _utf16_len(html.unescape(re.sub(r"<[^>]+>", "", html_text)))


def _zone(moment: datetime, zone: str) -> str:
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"{zone}, UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def _duration(minutes: int, _: Gettext) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return _("{minutes} min").format(minutes=rest)
    if not rest:
        return _("{hours} h").format(hours=hours)
    return _("{hours} h {minutes} min").format(hours=hours, minutes=rest)


def _status_lines(view: InvitationView, _: Gettext) -> list[str]:
    if view.status == MeetingStatus.CANCELLED:
        return [_("❌ This meeting has been cancelled. Thank you for being ready to come.")]
    if view.status == MeetingStatus.HELD:
        return [_("This meeting has taken place. Thank you!")]
    if not view.can_answer:
        return [_("The meeting has begun, so answers are closed now.")]
    if view.rsvp in RSVP_LABELS:
        return [
            _("Your answer: <b>{answer}</b>").format(answer=_(RSVP_LABELS[view.rsvp])),
            _("You can change it until the meeting starts."),
        ]
    return [_("Will you come? Please choose below: you can change your answer later.")]


def invitation_text(view: InvitationView, _: Gettext, *, timezone: str) -> str:
    """The invitation as HTML, within Telegram's limit: a long list of invitees is shortened."""
    start = view.starts_local
    head = [
        # Neutral first line: it is what a lock screen shows.
        _("📩 <b>An invitation to a meeting</b>"),
        "",
        # Written as a person would say it: no «(а)» or «него (неё)»; the child's name stays in
        # the nominative (Russian names are not declined by the bot).
        _(
            "You are one of the people {child} holds dear. We invite you to a network meeting: "
            "the people close to the child come together to think about how to help."
        ).format(child=escape(view.child_name)),
        "",
        _("<b>The situation</b>"),
        escape(view.note),
        "",
        _("<b>Topic:</b> «{topic}»").format(topic=escape(view.topic)),
        _("<b>Format:</b> {format}").format(
            format=_(FORMAT_NAMES[view.format]) if view.format in FORMAT_NAMES else view.format
        ),
        _("<b>Date:</b> {date}, {weekday}").format(
            date=start.strftime("%d.%m.%Y"), weekday=_(WEEKDAYS[start.weekday()])
        ),
        _("<b>Time:</b> {time} (local time: {zone})").format(
            time=start.strftime("%H:%M"), zone=escape(_zone(start, timezone))
        ),
        _("<b>Place:</b> {place}").format(place=escape(view.place)),
        _("<b>Duration:</b> {duration}").format(duration=_duration(view.duration_minutes, _)),
        _("<b>Facilitators:</b> {facilitators}").format(facilitators=escape(view.facilitators)),
        _("<b>Coordinator's contact:</b> {contact}").format(contact=escape(view.contact)),
    ]
    tail = ["", *_status_lines(view, _)]
    if view.comment:
        tail.append(_("Your comment: {comment}").format(comment=escape(view.comment)))
    others = [
        "• {name} ({relation})".format(
            name=escape(o.name),
            relation=_(RELATION_NAMES[o.relation]) if o.relation in RELATION_NAMES else "",
        )
        for o in view.others
    ]

    def build(shown: int) -> str:
        listing: list[str] = []
        if others:
            listing = ["", _("<b>Also invited:</b>"), *others[:shown]]
            if shown < len(others):
                listing.append(_("… and {count} more").format(count=len(others) - shown))
        return "\n".join([*head, *listing, *tail])

    shown = len(others)
    text = build(shown)
    while shown > 0 and visible_length(text) > TEXT_BUDGET:
        shown -= 1
        text = build(shown)
    return text


# --- opening ---------------------------------------------------------------------------------


async def open_invitation(
    manager: DialogManager,
    participant_id: int,
    *,
    mode: StartMode = StartMode.NORMAL,
    show_mode: ShowMode | None = None,
) -> None:
    await manager.start(
        MeetingInviteSG.view, data={PARTICIPANT_ID: participant_id}, mode=mode, show_mode=show_mode
    )


async def on_start(data: Any, manager: DialogManager) -> None:
    if isinstance(data, dict) and isinstance(data.get(PARTICIPANT_ID), int):
        manager.dialog_data[PARTICIPANT_ID] = data[PARTICIPANT_ID]


def _participant_id(manager: DialogManager) -> int:
    value = manager.dialog_data.get(PARTICIPANT_ID)
    if not isinstance(value, int):
        raise DomainError("participant_not_found")
    return value


# --- the list of their meetings ------------------------------------------------------------


async def get_list(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    rows = await meetings.my_invitations(c.session, c.require_actor(), c.now())
    items = [
        (
            # The list is «Your meetings»: the child's name says which one, no label needed.
            "{date} {time} · {child}".format(
                date=start.strftime("%d.%m"), time=start.strftime("%H:%M"), child=child
            ),
            str(participant_id),
        )
        for participant_id, start, child in rows
    ]
    return {"items": items, "none": not items}


async def on_pick(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    participant_id = parse_id(item)
    if participant_id is None:
        manager.show_mode = ShowMode.NO_UPDATE
        return
    c = ctx(manager)
    # Rights before anything is kept: a forged id is refused here (and audited).
    await meetings.invitation_view(c.session, c.actor, participant_id, c.now())
    manager.dialog_data[PARTICIPANT_ID] = participant_id
    await manager.switch_to(MeetingInviteSG.view)


# --- the invitation --------------------------------------------------------------------------


async def get_invitation(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    view = await meetings.invitation_view(
        c.session, c.actor, _participant_id(dialog_manager), c.now()
    )
    notice = dialog_manager.dialog_data.pop(NOTICE, None)
    zone = view.starts_local.tzinfo
    answers = [
        (("✅ " if view.rsvp == value else "") + _(label), value)
        for value, label in RSVP_LABELS.items()
        if view.can_answer  # after the start or a cancellation the buttons are gone
    ]
    return {
        # A blank line sets it apart from the invitation above.
        "notice": "\n" + _(notice) if notice in (SAVED, COMMENT_SAVED, CLOSED) else "",
        "body": Html(invitation_text(view, _, timezone=str(zone) if zone else "")),
        "can_answer": view.can_answer,
        "answers": answers,
        "comment": view.comment or "",
        "has_pin": view.latitude is not None and view.longitude is not None,
    }


async def on_answer(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    if item not in RSVP_LABELS:
        manager.show_mode = ShowMode.NO_UPDATE
        return
    c = ctx(manager)
    try:
        changed = await meetings.answer(
            c.session, c.actor, _participant_id(manager), Rsvp(item), c.now()
        )
    except DomainError as error:
        if error.code != "meeting_answers_closed":
            raise
        manager.dialog_data[NOTICE] = CLOSED  # the window now says why, without the buttons
        return
    if not changed:
        manager.show_mode = ShowMode.NO_UPDATE  # a second tap on the same answer
        return
    manager.dialog_data[NOTICE] = SAVED


async def on_pin(callback: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    view = await meetings.invitation_view(c.session, c.actor, _participant_id(manager), c.now())
    manager.show_mode = ShowMode.NO_UPDATE  # the invitation stays as it is, the pin comes below
    if view.latitude is None or view.longitude is None:
        return
    await c.bot.send_location(
        callback.from_user.id, latitude=view.latitude, longitude=view.longitude
    )


async def on_comment_button(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    view = await meetings.invitation_view(c.session, c.actor, _participant_id(manager), c.now())
    if not view.can_answer:
        manager.dialog_data[NOTICE] = CLOSED
        return
    await manager.switch_to(MeetingInviteSG.comment)


async def get_comment(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    view = await meetings.invitation_view(
        c.session, c.actor, _participant_id(dialog_manager), c.now()
    )
    return {"comment": view.comment or "", "limit": meetings.COMMENT_MAX}


async def on_comment(message: Message, _w: Any, manager: DialogManager) -> None:
    not_text = _("Please write your comment as text, or tap «Back».")
    text = form_text(message, manager, not_text, limit=meetings.COMMENT_MAX)
    if text is None:
        return
    c = ctx(manager)
    try:
        await meetings.comment(c.session, c.actor, _participant_id(manager), text, c.now())
    except DomainError as error:
        if error.code != "meeting_answers_closed":
            raise
        manager.dialog_data[NOTICE] = CLOSED
        await manager.switch_to(MeetingInviteSG.view)
        return
    manager.dialog_data[NOTICE] = COMMENT_SAVED
    await manager.switch_to(MeetingInviteSG.view)


def create_meeting_invite_dialog() -> Dialog:
    return Dialog(
        Window(
            T("📩 <b>Your meetings</b>"),
            T("You have no meetings coming up.", when="none"),
            T("Choose one to see the invitation:", when="items"),
            choices("pick", "items", on_pick),
            to_menu(),
            state=MeetingInviteSG.list,
            getter=get_list,
        ),
        Window(
            T("{body}"),
            T("{notice}", when="notice"),
            choices("rsvp", "answers", on_answer),
            Button(T("💬 Comment"), id="comment", on_click=on_comment_button, when="can_answer"),
            Button(T("📍 The place on the map"), id="pin", on_click=on_pin, when="has_pin"),
            to_menu(),
            state=MeetingInviteSG.view,
            getter=get_invitation,
        ),
        Window(
            input_error_line(),
            T(
                "Write a comment for the coordinator in one message (up to {limit} characters): "
                "for example, what would help you come."
            ),
            T("\nYour comment now: {comment}", when="comment"),
            MessageInput(on_comment, content_types=ContentType.ANY),
            SwitchTo(T("⬅️ Back"), id="back", state=MeetingInviteSG.view),
            state=MeetingInviteSG.comment,
            getter=[get_input_error, get_comment],
        ),
        on_start=on_start,
    )
