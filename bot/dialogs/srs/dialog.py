"""The Session Rating Scale after a network meeting: four items 0–10 on buttons (asked by
bot/dialogs/scale_survey.py), an optional comment, then thanks. Opened by «📝 Rate the meeting»
under the survey message (handlers/srs.py). The scores stay in dialog_data until the end;
services.srs.submit stores them once (they cannot be changed afterwards). Every press re-checks
through the service that the person attended this meeting.
"""

from __future__ import annotations

from typing import Any

from aiogram.enums import ContentType
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode, StartMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button

from bot.content.srs import ITEM_MAX
from bot.dialogs.context import ctx
from bot.dialogs.scale_survey import ScaleSurvey
from bot.dialogs.srs.states import SrsSG
from bot.dialogs.widgets import (
    Dialog,
    T,
    Window,
    form_text,
    get_input_error,
    input_error_line,
    show_input_error,
    to_menu,
)
from bot.services import srs
from bot.services.errors import DomainError

PARTICIPANT_ID = "participant_id"
SCORES = "scores"
REFLECTED = "reflected"
ONLY_SENT = "only_sent"


async def open_survey(
    manager: DialogManager,
    participant_id: int,
    *,
    mode: StartMode = StartMode.RESET_STACK,
    show_mode: ShowMode | None = ShowMode.SEND,
) -> None:
    """Start the survey, or the "already sent" window; rights are checked by the service."""
    c = ctx(manager)
    answered = await srs.is_answered(c.session, c.actor, participant_id)
    await manager.start(
        SrsSG.already if answered else SrsSG.intro,
        data={PARTICIPANT_ID: participant_id},
        mode=mode,
        show_mode=show_mode,
    )


async def on_start(data: Any, manager: DialogManager) -> None:
    if isinstance(data, dict) and isinstance(data.get(PARTICIPANT_ID), int):
        manager.dialog_data[PARTICIPANT_ID] = data[PARTICIPANT_ID]
        SURVEY.restart(manager)


def _participant_id(manager: DialogManager) -> int:
    value = manager.dialog_data.get(PARTICIPANT_ID)
    if not isinstance(value, int):
        raise DomainError("participant_not_found")
    return value


async def _still_open(manager: DialogManager) -> bool:
    c = ctx(manager)
    if await srs.is_answered(c.session, c.actor, _participant_id(manager)):
        await manager.switch_to(SrsSG.already)
        return False
    return True


async def get_intro(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    await srs.is_answered(c.session, c.actor, _participant_id(dialog_manager))  # rights
    form = c.content.srs
    return {"title": form.title.get(c.locale), "intro": form.intro.get(c.locale)}


async def _to_comment(manager: DialogManager, _scores: dict[str, int]) -> None:
    await manager.switch_to(SrsSG.comment)


SURVEY = ScaleSurvey(
    state=SrsSG.item,
    intro=SrsSG.intro,
    answers_key=SCORES,
    widget_id="srs_value",
    items=lambda c: c.content.srs.items,
    scale=lambda _c: [(str(v), v) for v in range(ITEM_MAX + 1)],
    still_open=_still_open,
    complete=_to_comment,
    width=6,
)


async def get_scale_ends(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    """What 0 and the top score mean for the item on screen."""
    c = ctx(dialog_manager)
    item = c.content.srs.items[SURVEY.index(dialog_manager)]
    return {"low": item.low.get(c.locale), "high": item.high.get(c.locale), "max": ITEM_MAX}


async def _submit(manager: DialogManager, comment: str | None) -> None:
    c = ctx(manager)
    scores = SURVEY.answers(manager)
    try:
        saved = await srs.submit(
            c.session, c.actor, _participant_id(manager), scores, comment, c.now(), c.content.srs
        )
    except DomainError as error:
        if error.code == "srs_incomplete":  # the items were edited meanwhile: ask again
            SURVEY.restart(manager)
            await manager.switch_to(SrsSG.item)
            return
        if error.code == "srs_comment_long":
            show_input_error(
                manager,
                _("That is a bit long: please keep it under {limit} characters.").format(
                    limit=srs.COMMENT_MAX
                ),
            )
            return
        raise
    if not saved:
        await manager.switch_to(SrsSG.already)
    elif c.content.srs.reflection is None:  # the open question is switched off in the file
        manager.dialog_data[ONLY_SENT] = True
        await manager.switch_to(SrsSG.done)
    else:
        await manager.switch_to(SrsSG.thanks)


async def on_comment(message: Message, _w: Any, manager: DialogManager) -> None:
    not_text = _("Please write the comment as text, or tap «Skip».")
    text = form_text(message, manager, not_text, limit=srs.COMMENT_MAX)
    if text is not None:
        await _submit(manager, text)


async def on_skip(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _submit(manager, None)


async def get_thanks(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    question = c.content.srs.reflection
    return {
        "question": question.get(c.locale) if question is not None else "—",
        **await get_input_error(dialog_manager, **kwargs),
    }


async def on_reflection(message: Message, _w: Any, manager: DialogManager) -> None:
    not_text = _("Please write your answer as text, or tap «Skip».")
    text = form_text(message, manager, not_text, limit=srs.REFLECTION_MAX)
    if text is None:
        return
    c = ctx(manager)
    if not await srs.add_reflection(c.session, c.actor, _participant_id(manager), text):
        await manager.switch_to(SrsSG.already)
        return
    manager.dialog_data[REFLECTED] = True
    await manager.switch_to(SrsSG.done)


async def on_skip_reflection(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await manager.switch_to(SrsSG.done)


async def get_done(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    sent = bool(data.get(ONLY_SENT))
    reflected = bool(data.get(REFLECTED))
    return {ONLY_SENT: sent, REFLECTED: reflected, "skipped": not (sent or reflected)}


def create_srs_dialog() -> Dialog:
    return Dialog(
        Window(
            T("📝 <b>{title}</b>\n\n{intro}"),
            Button(T("Begin"), id="begin", on_click=SURVEY.on_begin),
            to_menu(T("Later")),
            state=SrsSG.intro,
            getter=get_intro,
        ),
        SURVEY.window(T("\n0 — {low}, {max} — {high}"), getter=get_scale_ends),
        Window(
            input_error_line(),
            T(
                "Thank you! Anything you would like to add for the facilitators? Write it in one "
                "message, or tap «Skip»."
            ),
            MessageInput(on_comment, content_types=ContentType.ANY),
            Button(T("Skip"), id="skip", on_click=on_skip),
            state=SrsSG.comment,
            getter=get_input_error,
        ),
        Window(
            input_error_line(),
            T("Thank you! Your answers are sent to the facilitators."),
            T("\nOne more question, only if you like:\n<b>{question}</b>"),
            T("Write it in one message, or tap «Skip»."),
            MessageInput(on_reflection, content_types=ContentType.ANY),
            Button(T("Skip"), id="skip_reflection", on_click=on_skip_reflection),
            state=SrsSG.thanks,
            getter=get_thanks,
        ),
        Window(
            T("Thank you for sharing it: the facilitators will read it.", when=REFLECTED),
            T("Thank you! Take care.", when="skipped"),
            T("Thank you! Your answers are sent to the facilitators.", when=ONLY_SENT),
            to_menu(),
            state=SrsSG.done,
            getter=get_done,
        ),
        Window(
            T("You have already sent your answers about this meeting. Thank you!"),
            to_menu(),
            state=SrsSG.already,
        ),
        on_start=on_start,
    )
