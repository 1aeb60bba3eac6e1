"""/mentors: the registry (filters by status, paged), a mentor's card (families, the history of
their status, training, the test) and moving the status with a reason and an optional note."""

from __future__ import annotations

from datetime import date
from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, SwitchTo

from bot.clock import local_date, zone_or
from bot.db.models import MentorStatus
from bot.db.queries.mentors import MentorRow
from bot.dialogs.context import Ctx, ctx
from bot.dialogs.mentors.states import MentorsSG
from bot.dialogs.paging import PAGE_SIZE, current_page, page_data, pager
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
    parse_id,
    show_input_error,
    stored_id,
    to_menu,
)
from bot.i18n import N_
from bot.markup import escape
from bot.services import mentor_registry
from bot.services.access import Action, authorize
from bot.services.errors import DomainError

SCROLL = "mentors_scroll"
FILTER = "status_filter"
MENTOR = "mentor_id"
TARGET = "target"
REASON = "reason"
SEEN = "seen_status"  # the status the coordinator saw when choosing the move
NOTICE = "notice"
ALL = "all"
NOTE_ERRORS = {
    "mentor_note_too_long": N_("That is a bit long: please keep the note under 200 characters."),
}
BACK = T("⬅️ Back")


def _today(c: Ctx) -> date:
    zone = zone_or(c.person.timezone if c.person else None, c.settings.default_timezone)
    return local_date(c.now(), zone)


def _day(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else "—"


def _lessons(c: Ctx, done: int) -> str:
    total = _course_total(c)
    if total:
        return _("lessons {done} of {total}").format(done=done, total=total)
    return _("lessons done: {done}").format(done=done)


def _course_total(c: Ctx) -> int | None:
    # The course is another flow's file (content/course.yaml); without it, only what was done.
    course = getattr(c.content, "course", None)
    return len(course.lesson_codes()) if course is not None else None


def _row_text(c: Ctx, row: MentorRow) -> str:
    figures = _(
        "👪 {families} · last visit {last} · visits this month: {month} · "
        "overdue tasks: {overdue} · {lessons}"
    ).format(
        families=row.families,
        last=_day(row.last_visit),
        month=row.visits_month,
        overdue=row.overdue_tasks,
        lessons=_lessons(c, row.lessons_done),
    )
    status = c.content.mentors.status_label(row.status, c.locale)
    return f"<b>{escape(row.name)}</b> — {escape(status)}\n{figures}"


# --- list -----------------------------------------------------------------------------------


async def on_start(_data: Any, manager: DialogManager) -> None:
    c = ctx(manager)
    await authorize(c.session, c.actor, Action.MENTOR_REGISTRY)


async def get_list(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    page = await current_page(dialog_manager, SCROLL)
    status = dialog_manager.dialog_data.get(FILTER)
    rows, total, counts = await mentor_registry.list_page(
        c.session,
        c.require_actor(),
        c.now(),
        _today(c),
        status=status,
        offset=page * PAGE_SIZE,
        limit=PAGE_SIZE,
    )
    labels = c.content.mentors
    everyone = _("All")
    filters = [(f"{'• ' if status is None else ''}{everyone} ({sum(counts.values())})", ALL)]
    filters += [
        (
            f"{'• ' if status == s.value else ''}{labels.status_label(s.value, c.locale)} "
            f"({counts.get(s.value, 0)})",
            s.value,
        )
        for s in MentorStatus
    ]
    return {
        "total": total,
        "filter": labels.status_label(status, c.locale) if status else "",
        "lines": Html("\n\n".join(_row_text(c, row) for row in rows)),
        "mentors": [(row.name, str(row.person_id)) for row in rows],
        "filters": filters,
        **page_data(page, total),
    }


async def on_filter(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    if item != ALL and item not in {s.value for s in MentorStatus}:
        raise DomainError("mentor_filter_unknown")  # forged: nothing to filter by
    chosen = None if item == ALL else item
    if chosen == manager.dialog_data.get(FILTER):
        manager.show_mode = ShowMode.NO_UPDATE  # the filter shown already: nothing changes
        return
    manager.dialog_data[FILTER] = chosen
    scroll = manager.find(SCROLL)
    if scroll is not None:
        await scroll.set_page(0)


async def on_pick(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    person_id = parse_id(item)
    if person_id is None:
        raise DomainError("mentor_not_found")  # forged
    # The card's getter asks the service, which checks the right and that this is a mentor.
    manager.dialog_data[MENTOR] = person_id
    await manager.switch_to(MentorsSG.card)


# --- card -----------------------------------------------------------------------------------


async def get_card(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    person_id = stored_id(dialog_manager, MENTOR, "mentor_not_found")
    card = await mentor_registry.card(c.session, c.require_actor(), person_id, c.now(), _today(c))
    labels = c.content.mentors
    lines = [_row_text(c, card.mentor)]
    families = ", ".join(escape(name) for _id, name in card.families) or _("none")
    lines.append(_("Families: {names}").format(names=families))
    training = card.training
    hours = (training.lesson_minutes + training.session_minutes) / 60
    lines.append(
        _(
            "<b>Training</b>: {lessons}; in person: {sessions} sessions, {session_hours} h; "
            "{hours} h in all"
        ).format(
            lessons=_lessons(c, training.lessons_done),
            sessions=training.sessions,
            session_hours=f"{training.session_minutes / 60:.1f}",
            hours=f"{hours:.1f}",
        )
    )
    test = card.test
    if test is None:
        lines.append(_("<b>Test</b>: not taken yet"))
    else:
        verdict = _("passed") if test.passed else _("not passed")
        lines.append(
            _("<b>Test</b>: {score} of {out_of}, {verdict}, {day}").format(
                score=test.score if test.score is not None else "—",
                out_of=test.out_of if test.out_of is not None else "—",
                verdict=verdict,
                day=_day(test.finished_at.date()),
            )
        )
    history = []
    zone = zone_or(c.person.timezone if c.person else None, c.settings.default_timezone)
    for change, by in card.history[:10]:
        day = _day(local_date(change.changed_at, zone))
        line = f"{day}: {escape(labels.status_label(change.to_status, c.locale))}"
        if change.reason:
            line += f" — {escape(labels.reason_label(change.reason, c.locale))}"
        if change.note:
            line += f" ({escape(change.note)})"
        if by:
            line += f" · {escape(by)}"
        history.append(line)
    if history:
        lines.append(_("<b>Status history</b>:") + "\n" + "\n".join(history))
    dialog_manager.dialog_data[SEEN] = card.mentor.status
    return {
        "text": Html("\n\n".join(lines)),
        "can_move": bool(card.moves),
        "notice": dialog_manager.dialog_data.pop(NOTICE, ""),
    }


# --- moving the status ----------------------------------------------------------------------


async def get_moves(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    person_id = stored_id(dialog_manager, MENTOR, "mentor_not_found")
    card = await mentor_registry.card(c.session, c.require_actor(), person_id, c.now(), _today(c))
    labels = c.content.mentors
    return {
        "name": card.mentor.name,
        "status": labels.status_label(card.mentor.status, c.locale),
        "moves": [(labels.status_label(s.value, c.locale), s.value) for s in card.moves],
    }


async def on_move(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    if item not in {s.value for s in MentorStatus}:
        raise DomainError("mentor_move_not_allowed")  # forged; saving checks the move again
    manager.dialog_data[TARGET] = item
    manager.dialog_data.pop(REASON, None)
    await manager.switch_to(MentorsSG.reason)


async def get_reasons(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    target = str(dialog_manager.dialog_data.get(TARGET, ""))
    labels = c.content.mentors
    return {
        "target": labels.status_label(target, c.locale),
        "reasons": [(r.label(c.locale), r.code) for r in labels.reasons_for(target)],
        "optional": not labels.reason_required(target),
    }


async def on_reason(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    manager.dialog_data[REASON] = item  # checked against the file by the service on saving
    await manager.switch_to(MentorsSG.note)


async def on_no_reason(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    manager.dialog_data[REASON] = None
    await manager.switch_to(MentorsSG.note)


async def _save(manager: DialogManager, note: str | None) -> None:
    c = ctx(manager)
    data = manager.dialog_data
    person_id = stored_id(manager, MENTOR, "mentor_not_found")
    change = await mentor_registry.move(
        c.session,
        c.require_actor(),
        person_id,
        str(data.get(TARGET, "")),
        c.now(),
        content=c.content.mentors,
        reason=data.get(REASON),
        note=note,
        expected_from=data.get(SEEN),
    )
    data[NOTICE] = _("✅ The status is now «{status}».").format(
        status=c.content.mentors.status_label(change.to_status, c.locale)
    )
    await manager.switch_to(MentorsSG.card)


async def on_note(message: Message, _w: Any, manager: DialogManager) -> None:
    text = form_text(message, manager, _("Please send the note as text, or tap «Skip»."))
    if text is None:
        return
    try:
        note = mentor_registry.clean_note(text)
    except DomainError as error:
        show_input_error(manager, error_text(NOTE_ERRORS, error))
        return
    await _save(manager, note)


async def on_no_note(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _save(manager, None)


def create_mentors_dialog() -> Dialog:
    return Dialog(
        Window(
            T("<b>Mentors</b>: {total} (page {page_no} of {pages})"),
            T("Shown: {filter}", when="filter"),
            T("{lines}", when="total"),
            T("No mentors here.", when=lambda d, *_: not d["total"]),
            T("Tap a name to open the mentor's card.", when="total"),
            choices("mentor", "mentors", on_pick, width=2),
            *pager(SCROLL),
            choices("filter", "filters", on_filter, width=3),
            to_menu(),
            state=MentorsSG.list,
            getter=get_list,
        ),
        Window(
            T("{notice}", when="notice"),
            T("{text}"),
            SwitchTo(T("🔄 Change the status"), id="move", state=MentorsSG.move, when="can_move"),
            SwitchTo(BACK, id="back", state=MentorsSG.list),
            to_menu(),
            state=MentorsSG.card,
            getter=get_card,
        ),
        Window(
            T("<b>{name}</b>: {status} now. Move to:"),
            choices("move_to", "moves", on_move, width=2),
            SwitchTo(BACK, id="back", state=MentorsSG.card),
            state=MentorsSG.move,
            getter=get_moves,
        ),
        Window(
            T("Why «{target}»?"),
            choices("reason", "reasons", on_reason, width=2),
            Button(T("Skip"), id="no_reason", on_click=on_no_reason, when="optional"),
            SwitchTo(BACK, id="back", state=MentorsSG.move),
            state=MentorsSG.reason,
            getter=get_reasons,
        ),
        Window(
            input_error_line(),
            T("A short note, if you like (up to 200 characters), or tap «Skip»."),
            MessageInput(on_note),
            Button(T("Skip"), id="no_note", on_click=on_no_note),
            SwitchTo(BACK, id="back", state=MentorsSG.reason),
            state=MentorsSG.note,
            getter=get_input_error,
        ),
        on_start=on_start,
    )
