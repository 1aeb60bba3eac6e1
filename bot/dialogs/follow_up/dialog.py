"""The family questionnaire again some months after the programme (a follow-up).

Opened by «📝 Tell us how things are» under the invitation or its reminder (handlers.py), with
start data {"follow_up_id": id}. The same statements and scale as the entry and exit
questionnaire, asked by bot/dialogs/scale_survey.py; the answers stay in dialog_data until the
last one, then services.programme_follow_ups.save stores them once for the family. Every press
re-checks through the service that the person is a parent of that family and the follow-up is
still open. Parents see no scores.
"""

from __future__ import annotations

from typing import Any

from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode, StartMode
from aiogram_dialog.widgets.kbd import Button

from bot.dialogs.context import ctx
from bot.dialogs.follow_up.states import FollowUpSG
from bot.dialogs.questionnaire.dialog import SURVEY as QUESTIONNAIRE
from bot.dialogs.scale_survey import ScaleSurvey
from bot.dialogs.widgets import Dialog, T, Window, to_menu
from bot.i18n import N_
from bot.notifications.follow_ups import since_sentence
from bot.services import programme_follow_ups
from bot.services.errors import DomainError

FOLLOW_UP_ID = "follow_up_id"
MONTHS = "months"
PROGRAMME = "programme"
ANSWERS = "answers"

ALREADY = N_("Your family has already told us. Thank you!")
CLOSED = N_("This questionnaire is closed now. Thank you all the same!")


async def open_follow_up(
    manager: DialogManager,
    follow_up_id: int,
    *,
    mode: StartMode = StartMode.NORMAL,
    show_mode: ShowMode | None = None,
) -> str | None:
    """Starts the follow-up, or returns why not (already answered, closed) as a text."""
    c = ctx(manager)
    try:
        opened = await programme_follow_ups.check_open(c.session, c.actor, follow_up_id)
    except DomainError as error:
        if error.code != programme_follow_ups.CLOSED:
            raise
        return _(CLOSED)
    if opened is None:
        return _(ALREADY)
    await manager.start(
        FollowUpSG.intro,
        data={FOLLOW_UP_ID: follow_up_id, MONTHS: opened.months, PROGRAMME: opened.programme},
        mode=mode,
        show_mode=show_mode,
    )
    return None


async def on_start(data: Any, manager: DialogManager) -> None:
    if isinstance(data, dict) and isinstance(data.get(FOLLOW_UP_ID), int):
        manager.dialog_data.update(
            {
                FOLLOW_UP_ID: data[FOLLOW_UP_ID],
                MONTHS: data.get(MONTHS),
                PROGRAMME: data.get(PROGRAMME),
            }
        )
        SURVEY.restart(manager)


def _target(manager: DialogManager) -> int:
    follow_up_id = manager.dialog_data.get(FOLLOW_UP_ID)
    if not isinstance(follow_up_id, int):
        raise DomainError(programme_follow_ups.CLOSED)
    return follow_up_id


async def _still_open(manager: DialogManager) -> bool:
    """Rights and state again, for this press; otherwise the window says why it ended."""
    c = ctx(manager)
    try:
        opened = await programme_follow_ups.check_open(c.session, c.actor, _target(manager))
    except DomainError as error:
        if error.code != programme_follow_ups.CLOSED:
            raise
        await manager.switch_to(FollowUpSG.closed)
        return False
    if opened is None:
        await manager.switch_to(FollowUpSG.already)
        return False
    return True


async def get_intro(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    _target(dialog_manager)
    form = c.content.questionnaire
    months = dialog_manager.dialog_data.get(MONTHS)
    code = str(dialog_manager.dialog_data.get(PROGRAMME) or "")
    programme = c.content.programmes.get(code)
    title = programme.title.get(c.locale) if programme else code
    # T escapes the values it is given: the title stays plain here.
    since = since_sentence(_, months if isinstance(months, int) else 0, title)
    return {"title": form.title.get(c.locale), "since": since}


async def _save(manager: DialogManager, answers: dict[str, int]) -> None:
    c = ctx(manager)
    try:
        saved = await programme_follow_ups.save(
            c.session, c.actor, _target(manager), answers, c.now(), c.content.questionnaire
        )
    except DomainError as error:
        if error.code == programme_follow_ups.CLOSED:
            await manager.switch_to(FollowUpSG.closed)
            return
        if error.code == programme_follow_ups.INCOMPLETE:
            # The statements were edited meanwhile: ask them all again.
            SURVEY.restart(manager)
            return
        raise
    await manager.switch_to(FollowUpSG.thanks if saved else FollowUpSG.already)


SURVEY = ScaleSurvey(
    state=FollowUpSG.statement,
    intro=FollowUpSG.intro,
    answers_key=ANSWERS,
    widget_id="fu_value",
    # The same statements and scale as the entry and exit questionnaire.
    items=QUESTIONNAIRE.items,
    scale=QUESTIONNAIRE.scale,
    still_open=_still_open,
    complete=_save,
)


def create_follow_up_dialog() -> Dialog:
    return Dialog(
        Window(
            T(
                "🌿 <b>{title}</b>\n\n{since} How are things now? The same few statements as "
                "before: rate each from 1 to 5, how true it is of your family today. There are "
                "no right or wrong answers."
            ),
            Button(T("Begin"), id="begin", on_click=SURVEY.on_begin),
            to_menu(T("Later")),
            state=FollowUpSG.intro,
            getter=get_intro,
        ),
        SURVEY.window(T("\nHow true is this of your family now?")),
        Window(
            T(
                "Thank you for telling us! Your answers are saved. It is good to hear from "
                "your family again."
            ),
            to_menu(),
            state=FollowUpSG.thanks,
        ),
        Window(T(ALREADY), to_menu(), state=FollowUpSG.already),
        Window(T(CLOSED), to_menu(), state=FollowUpSG.closed),
        on_start=on_start,
    )
