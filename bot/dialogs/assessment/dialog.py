"""The case's «📊 Assessment»: the preliminary (intake) and final assessment, before → after.

The overview lists every aspect of content/assessment.yaml as «Aspect: 3 → 4» ("—" where a phase
has no rating yet) with its notes shortened, the days each phase was rated and the averages.
Coordinators record a phase («📝 Preliminary», «📝 Final») aspect by aspect: the aspect's name
and hint, the scale as buttons and «Skip»; after a score, a note (a text message, or «No note»).
Each score is saved as soon as its note is in; rating an aspect again replaces it.

Every getter and press goes through bot/services/assessment.py, which checks the person again
(coordinators record; coordinators see, and the family's mentors where the service allows it).
"""

from __future__ import annotations

import html
import operator
from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Row, Select

from bot.content.assessment import AssessmentFile
from bot.db.models import AssessmentPhase
from bot.dialogs.assessment.states import FAMILY_ID, AssessmentSG
from bot.dialogs.context import ctx
from bot.dialogs.widgets import (
    Dialog,
    Html,
    T,
    Window,
    choices,
    error_text,
    form_text,
    get_input_error,
    input_error_line,
    shorten,
    show_input_error,
    to_menu,
)
from bot.i18n import N_
from bot.markup import escape
from bot.services import assessment
from bot.services.assessment import Mark, Summary
from bot.services.errors import DomainError

NOTICE = "notice"
PHASE, INDEX, SCORE, SAVED = "phase", "index", "score", "saved"
SKIP, PREVIOUS = "skip", "back"  # the aspect's «Skip» and «Back», with its position
WALK_KEYS = (PHASE, INDEX, SCORE, SAVED)
TEXT_LIMIT = 3800
NOTE_LIMITS = (80, 40, 0)  # the overview's notes, shorter until the text fits one message
NO_SCORE = "—"

PHASE_TITLES = {
    AssessmentPhase.INTAKE: N_("Preliminary assessment"),
    AssessmentPhase.FINAL: N_("Final assessment"),
}
ERRORS = {
    "family_closed": N_("This family's case is closed: its assessment can only be read."),
    "assessment_note_long": N_(
        "That is a bit long: please keep the note under {limit} characters."
    ),
    "assessment_score_unknown": N_("Please tap one of the scores below."),
    "assessment_aspect_unknown": N_(
        "This aspect is no longer in the assessment's list, so it was skipped."
    ),
}


def _error(error: DomainError, spec: AssessmentFile) -> str:
    return error_text(ERRORS, error, limit=spec.note_max)


def family_id_of(manager: DialogManager) -> int:
    value = manager.dialog_data.get(FAMILY_ID)
    if not isinstance(value, int):
        raise DomainError("family_not_found")
    return value


def _phase(manager: DialogManager) -> AssessmentPhase:
    try:
        return AssessmentPhase(str(manager.dialog_data.get(PHASE)))
    except ValueError:
        raise DomainError("assessment_phase_unknown") from None


def _index(manager: DialogManager, spec: AssessmentFile) -> int:
    value = manager.dialog_data.get(INDEX)
    return value if isinstance(value, int) and 0 <= value < len(spec.aspects) else 0


async def on_start(data: Any, manager: DialogManager) -> None:
    c = ctx(manager)
    start = data if isinstance(data, dict) else {}
    family_id = start.get(FAMILY_ID)
    if isinstance(family_id, int):
        await assessment.require_viewing(
            c.session, c.actor, family_id, c.settings.mentors_see_case_details
        )
        manager.dialog_data[FAMILY_ID] = family_id


# --- what the overview and the case window show ----------------------------------------------


def number(value: float, locale: str) -> str:
    """One decimal, with the locale's decimal mark."""
    text = f"{value:.1f}"
    return text.replace(".", ",") if locale == "ru" else text


def _score(mark: Mark | None) -> str:
    return str(mark.score) if mark else NO_SCORE


def assessment_lines(
    summary: Summary, spec: AssessmentFile, locale: str, *, notes: int = 0
) -> list[str]:
    """«Aspect: 3 → 4» per aspect (HTML, escaped), for the overview and the case window; with
    `notes` > 0 each aspect's notes follow, shortened to that many characters. Translated in the
    current locale; `locale` picks the content's texts."""
    lines = []
    for line in summary.lines:
        name = escape(spec.aspect_name(line.code, locale))
        lines.append(f"<b>{name}</b>: {_score(line.intake)} → {_score(line.final)}")
        if notes <= 0:
            continue
        if line.intake and line.intake.note:
            lines.append(
                "   " + _("before: «{note}»").format(note=escape(shorten(line.intake.note, notes)))
            )
        if line.final and line.final.note:
            lines.append(
                "   " + _("after: «{note}»").format(note=escape(shorten(line.final.note, notes)))
            )
    return lines


def totals_line(summary: Summary, locale: str) -> str:
    """«Average: 2,3 → 4,0 (change +1,2 over 3 aspects rated both times)», HTML-safe."""
    before = summary.average(AssessmentPhase.INTAKE)
    after = summary.average(AssessmentPhase.FINAL)
    text = _("Average: {before} → {after}").format(
        before=number(before, locale) if before is not None else NO_SCORE,
        after=number(after, locale) if after is not None else NO_SCORE,
    )
    change = summary.average_change
    if change is not None:
        text += " " + _("(change {change} over {count} aspects rated both times)").format(
            change=("+" if change > 0 else "") + number(change, locale),
            count=len(summary.compared),
        )
    return text


def _day(summary: Summary, phase: AssessmentPhase) -> str:
    day = summary.day(phase)
    return day.strftime("%d.%m.%Y") if day else NO_SCORE


async def get_overview(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    spec = c.content.assessment
    found = await assessment.overview(
        c.session,
        c.actor,
        family_id_of(dialog_manager),
        c.settings.mentors_see_case_details,
        spec,
        c.now(),
    )
    summary = found.summary
    head = [
        _("<b>Assessment</b> · family «{name}»").format(name=escape(found.family.name)),
        _("Scale: {low} — {low_label} … {high} — {high_label}.").format(
            low=spec.low,
            low_label=escape(spec.point_label(spec.low, c.locale)),
            high=spec.high,
            high_label=escape(spec.point_label(spec.high, c.locale)),
        ),
        _("Preliminary: {before} · final: {after}").format(
            before=_day(summary, AssessmentPhase.INTAKE),
            after=_day(summary, AssessmentPhase.FINAL),
        ),
        "",
    ]
    body = ""
    for limit in NOTE_LIMITS:
        body = "\n".join(assessment_lines(summary, spec, c.locale, notes=limit))
        if len(html.unescape(body)) <= TEXT_LIMIT:
            break
    text = "\n".join([*head, body])
    if not summary.empty:
        text += "\n\n" + totals_line(summary, c.locale)
    return {
        "overview": Html(text),
        "notice": dialog_manager.dialog_data.pop(NOTICE, ""),
        "empty": summary.empty,
        "can_record": found.can_record,
    }


async def on_phase(_c: CallbackQuery, button: Button, manager: DialogManager) -> None:
    phase = AssessmentPhase.FINAL if button.widget_id == "assess_final" else AssessmentPhase.INTAKE
    c = ctx(manager)
    try:
        await assessment.require_recording(c.session, c.actor, family_id_of(manager))
    except DomainError as error:
        if error.code == "access_denied":
            raise  # a forged or stale press: refused and audited
        manager.dialog_data[NOTICE] = _error(error, c.content.assessment)
        return
    manager.dialog_data.update({PHASE: phase.value, INDEX: 0, SAVED: 0})
    manager.dialog_data.pop(SCORE, None)
    await manager.switch_to(AssessmentSG.aspect)


# --- recording: one aspect, then its note ----------------------------------------------------


async def get_aspect(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    spec = c.content.assessment
    phase = _phase(dialog_manager)
    marks = await assessment.phase_marks(c.session, c.actor, family_id_of(dialog_manager), phase)
    index = _index(dialog_manager, spec)
    aspect = spec.aspects[index]
    now = marks.get(aspect.code)
    current = ""
    if now is not None:
        current = _("Now: {score} — {label}").format(
            score=now.score, label=spec.point_label(now.score, c.locale)
        )
        if now.note:
            current += " · «" + shorten(now.note, 80) + "»"
    return {
        "title": _(PHASE_TITLES[phase]),
        "position": index + 1,
        "count": len(spec.aspects),
        "intro": spec.intro.get(c.locale) if index == 0 else "",
        "name": aspect.name.get(c.locale),
        "hint": aspect.hint.get(c.locale),
        "on_offer": aspect.on_offer,
        "current": current,
        # The aspect's position rides along: a double tap cannot rate the next aspect.
        "scores": [(f"{p.value} · {p.get(c.locale)}", f"{index}.{p.value}") for p in spec.scale],
        "skip": [(_("➡️ Skip"), f"{SKIP}.{index}")],
        "moves": [(_("⬅️ Back"), f"{PREVIOUS}.{index}")],
    }


async def _finish(manager: DialogManager) -> None:
    """Back to the overview, saying what this walk saved."""
    spec = ctx(manager).content.assessment
    saved = manager.dialog_data.get(SAVED)
    try:
        title = _(PHASE_TITLES[_phase(manager)])
    except DomainError:
        title = ""
    for key in WALK_KEYS:
        manager.dialog_data.pop(key, None)
    if isinstance(saved, int) and saved > 0 and title:
        manager.dialog_data[NOTICE] = _("✅ {title}: {saved} of {count} aspects rated.").format(
            title=title, saved=saved, count=len(spec.aspects)
        )
    else:
        manager.dialog_data[NOTICE] = _("Nothing was changed.")
    await manager.switch_to(AssessmentSG.overview)


async def _next(manager: DialogManager) -> None:
    spec = ctx(manager).content.assessment
    manager.dialog_data.pop(SCORE, None)
    index = _index(manager, spec)
    if index + 1 >= len(spec.aspects):
        await _finish(manager)
        return
    manager.dialog_data[INDEX] = index + 1
    await manager.switch_to(AssessmentSG.aspect)


async def on_score(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    c = ctx(manager)
    spec = c.content.assessment
    index = _index(manager, spec)
    position, _dot, value = item.partition(".")
    if position != str(index) or value not in {str(v) for v in spec.values()}:
        manager.show_mode = ShowMode.NO_UPDATE  # a double tap, or not one of our buttons
        return
    await assessment.require_recording(c.session, c.actor, family_id_of(manager))
    manager.dialog_data[SCORE] = int(value)
    await manager.switch_to(AssessmentSG.note)


async def on_move(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    """«Skip» and «Back» on an aspect; each carries the aspect's position, so a quick second
    tap does not skip (or go back over) the aspect after it."""
    c = ctx(manager)
    index = _index(manager, c.content.assessment)
    where, _dot, position = item.partition(".")
    if position != str(index) or where not in (SKIP, PREVIOUS):
        manager.show_mode = ShowMode.NO_UPDATE
        return
    await assessment.require_recording(c.session, c.actor, family_id_of(manager))
    if where == SKIP:
        await _next(manager)
    elif index == 0:
        await _finish(manager)
    else:
        manager.dialog_data[INDEX] = index - 1


async def on_stop(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _finish(manager)


def _pending(manager: DialogManager) -> int | None:
    value = manager.dialog_data.get(SCORE)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


async def get_note(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    spec = c.content.assessment
    await assessment.require_recording(c.session, c.actor, family_id_of(dialog_manager))
    aspect = spec.aspects[_index(dialog_manager, spec)]
    score = _pending(dialog_manager)
    return {
        "title": _(PHASE_TITLES[_phase(dialog_manager)]),
        "name": aspect.name.get(c.locale),
        "score": score if score is not None else NO_SCORE,
        "label": spec.point_label(score, c.locale) if score is not None else "",
        "limit": spec.note_max,
    }


async def _save(manager: DialogManager, note: str | None) -> None:
    c = ctx(manager)
    spec = c.content.assessment
    score = _pending(manager)
    if score is None:  # a stale step: nothing to save
        await manager.switch_to(AssessmentSG.aspect)
        return
    aspect = spec.aspects[_index(manager, spec)]
    try:
        await assessment.record(
            c.session,
            c.require_actor(),
            family_id_of(manager),
            _phase(manager),
            aspect.code,
            score,
            note,
            spec,
            c.now(),
        )
    except DomainError as error:
        if error.code == "access_denied":
            raise
        if error.code == "assessment_note_long":
            show_input_error(manager, _error(error, spec))  # the score waits for a shorter note
            return
        if error.code == "assessment_aspect_unknown":
            await _next(manager)
            return
        for key in WALK_KEYS:
            manager.dialog_data.pop(key, None)
        manager.dialog_data[NOTICE] = _error(error, spec)
        await manager.switch_to(AssessmentSG.overview)
        return
    saved = manager.dialog_data.get(SAVED)
    manager.dialog_data[SAVED] = (saved if isinstance(saved, int) else 0) + 1
    await _next(manager)


async def on_note(message: Message, _w: Any, manager: DialogManager) -> None:
    spec = ctx(manager).content.assessment
    text = form_text(
        message,
        manager,
        _("Please send the note as text, or tap «No note»."),
        limit=spec.note_max,
    )
    if text is not None:
        await _save(manager, text)


async def on_no_note(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _save(manager, None)


async def on_back_from_note(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    await assessment.require_recording(c.session, c.actor, family_id_of(manager))
    manager.dialog_data.pop(SCORE, None)
    await manager.switch_to(AssessmentSG.aspect)


async def on_back(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await manager.done()


def create_assessment_dialog() -> Dialog:
    return Dialog(
        Window(
            T("{notice}\n", when="notice"),
            T("{overview}"),
            T("\nNothing is rated yet.", when="empty"),
            Row(
                Button(
                    T("📝 Preliminary"), id="assess_intake", on_click=on_phase, when="can_record"
                ),
                Button(T("📝 Final"), id="assess_final", on_click=on_phase, when="can_record"),
            ),
            Button(T("⬅️ Back"), id="assess_back", on_click=on_back),
            to_menu(),
            state=AssessmentSG.overview,
            getter=get_overview,
        ),
        Window(
            T("<b>{title}</b> · {position} of {count}"),
            T("<i>{intro}</i>", when="intro"),
            T("\n<b>{name}</b>\n{hint}"),
            T("<i>Asked when help is first offered or continued.</i>", when="on_offer"),
            T("{current}", when="current"),
            T("\nTap a score, or «Skip»."),
            choices("assess_score", "scores", on_score),
            choices("assess_skip", "skip", on_move),
            Row(
                Select(
                    T("{item[0]}"),
                    id="assess_move",
                    item_id_getter=operator.itemgetter(1),
                    items="moves",
                    on_click=on_move,
                ),
                Button(T("✖️ Finish"), id="assess_stop", on_click=on_stop),
            ),
            state=AssessmentSG.aspect,
            getter=get_aspect,
        ),
        Window(
            input_error_line(),
            T("<b>{title}</b>\n<b>{name}</b>: {score} — {label}\n"),
            T(
                "A note for the case, if you wish: what you saw or heard, in a few words "
                "(up to {limit} characters). Or tap «No note»."
            ),
            MessageInput(on_note),
            Button(T("➡️ No note"), id="assess_no_note", on_click=on_no_note),
            Button(T("⬅️ Back"), id="assess_note_back", on_click=on_back_from_note),
            state=AssessmentSG.note,
            getter=[get_input_error, get_note],
        ),
        on_start=on_start,
    )
