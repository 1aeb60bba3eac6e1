"""The parting, from the case window: the final meeting's day set ahead («🗓 Final meeting»;
the curator is reminded the day before) and, at the meeting, the family's own words about
before and after («🗣 The family's words»; the client speaks first). The final assessment is
the assessment's «📝 Final». Coordinators only; bot/services/cases.py checks it again.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Cancel, SwitchTo

from bot.dialogs.consilium.states import PartingSG
from bot.dialogs.context import ctx
from bot.dialogs.widgets import (
    Dialog,
    T,
    Window,
    choices,
    day_buttons,
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
from bot.services import cases, families
from bot.services.errors import DomainError

FAMILY_ID, BEFORE, NOTICE = "family_id", "before", "notice"
OFFSETS = (7, 14, 30)
ERRORS = {
    "family_closed": N_("This family's case is closed."),
    "final_planned_past": N_("That day has passed: please choose a later one."),
    "final_planned_far": N_("That is more than a year ahead: please check the date."),
    "words_long": N_("That is a bit long: please keep it under 1000 characters."),
}


def _family_id(manager: DialogManager) -> int:
    return stored_id(manager, FAMILY_ID, "family_not_found")


async def on_start(data: Any, manager: DialogManager) -> None:
    c = ctx(manager)
    family_id = started_family(data)
    await families.require_manage(c.session, c.actor, family_id)
    manager.dialog_data[FAMILY_ID] = family_id


async def get_days(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    family = await families.require_manage(c.session, c.actor, _family_id(dialog_manager))
    today = families.family_today(family, c.now())
    return {"days": day_buttons(today, OFFSETS)}


async def _day(manager: DialogManager, day: date) -> None:
    c = ctx(manager)
    try:
        await cases.plan_final_meeting(
            c.session, c.require_actor(), _family_id(manager), day, c.now()
        )
    except DomainError as error:
        if error.code == "access_denied":
            raise
        show_input_error(manager, error_text(ERRORS, error))
        return
    await manager.done(
        {
            NOTICE: _("✅ The final meeting is planned for {day}.").format(
                day=day.strftime("%d.%m.%Y")
            )
        }
    )


on_day, on_day_text = day_input(_day)


async def get_words(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    family = await families.require_manage(c.session, c.actor, _family_id(dialog_manager))
    state = await cases.case_state(c.session, family)
    record = state.record
    return {
        "was_before": (record.words_before if record else None) or "",
        "was_after": (record.words_after if record else None) or "",
    }


async def on_before(message: Message, _w: Any, manager: DialogManager) -> None:
    text = form_text(
        message,
        manager,
        _("Please send the family's words as text, or skip this step."),
        limit=cases.WORDS_MAX,
    )
    if text is None:
        return
    manager.dialog_data[BEFORE] = text
    await manager.switch_to(PartingSG.words_after)


async def on_skip_before(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    manager.dialog_data[BEFORE] = None
    await manager.switch_to(PartingSG.words_after)


async def _save_words(manager: DialogManager, after: str | None) -> None:
    c = ctx(manager)
    try:
        await cases.record_words(
            c.session,
            c.require_actor(),
            _family_id(manager),
            c.now(),
            before=manager.dialog_data.get(BEFORE),
            after=after,
        )
    except DomainError as error:
        if error.code == "access_denied":
            raise
        show_input_error(manager, error_text(ERRORS, error))
        return
    await manager.done({NOTICE: _("✅ The family's words are saved.")})


async def on_after(message: Message, _w: Any, manager: DialogManager) -> None:
    text = form_text(
        message,
        manager,
        _("Please send the family's words as text, or skip this step."),
        limit=cases.WORDS_MAX,
    )
    if text is None:
        return
    await _save_words(manager, text)


async def on_skip_after(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _save_words(manager, None)


def create_parting_dialog() -> Dialog:
    return Dialog(
        Window(
            input_error_line(),
            T(
                "<b>The final meeting</b> reviews the way from the first request with the "
                "family. When will it be? Tap a day or send it as DD.MM.YYYY. The curator is "
                "reminded the day before."
            ),
            MessageInput(on_day_text),
            choices("final_day", "days", on_day, width=3),
            Cancel(T("✖️ Cancel"), id="day_cancel"),
            state=PartingSG.day,
            getter=[get_input_error, get_days],
        ),
        Window(
            input_error_line(),
            T(
                "<b>The family's words</b> (1/2). The family speaks first: how was it before, "
                "when they came? Write it in their words."
            ),
            T("\nRecorded: «{was_before}»", when="was_before"),
            MessageInput(on_before),
            Button(T("➡️ Skip"), id="before_skip", on_click=on_skip_before),
            Cancel(T("✖️ Cancel"), id="before_cancel"),
            state=PartingSG.words_before,
            getter=[get_input_error, get_words],
        ),
        Window(
            input_error_line(),
            T("<b>The family's words</b> (2/2). And how is it now?"),
            T("\nRecorded: «{was_after}»", when="was_after"),
            MessageInput(on_after),
            Button(T("➡️ Skip"), id="after_skip", on_click=on_skip_after),
            SwitchTo(T("⬅️ Back"), id="after_back", state=PartingSG.words_before),
            state=PartingSG.words_after,
            getter=[get_input_error, get_words],
        ),
        on_start=on_start,
    )
