"""A visit as text: the form's summary, /myvisits details (and the family card may reuse it)."""

from __future__ import annotations

from datetime import date

from aiogram.utils.i18n import gettext as _

from bot.content import Content
from bot.db.models import Visit
from bot.dialogs.widgets import Html
from bot.markup import escape
from bot.services.visits import VisitDraft


def day(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else "—"


def minutes(value: int) -> str:
    return _("{minutes} min").format(minutes=value)


def draft_of(visit: Visit) -> VisitDraft:
    return VisitDraft(
        family_id=visit.family_id,
        visit_date=visit.visit_date,
        format=visit.format,
        duration_minutes=visit.duration_minutes,
        methods=tuple(visit.methods or ()),
        help_given=tuple(visit.help_given or ()),
        situation=visit.situation,
        concern=visit.concern,
        concern_text=visit.concern_text,
        notes_text=visit.notes_text,
        notes_voice_file_id=visit.notes_voice_file_id,
        next_visit_date=visit.next_visit_date,
    )


def situation_label(content: Content, value: int, locale: str) -> str:
    point = next((p for p in content.visits.situation if p.value == value), None)
    return point.label(locale) if point else str(value)


def visit_text(
    draft: VisitDraft,
    *,
    family_name: str,
    content: Content,
    locale: str,
    mentor_name: str | None = None,
) -> Html:
    """Every answer in the reader's language; user-written parts escaped."""
    vocabulary = content.visits

    def labels(what: str, codes: tuple[str, ...] | list[str]) -> str:
        return ", ".join(vocabulary.label(what, code, locale) for code in codes)

    lines = [_("<b>Family:</b> {family}").format(family=escape(family_name))]
    if mentor_name is not None:
        lines.append(_("<b>Mentor:</b> {mentor}").format(mentor=escape(mentor_name)))
    lines += [
        _("<b>Date:</b> {date}").format(date=day(draft.visit_date)),
        _("<b>Format:</b> {format}").format(
            format=escape(vocabulary.label("formats", draft.format, locale))
        ),
        _("<b>Duration:</b> {duration}").format(duration=minutes(draft.duration_minutes)),
        _("<b>Methods:</b> {methods}").format(
            methods=escape(labels("methods", draft.methods)) or "—"
        ),
        _("<b>Help given:</b> {help}").format(
            help=escape(labels("help", draft.help_given)) if draft.help_given else _("none")
        ),
        _("<b>Family's situation:</b> {situation}").format(
            situation=escape(situation_label(content, draft.situation, locale))
        ),
    ]
    if draft.concern:
        lines.append(
            _("<b>⚠️ Child-safety concern:</b> {text}").format(text=escape(draft.concern_text or ""))
        )
    else:
        lines.append(_("<b>Child-safety concern:</b> no"))
    if draft.notes_text:
        lines.append(_("<b>Notes:</b> {notes}").format(notes=escape(draft.notes_text)))
    elif draft.notes_voice_file_id:
        lines.append(_("<b>Notes:</b> 🎤 a voice message"))
    else:
        lines.append(_("<b>Notes:</b> —"))
    lines.append(
        _("<b>Next visit:</b> {date}").format(date=day(draft.next_visit_date))
        if draft.next_visit_date
        else _("<b>Next visit:</b> not planned")
    )
    return Html("\n".join(lines))
