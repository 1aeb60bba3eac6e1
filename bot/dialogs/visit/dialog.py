"""/visit: a mentor logs a patronage visit in about a minute of taps.

family → date → format → duration → methods → help → situation → concern → notes → next date →
summary (Save / Edit / Cancel). The answers live in dialog_data (persisted FSM storage), so a
restart continues the form; the draft key made at the start saves the visit once however many
times «Save» arrives. Started with {"visit_id": n}, the same form edits that visit.
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from aiogram.enums import ContentType
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, StartMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Cancel, Row, Start

from bot import texts
from bot.clock import local_date
from bot.dialogs.context import ctx
from bot.dialogs.learn.contacts import contacts_text
from bot.dialogs.menu.dialog import NOTICE, MenuNotice
from bot.dialogs.menu.states import MenuSG
from bot.dialogs.myvisits.states import MyVisitsSG
from bot.dialogs.visit.calendar import DateGrid
from bot.dialogs.visit.render import day, draft_of, minutes, visit_text
from bot.dialogs.visit.states import VisitSG
from bot.dialogs.widgets import (
    Dialog,
    Html,
    T,
    Window,
    checklist,
    choices,
    form_text,
    get_input_error,
    input_error_line,
    show_input_error,
    to_menu,
)
from bot.i18n import N_
from bot.services import concerns, visits
from bot.services.concerns import SavedConcern
from bot.services.errors import AccessDenied, DomainError
from bot.services.visits import OLD_DATE_DAYS, VisitDraft

# dialog_data keys
VISIT_ID = "visit_id"  # editing this visit (start data and dialog data)
DRAFT_KEY = "draft_key"
FAMILY_ID, FAMILY_NAME, FAMILY_TZ, FAMILY_COUNT = "family_id", "family_name", "family_tz", "n_fam"
DATE, PENDING_DATE, NEXT_DATE = "date", "pending_date", "next_date"
FORMAT, DURATION, METHODS, HELP, SITUATION = "format", "duration", "methods", "help", "situation"
CONCERN, CONCERN_TEXT, NOTES, VOICE = "concern", "concern_text", "notes", "voice"
TO_SUMMARY, SAVED_ID = "to_summary", "saved_id"
CONCERN_BEFORE, CONCERN_NOTE = "concern_before", "concern_note"  # editing: had one; on saving

SAVE_ERRORS = {
    "visit_date_future": N_("The visit date is in the future: please choose another day."),
    "visit_methods_empty": N_("Please choose at least one method."),
    "visit_concern_text_missing": N_("Please write what worries you about the child's safety."),
    "visit_next_date_before_visit": N_("The next visit should be after the visit date."),
    "visit_edit_window_closed": N_(
        "The time for changes has passed. Please ask your coordinator to correct the visit."
    ),
    "family_closed": N_("This family's case has been closed, so visits are no longer recorded."),
}

# After «Save»: what happens to the child-safety concern (SavedConcern), in these words.
CONCERN_NOTES = {
    SavedConcern.ALERTED.value: N_(
        "The coordinators will get your note about the child's safety right away."
    ),
    SavedConcern.KEPT.value: N_(
        "The coordinators have already had your note about the child's safety; the changed "
        "note is kept with the visit."
    ),
    SavedConcern.TAKEN_ON.value: N_(
        "A coordinator is already looking into this concern; the changed note is kept with "
        "the visit."
    ),
    SavedConcern.REMOVED.value: N_(
        "The note about the child's safety is removed: the coordinators will not be reminded "
        "of it any more."
    ),
    SavedConcern.REMOVED_TAKEN_ON.value: N_(
        "A coordinator has already taken this concern on: if it no longer stands, please tell them."
    ),
}

CONCERN_STANDS = frozenset(
    {SavedConcern.ALERTED.value, SavedConcern.KEPT.value, SavedConcern.TAKEN_ON.value}
)

STEPS = (  # (label, state) for «Edit»: the step to change
    (N_("Family"), VisitSG.family),
    (N_("Date"), VisitSG.date),
    (N_("Format"), VisitSG.format),
    (N_("Duration"), VisitSG.duration),
    (N_("Methods"), VisitSG.methods),
    (N_("Help given"), VisitSG.help),
    (N_("Situation"), VisitSG.situation),
    (N_("Child-safety concern"), VisitSG.concern),
    (N_("Notes"), VisitSG.notes),
    (N_("Next visit"), VisitSG.next_date),
)


def _step_id(state: Any) -> str:
    return str(state.state).rsplit(":", 1)[-1]


# --- helpers --------------------------------------------------------------------------------


def family_today(manager: DialogManager) -> date:
    c = ctx(manager)
    zone = manager.dialog_data.get(FAMILY_TZ) or c.settings.default_timezone
    return local_date(c.now(), zone)


def _date(manager: DialogManager, key: str) -> date | None:
    raw = manager.dialog_data.get(key)
    return date.fromisoformat(raw) if raw else None


async def _advance(manager: DialogManager, state: Any) -> None:
    """To the next step, or back to the summary when a single answer is being changed."""
    await manager.switch_to(VisitSG.summary if manager.dialog_data.get(TO_SUMMARY) else state)


def _can_pick_family(data: dict[str, Any], *_: Any) -> bool:
    return not data.get("editing") and int(data.get("family_count") or 0) > 1


def _draft(manager: DialogManager) -> VisitDraft:
    data = manager.dialog_data
    visit_date = _date(manager, DATE)
    if visit_date is None or FORMAT not in data:
        raise DomainError("visit_incomplete")
    return VisitDraft(
        family_id=int(data[FAMILY_ID]),
        visit_date=visit_date,
        format=data[FORMAT],
        duration_minutes=int(data[DURATION]),
        methods=tuple(data.get(METHODS) or ()),
        help_given=tuple(data.get(HELP) or ()),
        situation=int(data[SITUATION]),
        concern=bool(data.get(CONCERN)),
        concern_text=data.get(CONCERN_TEXT),
        notes_text=data.get(NOTES),
        notes_voice_file_id=data.get(VOICE),
        next_visit_date=_date(manager, NEXT_DATE),
    )


async def _set_checked(manager: DialogManager, widget_id: str, codes: list[str]) -> None:
    widget = manager.find(widget_id)
    if widget is None:  # pragma: no cover - the windows define both
        return
    await widget.reset_checked()
    for code in codes:
        await widget.set_checked(code, True)


async def get_common(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    return {
        "family": data.get(FAMILY_NAME, ""),
        "editing": bool(data.get(VISIT_ID)),
        "family_count": data.get(FAMILY_COUNT, 0),
        "today": day(family_today(dialog_manager)),
        "to_summary": bool(data.get(TO_SUMMARY)),
    }


# --- start and family -----------------------------------------------------------------------


async def on_start(start_data: Any, manager: DialogManager) -> None:
    c = ctx(manager)
    actor = c.require_actor()
    data = manager.dialog_data
    visit_id = start_data.get(VISIT_ID) if isinstance(start_data, dict) else None
    if visit_id:
        visit, family = await visits.open_for_edit(
            c.session, actor, int(visit_id), now=c.now(), edit_hours=c.settings.visit_edit_hours
        )
        draft = draft_of(visit)
        data.update(
            {
                VISIT_ID: visit.id,
                FAMILY_ID: family.id,
                FAMILY_NAME: family.name,
                FAMILY_TZ: family.timezone,
                DATE: draft.visit_date.isoformat(),
                FORMAT: draft.format,
                DURATION: draft.duration_minutes,
                METHODS: list(draft.methods),
                HELP: list(draft.help_given),
                SITUATION: draft.situation,
                CONCERN: draft.concern,
                CONCERN_TEXT: draft.concern_text,
                CONCERN_BEFORE: draft.concern,
                NOTES: draft.notes_text,
                VOICE: draft.notes_voice_file_id,
                NEXT_DATE: draft.next_visit_date.isoformat() if draft.next_visit_date else None,
                TO_SUMMARY: True,
            }
        )
        await _set_checked(manager, METHODS, list(draft.methods))
        await _set_checked(manager, HELP, list(draft.help_given))
        await manager.switch_to(VisitSG.summary)
        return
    data[DRAFT_KEY] = secrets.token_urlsafe(16)
    families = await visits.mentor_families(c.session, actor)
    data[FAMILY_COUNT] = len(families)
    if not families:
        await manager.switch_to(VisitSG.no_families)
    elif len(families) == 1:
        await _choose_family(manager, families[0].id)


async def _choose_family(manager: DialogManager, family_id: int) -> None:
    c = ctx(manager)
    family = await visits.check_can_log(c.session, c.require_actor(), family_id)
    data = manager.dialog_data
    changed = data.get(FAMILY_ID) not in (None, family.id)
    data.update({FAMILY_ID: family.id, FAMILY_NAME: family.name, FAMILY_TZ: family.timezone})
    if changed or DATE not in data:
        await manager.switch_to(VisitSG.date)  # another family: another calendar day to check
    else:
        await _advance(manager, VisitSG.date)


async def get_families(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    families = await visits.mentor_families(c.session, c.require_actor())
    return {"families": [(f.name, f.id) for f in families]}


async def on_family(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    try:
        family_id = int(item)
    except ValueError:
        return
    await _choose_family(manager, family_id)


# --- date -----------------------------------------------------------------------------------


async def _accept_date(manager: DialogManager, picked: date) -> None:
    data = manager.dialog_data
    data[DATE] = picked.isoformat()
    data.pop(PENDING_DATE, None)
    next_date = _date(manager, NEXT_DATE)
    if next_date is not None and next_date <= picked and data.get(TO_SUMMARY):
        data[NEXT_DATE] = None  # no longer after the visit: ask for it again
        await manager.switch_to(VisitSG.next_date)
        return
    await _advance(manager, VisitSG.format)


async def on_date(_c: CallbackQuery, _w: Any, manager: DialogManager, picked: date) -> None:
    today = family_today(manager)
    if picked > today:
        show_input_error(
            manager,
            _(
                "{picked} is still ahead: a visit can only be recorded once it has happened. "
                "Please choose {today} or an earlier day."
            ).format(picked=day(picked), today=day(today)),
        )
        return
    if (today - picked).days > OLD_DATE_DAYS:
        manager.dialog_data[PENDING_DATE] = picked.isoformat()
        await manager.switch_to(VisitSG.old_date)
        return
    await _accept_date(manager, picked)


async def on_today(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _accept_date(manager, family_today(manager))


async def get_old_date(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    pending = _date(dialog_manager, PENDING_DATE) or family_today(dialog_manager)
    return {
        "pending": day(pending),
        "days": (family_today(dialog_manager) - pending).days,
    }


async def on_old_date_ok(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    pending = _date(manager, PENDING_DATE)
    if pending is None:
        await manager.switch_to(VisitSG.date)
        return
    await _accept_date(manager, pending)


async def to_date(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await manager.switch_to(VisitSG.date)


# --- format, duration -----------------------------------------------------------------------


async def get_formats(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    return {"formats": [(f.label(c.locale), f.code) for f in c.content.visits.formats]}


async def on_format(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    if item not in {f.code for f in ctx(manager).content.visits.formats}:
        return
    manager.dialog_data[FORMAT] = item
    await _advance(manager, VisitSG.duration)


async def get_durations(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    return {"durations": [(minutes(d), str(d)) for d in c.content.visits.durations]}


async def on_duration(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    if not item.isdigit() or int(item) not in ctx(manager).content.visits.durations:
        return
    manager.dialog_data[DURATION] = int(item)
    await _advance(manager, VisitSG.methods)


# --- methods, help --------------------------------------------------------------------------


async def get_methods(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    return {"methods": [(m.label(c.locale), m.code) for m in c.content.visits.methods]}


async def get_help(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    return {"helps": [(h.label(c.locale), h.code) for h in c.content.visits.help]}


def _checked(manager: DialogManager, widget_id: str, known: list[str]) -> list[str]:
    widget = manager.find(widget_id)
    chosen = set(widget.get_checked()) if widget is not None else set()
    return [code for code in known if code in chosen]


async def on_methods_done(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    known = [m.code for m in ctx(manager).content.visits.methods]
    methods = _checked(manager, METHODS, known)
    if not methods:
        show_input_error(manager, _("Please tick at least one method, then tap «Next»."))
        return
    manager.dialog_data[METHODS] = methods
    await _advance(manager, VisitSG.help)


async def on_help_done(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    known = [h.code for h in ctx(manager).content.visits.help]
    manager.dialog_data[HELP] = _checked(manager, HELP, known)
    await _advance(manager, VisitSG.situation)


# --- situation, concern ---------------------------------------------------------------------


async def get_situations(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    return {"situations": [(p.label(c.locale), str(p.value)) for p in c.content.visits.situation]}


async def on_situation(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    if not item.isdigit() or int(item) not in {
        p.value for p in ctx(manager).content.visits.situation
    }:
        return
    manager.dialog_data[SITUATION] = int(item)
    await _advance(manager, VisitSG.concern)


async def on_no_concern(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    manager.dialog_data.update({CONCERN: False, CONCERN_TEXT: None})
    await _advance(manager, VisitSG.notes)


async def on_concern(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await manager.switch_to(VisitSG.concern_text)


async def on_concern_text(message: Message, _w: Any, manager: DialogManager) -> None:
    not_text = _(
        "Please write in a text message what worries you — the coordinators read it first."
    )
    text = form_text(message, manager, not_text, limit=visits.CONCERN_TEXT_MAX)
    if text is None:
        return
    manager.dialog_data.update({CONCERN: True, CONCERN_TEXT: text})
    await _advance(manager, VisitSG.notes)


# --- notes, next date -----------------------------------------------------------------------


async def on_notes(message: Message, _w: Any, manager: DialogManager) -> None:
    data = manager.dialog_data
    if message.voice is not None:
        data.update({NOTES: None, VOICE: message.voice.file_id})
    else:
        not_text = _("Notes can be a text or a voice message — or tap «Skip».")
        text = form_text(message, manager, not_text, limit=visits.NOTES_TEXT_MAX)
        if text is None:
            return
        data.update({NOTES: text, VOICE: None})
    await _advance(manager, VisitSG.next_date)


async def on_skip_notes(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    manager.dialog_data.update({NOTES: None, VOICE: None})
    await _advance(manager, VisitSG.next_date)


async def on_next_date(_c: CallbackQuery, _w: Any, manager: DialogManager, picked: date) -> None:
    today = family_today(manager)
    visit_date = _date(manager, DATE) or today
    if picked < today:
        show_input_error(
            manager,
            _("{picked} has already passed: please choose a day from {today} on.").format(
                picked=day(picked), today=day(today)
            ),
        )
        return
    if picked <= visit_date:
        show_input_error(
            manager,
            _("The next visit should come after this one ({date}).").format(date=day(visit_date)),
        )
        return
    manager.dialog_data[NEXT_DATE] = picked.isoformat()
    await manager.switch_to(VisitSG.summary)


async def on_no_next_date(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    manager.dialog_data[NEXT_DATE] = None
    await manager.switch_to(VisitSG.summary)


# --- summary, edit, save --------------------------------------------------------------------


async def get_summary(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    dialog_manager.dialog_data[TO_SUMMARY] = True  # from now on a changed step comes back here
    return {
        "summary": visit_text(
            _draft(dialog_manager),
            family_name=dialog_manager.dialog_data.get(FAMILY_NAME, ""),
            content=c.content,
            locale=c.locale,
        )
    }


async def get_steps(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    with_family = not data.get(VISIT_ID) and int(data.get(FAMILY_COUNT) or 0) > 1
    return {
        "steps": [
            (_(label), _step_id(state))
            for label, state in STEPS
            if with_family or state != VisitSG.family
        ]
    }


async def on_step(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    state = next((s for _label, s in STEPS if _step_id(s) == item), None)
    if state is None or (state == VisitSG.family and manager.dialog_data.get(VISIT_ID)):
        return
    manager.dialog_data[TO_SUMMARY] = True
    if state == VisitSG.methods:  # ticks as saved, not as left by an abandoned change
        await _set_checked(manager, METHODS, list(manager.dialog_data.get(METHODS) or ()))
    elif state == VisitSG.help:
        await _set_checked(manager, HELP, list(manager.dialog_data.get(HELP) or ()))
    await manager.switch_to(state)


async def on_save(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    data = manager.dialog_data
    actor = c.require_actor()
    try:
        draft = _draft(manager)
        if data.get(VISIT_ID):
            visit = await visits.update_visit(
                c.session,
                actor,
                int(data[VISIT_ID]),
                draft,
                now=c.now(),
                edit_hours=c.settings.visit_edit_hours,
                vocabulary=c.content.visits,
            )
        else:
            visit = await visits.create_visit(
                c.session,
                actor,
                draft,
                now=c.now(),
                draft_key=data[DRAFT_KEY],
                vocabulary=c.content.visits,
            )
    except AccessDenied:
        raise
    except DomainError as error:
        show_input_error(manager, _(SAVE_ERRORS.get(error.code, texts.CHANGED_MEANWHILE)))
        return
    saved_concern = await concerns.after_visit_saved(
        c.session,
        visit.id,
        concern=visit.concern,
        had_concern=bool(data.get(VISIT_ID)) and bool(data.get(CONCERN_BEFORE)),
        now=c.now(),
        settings=c.settings,
    )
    data[CONCERN_NOTE] = saved_concern.value
    data[SAVED_ID] = visit.id
    await manager.switch_to(VisitSG.saved)


async def get_saved(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    note = CONCERN_NOTES.get(data.get(CONCERN_NOTE) or "")
    # A concern stands: where to turn in a hard moment, right under the confirmation.
    stands = data.get(CONCERN_NOTE) in CONCERN_STANDS
    contacts = contacts_text(ctx(dialog_manager).settings) if stands else ""
    return {
        "edited": bool(data.get(VISIT_ID)),
        "concern_note": _(note) if note else "",
        "contacts": Html(contacts),
    }


# --- windows --------------------------------------------------------------------------------


def _is_editing(data: dict[str, Any], *_: Any) -> bool:
    return bool(data.get("editing"))


def _not_editing(data: dict[str, Any], *_: Any) -> bool:
    return not data.get("editing")


def _nav(back: Any | None = None) -> Row:
    """«Back» (to the previous step, or to the summary once it was shown) and «Cancel»."""

    async def go_back(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
        if manager.dialog_data.get(TO_SUMMARY):
            await manager.switch_to(VisitSG.summary)
        elif back is not None:
            await manager.switch_to(back)

    def visible(data: dict[str, Any], *_: Any) -> bool:
        if data.get("to_summary"):
            return True
        if back == VisitSG.family:
            return _can_pick_family(data)
        return back is not None

    return Row(Button(T("⬅️ Back"), id="back", on_click=go_back, when=visible), _cancel())


def _cancel() -> Any:
    return Start(
        T("✖️ Cancel"),
        id="cancel",
        state=MenuSG.main,
        mode=StartMode.RESET_STACK,
        data={NOTICE: MenuNotice.CANCELLED},
    )


def create_visit_dialog() -> Dialog:
    getters = [get_input_error, get_common]
    return Dialog(
        Window(
            T("<b>Record a visit</b>\nWhich family did you visit?"),
            choices("fam", "families", on_family),
            _nav(),
            state=VisitSG.family,
            getter=[*getters, get_families],
        ),
        Window(
            T(
                "No families are attached to you yet. The coordinator will attach them, and "
                "you will get a message — then you can record visits here."
            ),
            to_menu(),
            state=VisitSG.no_families,
        ),
        Window(
            input_error_line(),
            T("<b>Visit: {family}</b>\nWhen was it? Tap the day, or «Today» ({today})."),
            DateGrid("date", on_date, family_today),
            Button(T("📅 Today"), id="today", on_click=on_today),
            _nav(VisitSG.family),
            state=VisitSG.date,
            getter=getters,
        ),
        Window(
            T(
                "{pending} was {days} days ago. Is the date right? "
                "(Visits are best recorded soon after they happen.)"
            ),
            Button(T("✅ Yes, the date is right"), id="old_ok", on_click=on_old_date_ok),
            Button(T("📅 Choose another day"), id="old_no", on_click=to_date),
            state=VisitSG.old_date,
            getter=[*getters, get_old_date],
        ),
        Window(
            T("<b>Visit: {family}</b>\nWhat kind of contact was it?"),
            choices("fmt", "formats", on_format),
            _nav(VisitSG.date),
            state=VisitSG.format,
            getter=[*getters, get_formats],
        ),
        Window(
            T("How long did it take?"),
            choices("dur", "durations", on_duration, width=3),
            _nav(VisitSG.format),
            state=VisitSG.duration,
            getter=[*getters, get_durations],
        ),
        Window(
            input_error_line(),
            T("Which methods did you use? Tick all that apply, then tap «Next»."),
            checklist(METHODS, "methods"),
            Button(T("➡️ Next"), id="methods_done", on_click=on_methods_done),
            _nav(VisitSG.duration),
            state=VisitSG.methods,
            getter=[*getters, get_methods],
        ),
        Window(
            T("What help was given? Tick all that apply (or none), then tap «Next»."),
            checklist(HELP, "helps", width=2),
            Button(T("➡️ Next"), id="help_done", on_click=on_help_done),
            _nav(VisitSG.methods),
            state=VisitSG.help,
            getter=[*getters, get_help],
        ),
        Window(
            T("How is the family doing now?"),
            choices("sit", "situations", on_situation),
            _nav(VisitSG.help),
            state=VisitSG.situation,
            getter=[*getters, get_situations],
        ),
        Window(
            T("Is there any concern about a child's safety?"),
            Row(
                Button(T("No"), id="concern_no", on_click=on_no_concern),
                Button(T("⚠️ Yes"), id="concern_yes", on_click=on_concern),
            ),
            _nav(VisitSG.situation),
            state=VisitSG.concern,
            getter=getters,
        ),
        Window(
            input_error_line(),
            T(
                "What worries you? Write it in a message: the coordinators and the family's "
                "curator will get it right after you save the visit."
            ),
            MessageInput(on_concern_text, content_types=ContentType.ANY),
            _nav(VisitSG.concern),
            state=VisitSG.concern_text,
            getter=getters,
        ),
        Window(
            input_error_line(),
            T("Notes about the visit: send a text or a voice message, or tap «Skip»."),
            MessageInput(on_notes, content_types=ContentType.ANY),
            Button(T("Skip"), id="skip_notes", on_click=on_skip_notes),
            _nav(VisitSG.concern),
            state=VisitSG.notes,
            getter=getters,
        ),
        Window(
            input_error_line(),
            T("When do you plan the next visit? Tap the day, or «Not planned yet»."),
            DateGrid("next", on_next_date, family_today),
            Button(T("Not planned yet"), id="no_next", on_click=on_no_next_date),
            _nav(VisitSG.notes),
            state=VisitSG.next_date,
            getter=getters,
        ),
        Window(
            input_error_line(),
            T("<b>Check the visit, please</b>\n{summary}"),
            Row(
                Button(T("✅ Save"), id="save", on_click=on_save),
                _edit_button(),
            ),
            Cancel(T("✖️ Cancel"), id="cancel_edit", when=_is_editing),
            Row(_cancel(), when=_not_editing),
            state=VisitSG.summary,
            getter=[*getters, get_summary],
        ),
        Window(
            T("What would you like to change?"),
            choices("step", "steps", on_step, width=2),
            _back_to_summary(),
            state=VisitSG.edit,
            getter=[*getters, get_steps],
        ),
        Window(
            T("✅ The visit is saved. Thank you!", when=_not_editing),
            T("✅ The changes are saved.", when=_is_editing),
            T("{concern_note}", when="concern_note"),
            T("\n{contacts}", when="contacts"),
            Start(
                T("📝 Record another visit"),
                id="again",
                state=VisitSG.family,
                mode=StartMode.RESET_STACK,
                when=_not_editing,
            ),
            Cancel(T("⬅️ Back"), id="done_edit", when=_is_editing),
            Start(
                T("📋 My visits"),
                id="mine",
                state=MyVisitsSG.list,
                mode=StartMode.RESET_STACK,
                when=_not_editing,
            ),
            to_menu(),
            state=VisitSG.saved,
            getter=[*getters, get_saved],
        ),
        on_start=on_start,
    )


async def _to_edit(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await manager.switch_to(VisitSG.edit)


async def _to_summary(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await manager.switch_to(VisitSG.summary)


def _edit_button() -> Button:
    return Button(T("✏️ Edit"), id="edit", on_click=_to_edit)


def _back_to_summary() -> Button:
    return Button(T("⬅️ Back to the summary"), id="to_summary", on_click=_to_summary)
