"""The request (обращение), a short form from the case window: the day the family came, how it
came, its request in its own words, the kinds of difficulty, the support level and its signs.

Correcting a recorded request walks the same steps with what was recorded already chosen. Every
step has a way back; nothing is saved until the last one, and the service checks it all again
(a forged code is dropped or refused).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Back, Button, Cancel

from bot.db.models import SupportLevel
from bot.dialogs.case.states import FAMILY_ID, RequestSG
from bot.dialogs.context import ctx
from bot.dialogs.widgets import (
    Dialog,
    Html,
    T,
    Window,
    checklist,
    choices,
    day_input,
    error_text,
    form_text,
    get_input_error,
    input_error_line,
    show_input_error,
    started_family,
    stored_id,
)
from bot.i18n import N_
from bot.labels import SUPPORT_LEVELS
from bot.markup import escape
from bot.services import families, intake
from bot.services.errors import DomainError

RECEIVED, SOURCE, WORDS, LEVEL = "received", "source", "words", "level"
DIFFICULTIES, SIGNS = "difficulties", "signs"  # the checklists' widget ids
EXISTING = "existing"
NOTICE = "notice"

ERRORS = {
    "family_closed": N_("This family's case is closed: its request can only be read."),
    "received_future": N_("That day has not come yet: please send the day the family came."),
    "received_old": N_("That is more than ten years ago: please check the date."),
    "source_unknown": N_("Please choose how the family came with a button."),
    "signs_required": N_("Please tick at least one sign that justifies this level."),
    "words_long": N_("That is a bit long: please keep it under 1000 characters."),
}
CANCEL = Cancel(T("✖️ Cancel"), id="request_cancel")
BACK = Back(T("⬅️ Back"), id="request_back")


def _family_id(manager: DialogManager) -> int:
    return stored_id(manager, FAMILY_ID, "family_not_found")


async def on_start(data: Any, manager: DialogManager) -> None:
    """The family from the start data (our code), checked; a recorded request fills the form."""
    c = ctx(manager)
    family_id = started_family(data)
    await intake.require_keep(c.session, c.actor, family_id)
    manager.dialog_data[FAMILY_ID] = family_id
    found = await intake.intake(c.session, c.actor, family_id, c.now())
    request = found.request
    if request is None:
        manager.dialog_data[LEVEL] = found.family.support_level
        return
    manager.dialog_data.update(
        {
            EXISTING: True,
            RECEIVED: request.received_on.isoformat(),
            SOURCE: request.source,
            WORDS: request.words,
            LEVEL: request.level,
        }
    )
    for widget_id, codes in ((DIFFICULTIES, request.difficulties), (SIGNS, request.level_signs)):
        widget = manager.find(widget_id)
        for code in codes:
            await widget.set_checked(code, True)  # type: ignore[union-attr]


# --- the day ------------------------------------------------------------------------------------


async def get_received(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    family = await intake.require_keep(c.session, c.actor, _family_id(dialog_manager))
    today = families.family_today(family, c.now())
    days = [(_("today"), today), (_("yesterday"), today - timedelta(days=1))]
    recorded = dialog_manager.dialog_data.get(RECEIVED)
    items = [(f"{label} · {day.strftime('%d.%m')}", day.isoformat()) for label, day in days]
    if recorded and recorded not in {day.isoformat() for _l, day in days}:
        as_date = date.fromisoformat(recorded)
        items.insert(
            0, (_("as recorded · {date}").format(date=as_date.strftime("%d.%m.%Y")), recorded)
        )
    return {"days": items}


async def _received(manager: DialogManager, day: date) -> None:
    c = ctx(manager)
    family = await intake.require_keep(c.session, c.actor, _family_id(manager))
    try:
        intake.check_received(family, day, c.now())
    except DomainError as error:
        show_input_error(manager, error_text(ERRORS, error))
        return
    manager.dialog_data[RECEIVED] = day.isoformat()
    await manager.switch_to(RequestSG.source)


on_day, on_day_text = day_input(_received)


# --- how the family came ------------------------------------------------------------------------


async def get_sources(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    chosen = dialog_manager.dialog_data.get(SOURCE)
    return {
        "sources": [
            (("✅ " if s.code == chosen else "") + s.label(c.locale), s.code)
            for s in c.content.intake.sources
        ]
    }


async def on_source(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    if item not in ctx(manager).content.intake.codes("sources"):
        manager.show_mode = ShowMode.NO_UPDATE  # not one of our buttons
        return
    manager.dialog_data[SOURCE] = item
    await manager.switch_to(RequestSG.words)


# --- the family's words -------------------------------------------------------------------------


async def get_words(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    words = dialog_manager.dialog_data.get(WORDS)
    return {"recorded": words or "", "has_words": bool(words)}


async def on_words(message: Message, _w: Any, manager: DialogManager) -> None:
    text = form_text(
        message,
        manager,
        _("Please send the family's request as text, or skip this step."),
        limit=intake.WORDS_MAX,
    )
    if text is None:
        return
    manager.dialog_data[WORDS] = text
    await manager.switch_to(RequestSG.difficulties)


async def on_skip_words(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    manager.dialog_data[WORDS] = None
    await manager.switch_to(RequestSG.difficulties)


async def on_keep_words(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await manager.switch_to(RequestSG.difficulties)


# --- the kinds of difficulty --------------------------------------------------------------------


async def get_difficulties(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    return {"kinds": [(d.label(c.locale), d.code) for d in c.content.intake.difficulties]}


async def on_next_to_level(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await manager.switch_to(RequestSG.level)


# --- the level and its signs --------------------------------------------------------------------


async def get_levels(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    chosen = dialog_manager.dialog_data.get(LEVEL)
    lines = []
    for level in SupportLevel:
        signs = c.content.intake.level_signs[level.value]
        lines.append(
            f"<b>{escape(_(SUPPORT_LEVELS[level]))}</b>: "
            + "; ".join(escape(s.label(c.locale)) for s in signs)
        )
    return {
        "levels": [
            (("✅ " if level.value == chosen else "") + _(name), level.value)
            for level, name in SUPPORT_LEVELS.items()
        ],
        "level_hint": Html("\n".join(lines)),
    }


async def on_level(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    if item not in {level.value for level in SupportLevel}:
        manager.show_mode = ShowMode.NO_UPDATE
        return
    if item != manager.dialog_data.get(LEVEL):
        await manager.find(SIGNS).reset_checked()  # type: ignore[union-attr]
    manager.dialog_data[LEVEL] = item
    await manager.switch_to(RequestSG.signs)


async def get_signs(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    level = SupportLevel(dialog_manager.dialog_data.get(LEVEL) or SupportLevel.BASIC)
    return {
        "level": _(SUPPORT_LEVELS[level]),
        "signs": [(s.label(c.locale), s.code) for s in c.content.intake.level_signs[level.value]],
    }


async def on_save(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    data = manager.dialog_data
    checked_signs = manager.find(SIGNS).get_checked()  # type: ignore[union-attr]
    if not checked_signs:
        show_input_error(manager, error_text(ERRORS, DomainError("signs_required")))
        return
    try:
        draft = intake.RequestDraft(
            received_on=date.fromisoformat(str(data.get(RECEIVED))),
            source=str(data.get(SOURCE) or ""),
            words=data.get(WORDS),
            difficulties=list(manager.find(DIFFICULTIES).get_checked()),  # type: ignore[union-attr]
            level=SupportLevel(data.get(LEVEL) or SupportLevel.BASIC),
            level_signs=list(checked_signs),
        )
    except ValueError:  # a step skipped by a forged press: start the form again
        await manager.switch_to(RequestSG.received)
        return
    try:
        await intake.save_request(
            c.session, c.require_actor(), _family_id(manager), draft, c.content.intake, c.now()
        )
    except DomainError as error:
        if error.code == "access_denied":
            raise
        show_input_error(manager, error_text(ERRORS, error))
        return
    await manager.done({NOTICE: _("✅ The request is saved.")})


def create_request_dialog() -> Dialog:
    return Dialog(
        Window(
            input_error_line(),
            T("<b>The request</b> (1/5). When did the family come to the service?"),
            T("Tap a day or send it as DD.MM.YYYY."),
            MessageInput(on_day_text),
            choices("request_day", "days", on_day),
            CANCEL,
            state=RequestSG.received,
            getter=[get_input_error, get_received],
        ),
        Window(
            T("<b>The request</b> (2/5). How did the family come to the service?"),
            choices("request_source", "sources", on_source, width=2),
            BACK,
            CANCEL,
            state=RequestSG.source,
            getter=get_sources,
        ),
        Window(
            input_error_line(),
            T(
                "<b>The request</b> (3/5). What does the family ask for, in its own words? "
                "Write it as they said it, for example «хочу, чтобы сын снова ходил в школу»."
            ),
            T("\nRecorded: «{recorded}»", when="has_words"),
            MessageInput(on_words),
            Button(
                T("➡️ Keep as recorded"), id="words_keep", on_click=on_keep_words, when="has_words"
            ),
            Button(T("➡️ Skip"), id="words_skip", on_click=on_skip_words),
            BACK,
            CANCEL,
            state=RequestSG.words,
            getter=[get_input_error, get_words],
        ),
        Window(
            T(
                "<b>The request</b> (4/5). Which kinds of difficulty does the family bring? "
                "Tick all that apply."
            ),
            checklist(DIFFICULTIES, "kinds", width=2),
            Button(T("➡️ Next"), id="kinds_next", on_click=on_next_to_level),
            BACK,
            CANCEL,
            state=RequestSG.difficulties,
            getter=get_difficulties,
        ),
        Window(
            T("<b>The request</b> (5/5). Which support level does the family need?\n"),
            T("{level_hint}"),
            choices("request_level", "levels", on_level, width=2),
            BACK,
            CANCEL,
            state=RequestSG.level,
            getter=get_levels,
        ),
        Window(
            input_error_line(),
            T("Level: <b>{level}</b>. Tick the signs that justify it, then save."),
            checklist(SIGNS, "signs"),
            Button(T("✅ Save the request"), id="request_save", on_click=on_save),
            BACK,
            CANCEL,
            state=RequestSG.signs,
            getter=[get_input_error, get_signs],
        ),
        on_start=on_start,
    )
