"""Network meetings: a changed time, place or other detail, the reminders 24 h and 2 h before,
the SRS survey after the meeting and the coordinator's alert on low SRS answers.

The first line never names the child or the family: it shows on a locked screen.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.content import Content
from bot.db.models import MeetingFormat
from bot.delivery.render import Outgoing, Translator, message_kind
from bot.i18n import N_
from bot.labels import MEETING_FORMATS
from bot.markup import escape
from bot.notifications.meetings import open_button
from bot.services.meetings import CHANGE_KIND, REMINDER_KIND
from bot.services.srs import ALERT_KIND, SURVEY_KIND


def _format(code: Any, t: Translator) -> str:
    try:
        return t.gettext(MEETING_FORMATS[MeetingFormat(code)])
    except ValueError:
        return escape(code)


def _duration(minutes: Any, t: Translator) -> str:
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return t.gettext("{minutes} min").format(minutes=rest)
    if not rest:
        return t.gettext("{hours} h").format(hours=hours)
    return t.gettext("{hours} h {minutes} min").format(hours=hours, minutes=rest)


def _plain(value: Any, _t: Translator) -> str:
    return escape(value)


# One line per changed detail, in the invitation's order: the line and how a value is shown
# (user texts escaped). The note is named, not quoted: the params hold only digests of it.
CHANGE_LINES: dict[str, tuple[str, Callable[[Any, Translator], str] | None]] = {
    "topic": (N_("Topic: «{after}» (was «{before}»)."), _plain),
    "format": (N_("Format: {after} (was {before})."), _format),
    "when": (N_("Date and time: {after} (was {before})."), _plain),
    "place": (N_("Place: {after} (was {before})."), _plain),
    "duration_minutes": (N_("Duration: {after} (was {before})."), _duration),
    "facilitators": (N_("Facilitators: {after} (was {before})."), _plain),
    "contact": (N_("Coordinator's contact: {after} (was {before})."), _plain),
    "note": (
        N_("The note about the situation is updated: you can read it in the invitation."),
        None,
    ),
}


@message_kind(CHANGE_KIND)
def meeting_changed(params: dict[str, Any], t: Translator) -> Outgoing:
    lines = [t.gettext("🔄 A meeting you are invited to has changed.")]
    changes = params.get("changes") or {}
    for field, (line, show) in CHANGE_LINES.items():
        if field not in changes:
            continue
        before, after = changes[field]
        text = t.gettext(line)
        lines.append(text.format(after=show(after, t), before=show(before, t)) if show else text)
    lines.append(t.gettext("If your plans change, you can change your answer in the invitation."))
    return Outgoing(
        text="\n".join(lines), reply_markup=open_button(int(params["participant_id"]), t)
    )


@message_kind(REMINDER_KIND)
def meeting_reminder(params: dict[str, Any], t: Translator) -> Outgoing:
    if params.get("label") == "2h":
        first = t.gettext("⏰ The meeting starts in two hours, at {when}.")
    else:
        first = t.gettext("📅 A reminder: the meeting is on {when}.")
    text = "\n".join(
        [
            first.format(when=escape(params["when"])),
            t.gettext(
                "We are glad you are coming. The place and the contact are in the invitation."
            ),
        ]
    )
    return Outgoing(text=text, reply_markup=open_button(int(params["participant_id"]), t))


# The SRS survey after a meeting; answered by bot/handlers/srs.py.
SURVEY_PREFIX = "srs:"


@message_kind(SURVEY_KIND)
def srs_survey(params: dict[str, Any], t: Translator) -> Outgoing:
    if params.get("reminder"):
        text = t.gettext(
            "📝 A gentle reminder: four short questions about yesterday's meeting. It takes a "
            "minute and helps the facilitators."
        )
    else:
        text = t.gettext(
            "📝 Thank you for coming to the meeting! Four short questions about how it went: "
            "it takes a minute."
        )
    button = InlineKeyboardButton(
        text=t.gettext("📝 Rate the meeting"),
        callback_data=f"{SURVEY_PREFIX}{int(params['participant_id'])}",
    )
    return Outgoing(text=text, reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button]]))


@message_kind(ALERT_KIND, with_content=True)
def srs_alert(params: dict[str, Any], t: Translator, content: Content) -> Outgoing:
    srs = content.srs
    labels = {item.code: item.get(t.locale) for item in srs.items}
    lines = [
        t.gettext("⚠️ Feedback on a network meeting needs attention."),
        t.gettext("Meeting of {when} (child: {child}): total {total} of {max}.").format(
            when=escape(params["when"]),
            child=escape(params["child"]),
            total=int(params["total"]),
            max=srs.max_total,
        ),
    ]
    weak = [labels.get(code, code) for code in params.get("weak") or []]
    if weak:
        lines.append(t.gettext("Rated low:"))
        lines.extend(f"• {escape(label)}" for label in weak)
    drop = params.get("drop")
    if isinstance(drop, list) and len(drop) == 2:
        lines.append(
            t.gettext("↓ Lower than at this child's previous meeting: {before} → {after}.").format(
                before=int(drop[0]), after=int(drop[1])
            )
        )
    lines.append(t.gettext("The meeting's board in /meetings shows all answers."))
    return Outgoing(text="\n".join(lines))
