"""«📄 Case file (DOCX)» on the family's case window: which period (the whole case, this year,
the last 12 months or typed dates, in the family's calendar), then «Preparing…» and the document
in the background (bot/handlers/case_file.py). Coordinators only (the curator is one); every
render and press asks the service again, so a forged press or a role lost meanwhile is refused.
"""

from __future__ import annotations

from typing import Any

from aiogram.enums import ContentType
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Cancel, Row, SwitchTo

from bot.db.models import Family
from bot.dialogs.case_file.states import FAMILY_ID, CaseFileSG
from bot.dialogs.context import Ctx, ctx
from bot.dialogs.review.dialog import RANGE_HINTS
from bot.dialogs.widgets import (
    Dialog,
    T,
    Window,
    get_input_error,
    input_error_line,
    show_input_error,
    started_family,
    stored_id,
)
from bot.handlers.case_file import CaseFileRequest, start_case_file
from bot.services import case_file
from bot.services.case_file import PeriodKind
from bot.services.stats import Period, RangeError


def may_open(_data: Any, _widget: Any, manager: DialogManager) -> bool:
    """Whether the case window shows «📄 Case file (DOCX)» (the press is checked again)."""
    return case_file.shows_button(ctx(manager).actor)


async def open_case_file(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    """The case window's button: this dialog for the family the window shows."""
    family_id = stored_id(manager, FAMILY_ID, "family_not_found")
    await manager.start(CaseFileSG.period, data={FAMILY_ID: family_id})


async def on_start(data: Any, manager: DialogManager) -> None:
    family_id = started_family(data)
    c = ctx(manager)
    await case_file.require(c.session, c.actor, family_id)
    manager.dialog_data[FAMILY_ID] = family_id


async def _allowed(manager: DialogManager) -> tuple[Ctx, Family]:
    c = ctx(manager)
    family_id = stored_id(manager, FAMILY_ID, "family_not_found")
    return c, await case_file.require(c.session, c.actor, family_id)


async def get_family(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    _c, family = await _allowed(dialog_manager)
    return {"family": family.name}


async def on_preset(_c: CallbackQuery, button: Button, manager: DialogManager) -> None:
    c, family = await _allowed(manager)
    kind = PeriodKind(str(button.widget_id))  # our own buttons' ids
    await _chosen(manager, await case_file.period_for(c.session, c.actor, family.id, kind, c.now()))


async def on_dates(message: Message, _w: Any, manager: DialogManager) -> None:
    c, family = await _allowed(manager)
    try:
        # A sticker or a photo has no text: the same hint as for unreadable dates.
        period = await case_file.typed_period(c.session, c.actor, family.id, message.text or "")
    except RangeError as error:
        show_input_error(manager, _(RANGE_HINTS.get(error.reason, RANGE_HINTS["format"])))
        return
    await _chosen(manager, period)


async def _chosen(manager: DialogManager, period: Period) -> None:
    c, family = await _allowed(manager)
    data = manager.middleware_data
    chat = data.get("event_chat")
    actor = c.require_actor()
    await start_case_file(
        CaseFileRequest(
            bot=c.bot,
            chat_id=chat.id if chat is not None else actor.telegram_id,
            actor=actor,
            family_id=family.id,
            period=period,
            locale=c.locale,
            sessionmaker=data["sessionmaker"],
            clock=c.clock,
            i18n=data["i18n"],
            content=c.content,
            background=data["background"],
        )
    )
    await manager.done()  # back to the case window; the file job tells the rest itself


def create_case_file_dialog() -> Dialog:
    title = T("<b>📄 Case file (DOCX)</b> of the family «{family}»")
    return Dialog(
        Window(
            title,
            T(
                "Which period should it cover? The request, the make-up, the assessment and the "
                "closing are always there; visits, meetings, tasks and reviews are those of the "
                "period."
            ),
            Button(T("The whole case"), id=PeriodKind.WHOLE.value, on_click=on_preset),
            Row(
                Button(T("This year"), id=PeriodKind.YEAR.value, on_click=on_preset),
                Button(
                    T("The last 12 months"), id=PeriodKind.LAST_12_MONTHS.value, on_click=on_preset
                ),
            ),
            SwitchTo(T("Other dates…"), id="cf_custom", state=CaseFileSG.custom),
            Cancel(T("⬅️ Back"), id="cf_back"),
            state=CaseFileSG.period,
            getter=get_family,
        ),
        Window(
            title,
            T("Send the dates like 01.09.2026 – 30.11.2026 (the family's calendar)."),
            input_error_line(),
            MessageInput(on_dates, content_types=ContentType.ANY),
            SwitchTo(T("⬅️ Back"), id="cf_custom_back", state=CaseFileSG.period),
            state=CaseFileSG.custom,
            getter=[get_family, get_input_error],
        ),
        on_start=on_start,
    )
