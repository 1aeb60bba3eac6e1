"""Names of formats, relations and answers, and the board's text (kept under Telegram's limit).
The board's window and buttons are in listing.py."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from bot.content.srs import CONCERN_ITEM, CONCERN_TOTAL, Srs
from bot.db.models import MeetingFormat, Relation, Rsvp
from bot.dialogs.widgets import shorten
from bot.labels import MEETING_FORMATS as FORMAT_NAMES
from bot.labels import RELATIONS as RELATION_NAMES
from bot.labels import RSVPS as RSVP_NAMES
from bot.markup import escape
from bot.services.meetings import Board, BoardLine, local_start
from bot.services.srs import Summary

Gettext = Callable[[str], str]


TEXT_LIMIT = 4000  # Telegram allows 4096 visible characters; room for the window's other lines
# (name, comment) lengths tried in turn until the board fits.
SHORTENINGS = ((48, 80), (32, 40), (24, 20), (16, 0))


def visible_length(markup: str) -> int:
    return len(html.unescape(re.sub(r"<[^>]+>", "", markup)))


def format_name(value: str, _: Gettext) -> str:
    try:
        return _(FORMAT_NAMES[MeetingFormat(value)])
    except ValueError:
        return value


def relation_name(value: str, _: Gettext) -> str:
    try:
        return _(RELATION_NAMES[Relation(value)])
    except ValueError:
        return value


def rsvp_name(value: str | None, _: Gettext) -> str:
    if value is None:
        return "—"
    try:
        return _(RSVP_NAMES[Rsvp(value)])
    except ValueError:
        return value


def header(board: Board, _: Gettext, reason: str = "") -> str:
    """The meeting's details; `reason` is the label of why it is called ("" when it has none)."""
    meeting = board.meeting
    start = local_start(meeting)
    lines = [
        _("<b>Network meeting: {child}</b> ({family})").format(
            child=escape(meeting.child_name), family=escape(shorten(board.family_name, 64))
        ),
        _("Topic: «{topic}»").format(topic=escape(shorten(meeting.topic, 120))),
        *([_("Why: {reason}").format(reason=escape(reason))] if reason else []),
        _("Format: {format}").format(format=escape(format_name(meeting.format, _))),
        _("When: {when} (family's time), {minutes} min").format(
            when=start.strftime("%d.%m.%Y %H:%M"), minutes=meeting.duration_minutes
        ),
        _("Place: {place}").format(place=escape(shorten(meeting.place, 100)))
        + (" 📍" if meeting.latitude is not None else ""),
        _("Facilitators: {facilitators}").format(
            facilitators=escape(shorten(meeting.facilitators, 100))
        ),
    ]
    if meeting.status == "cancelled":
        lines.insert(1, _("❌ Cancelled"))
    elif meeting.status == "held":
        lines.insert(1, _("✔️ Held"))
    return "\n".join(lines)


def participant_line(
    number: int, line: BoardLine, _: Gettext, name_limit: int, comment_limit: int
) -> str:
    if not line.invited:
        progress = _("not invited")
    elif line.opened or line.joined:
        progress = _("invited, opened")
    else:
        progress = _("invited, not opened yet")
    text = "{n}. {came}<b>{name}</b>, {relation} · {approved} · {progress} · {answer}".format(
        n=number,
        came="" if line.attended is None else ("✅ " if line.attended else "▫️ "),
        name=escape(shorten(line.name, name_limit)),
        relation=escape(relation_name(line.relation, _)),
        approved="✅" if line.approved else "❌",
        progress=progress,
        answer=escape(rsvp_name(line.rsvp, _)),
    )
    if line.comment and comment_limit:
        text += f" · «{escape(shorten(line.comment, comment_limit))}»"
    return text


def item_label(text: str) -> str:
    """An item's short name: its wording up to the colon («Goals and topics: we talked…»)."""
    return shorten(text.split(":", 1)[0], 60)


def srs_summary_text(
    summary: Summary, srs: Srs, locale: str, _: Gettext, *, reflections: bool = True
) -> str:
    """The SRS block of a held meeting's board; ⚠️ marks what needs the facilitators' eye.
    Without `reflections` the open answers are left out (the board's shortest form)."""
    lines = [
        _("<b>Feedback (SRS)</b>: {n} of {m} attendees answered").format(
            n=summary.responses - summary.not_attendees, m=summary.attendees
        )
    ]
    if summary.not_attendees:
        # Answered, then un-ticked: the answer stays and counts below, as in /stats.
        lines.append(
            _("Also {n} answered before being marked as not having come; counted below.").format(
                n=summary.not_attendees
            )
        )
    if not summary.responses or summary.total_mean is None:
        return "\n".join(lines)
    for item in srs.items:
        mean = summary.item_means.get(item.code, 0.0)
        lines.append(
            "• {label}: {mean:.1f}{mark}".format(
                label=escape(item_label(item.get(locale))),
                mean=mean,
                mark=" ⚠️" if mean < CONCERN_ITEM else "",
            )
        )
    lines.append(
        _("Total: {mean} of {max}").format(mean=f"{summary.total_mean:.1f}", max=srs.max_total)
        + (" ⚠️" if summary.total_mean < CONCERN_TOTAL else "")
    )
    lines.append(
        _("Totals under {threshold} (a signal): {share}").format(
            threshold=CONCERN_TOTAL,
            share=_("{part} of {whole}").format(
                part=summary.under_concern, whole=summary.responses
            ),
        )
    )
    lines.extend(srs_drop_lines(summary, _))
    if reflections:
        lines.extend(srs_reflection_lines(summary, _))
    return "\n".join(lines)


# The SRS block stays short whatever the meeting's size (the board's loop shortens only the
# participants): this many drops and open answers, each cut to this length.
SRS_DROPS_SHOWN, SRS_REFLECTIONS_SHOWN, SRS_REFLECTION_CUT = 5, 3, 60


def _capped(title: str, lines: list[str], shown: int, _: Gettext) -> list[str]:
    """A titled list of its first `shown` lines, and how many more there are."""
    more = [_("…and {n} more").format(n=len(lines) - shown)] if len(lines) > shown else []
    return [title, *lines[:shown], *more] if lines else []


def srs_drop_lines(summary: Summary, _: Gettext) -> list[str]:
    lines = [
        f"↓ {escape(shorten(drop.name, 24))}: {drop.before} → {drop.after}"
        for drop in summary.drops
    ]
    return _capped(_("⚠️ Lower than at this child's previous meeting:"), lines, SRS_DROPS_SHOWN, _)


def srs_reflection_lines(summary: Summary, _: Gettext) -> list[str]:
    title = _("What they will do differently ({n}):").format(n=len(summary.reflections))
    lines = [f"• «{escape(shorten(text, SRS_REFLECTION_CUT))}»" for text in summary.reflections]
    return _capped(title, lines, SRS_REFLECTIONS_SHOWN, _)


def board_text(
    board: Board,
    _: Gettext,
    feedback: str = "",
    *,
    reason: str = "",
    evidence: str = "",
    compact_tail: tuple[str, ...] = (),
) -> str:
    """`feedback` is the SRS block; `evidence` the lines on the process and two weeks after.
    When even the shortest participant lines leave no room for them, `compact_tail` (the same
    blocks without people's words) takes their place."""
    counts = board.counts
    summary = _(
        "Invited: {invited} · will come: {yes} · can't come: {no} · not sure: {maybe} · "
        "no answer: {silent}"
    ).format(**counts)
    legend = _("✅/❌ — approved by the child or not.")
    if board.meeting.status == "held":
        legend += "\n" + _("✅/▫️ before the name — came to the meeting or not.")
    top = header(board, _, reason)
    if not board.lines:
        empty = _("No participants yet. Add the people the child named.")
        return "\n\n".join([top, empty, *([evidence] if evidence else [])])
    tail = [part for part in (feedback, evidence) if part]
    tries = [(tail, shortening) for shortening in SHORTENINGS]
    if compact_tail:
        tries.append(([part for part in compact_tail if part], SHORTENINGS[-1]))
    text = ""
    for parts, (name_limit, comment_limit) in tries:
        lines = [
            participant_line(n, line, _, name_limit, comment_limit)
            for n, line in enumerate(board.lines, start=1)
        ]
        text = "\n\n".join([top, "\n".join(lines), summary, legend, *parts])
        if visible_length(text) <= TEXT_LIMIT:
            break
    return text
