"""Widgets every dialog shares."""

from __future__ import annotations

import operator
import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext
from aiogram_dialog import Dialog as BaseDialog
from aiogram_dialog import ShowMode, StartMode
from aiogram_dialog import Window as DialogWindow
from aiogram_dialog.api.entities import Context
from aiogram_dialog.api.internal.widgets import MarkupVariant, RawKeyboard
from aiogram_dialog.api.protocols import CancelEventProcessing, DialogManager
from aiogram_dialog.widgets.common import WhenCondition
from aiogram_dialog.widgets.kbd import Group, Multiselect, Select, Start
from aiogram_dialog.widgets.markup.inline_keyboard import InlineKeyboardFactory
from aiogram_dialog.widgets.text import Text

from bot.i18n import N_
from bot.markup import escape
from bot.services.errors import DomainError


class Html(str):
    """A value that is already safe HTML (built by us), so T() does not escape it again."""


class _Escaping(dict[str, Any]):
    def __getitem__(self, key: str) -> Any:
        value = super().__getitem__(key)
        if isinstance(value, Html):
            return value
        return escape(value) if isinstance(value, str) else value


class T(Text):
    """gettext at render time, then str.format with every string value HTML-escaped.

    `pybabel extract -k T` picks these up.
    """

    def __init__(self, text: str, when: WhenCondition = None) -> None:
        super().__init__(when=when)
        self.text = text

    async def _render_text(self, data: dict[str, Any], manager: DialogManager) -> str:
        return gettext(self.text).format_map(_Escaping(data))


def to_menu(text: Text | None = None) -> Start:
    """Back to the main menu, whatever was open: the stack is reset."""
    from bot.dialogs.menu.states import MenuSG

    return Start(text or T("🏠 Menu"), id="to_menu", state=MenuSG.main, mode=StartMode.RESET_STACK)


class CompactKeyboardFactory(InlineKeyboardFactory):
    """Drops empty rows (hidden buttons, pagers with one page) before the keyboard is sent."""

    async def render_markup(
        self, data: dict[str, Any], manager: DialogManager, keyboard: RawKeyboard
    ) -> MarkupVariant:
        return await super().render_markup(data, manager, [row for row in keyboard if row])


UNHANDLED = "unhandled_message"  # dialog data: the hint shown once above the window

# A message sent where the window has nothing that takes it (or takes another kind).
TAP_A_BUTTON = N_(
    "This step takes a tap on one of the buttons below, so your message was not saved. "
    "/cancel leaves this screen."
)
NOT_THIS_KIND = N_(
    "I cannot take this kind of message at this step, so it was not saved. Please send what "
    "the step asks for, or /cancel to stop."
)


class Window(DialogWindow):
    """aiogram-dialog's Window that never sends an empty keyboard row, and shows above its text
    why the person's last message was not taken (see Dialog._message_handler)."""

    def __init__(self, *widgets: Any, **kwargs: Any) -> None:
        kwargs.setdefault("markup_factory", CompactKeyboardFactory())
        super().__init__(*widgets, **kwargs)

    async def render_text(self, data: dict[str, Any], manager: DialogManager) -> str:
        text = await super().render_text(data, manager)
        hint = manager.dialog_data.pop(UNHANDLED, None) if manager.has_context() else None
        return f"⚠️ {escape(hint)}\n\n{text}" if hint else text


# The id of the dialog that last closed back to this one (kept in the parent's dialog data).
CLOSED_INTENT = "closed_intent"
_JUST_CLOSED = "just_closed_intent"


def repeated_tap(manager: DialogManager, message_id: int, intent_id: str | None) -> bool:
    """A quick second tap whose first one already turned this message into another live window:
    the buttons belong to a dialog still on the stack under the one now shown (the first tap
    opened a dialog over it), or to the dialog that just closed back to the one now shown."""
    if intent_id is None or not manager.has_context():
        return False
    stack = manager.current_stack()
    if stack.last_message_id != message_id:
        return False
    shown = manager.current_context()
    return intent_id in stack.intents or shown.dialog_data.get(CLOSED_INTENT) == intent_id


class Dialog(BaseDialog):
    """aiogram-dialog's Dialog, minus a pointless redraw, plus a memory of the dialog that just
    closed back to it (`repeated_tap` above: a quick second tap on that dialog's buttons).

    A press that no widget handled (a double tap, a button of a window already left) makes
    aiogram-dialog redraw the window into the same message; when that message already shows the
    current window, Telegram answers "message is not modified". Nothing changed, so nothing is sent.
    Relies on aiogram-dialog 2.6's `_need_refresh`, hence the pinned version.
    """

    def _need_refresh(
        self, processed: bool, old_context: Context, dialog_manager: DialogManager
    ) -> bool:
        event = dialog_manager.event
        if (
            not processed
            and isinstance(event, CallbackQuery)
            and event.message is not None
            and dialog_manager.has_context()
            and dialog_manager.current_context() == old_context
            and dialog_manager.current_stack().last_message_id == event.message.message_id
        ):
            return False
        return bool(super()._need_refresh(processed, old_context, dialog_manager))

    async def process_close(self, result: Any, manager: DialogManager) -> None:
        # Remembered for the dialog it returns to (below): a quick second tap on the buttons of
        # the dialog that just closed is then a repeat, not a stale button (handlers/errors.py).
        manager.middleware_data[_JUST_CLOSED] = manager.current_context().id
        await super().process_close(result, manager)

    async def process_result(self, start_data: Any, result: Any, manager: DialogManager) -> None:
        closed = manager.middleware_data.pop(_JUST_CLOSED, None)
        if closed is not None:
            manager.dialog_data[CLOSED_INTENT] = closed
        await super().process_result(start_data, result, manager)

    async def _message_handler(self, message: Message, dialog_manager: DialogManager) -> None:
        """No message vanishes: one that no widget of the window took (a window of buttons
        only, or an input that refused its kind) is a parent's homework if it looks like one
        (README: it goes to the open week), else the window comes again below it, saying why.
        aiogram-dialog 2.6 would redraw the window and drop the message without a word."""
        old_context = dialog_manager.current_context()
        window = await self._current_window(dialog_manager)
        try:
            processed = await window.process_message(message, self, dialog_manager)
        except CancelEventProcessing:
            processed = False
        if processed:
            if self._need_refresh(processed, old_context, dialog_manager):
                await dialog_manager.show()
            return
        await self._not_taken(message, window, dialog_manager)

    async def _not_taken(self, message: Message, window: Any, manager: DialogManager) -> None:
        from bot.dialogs.homework.dialog import take_loose_answer

        takes_messages = getattr(window, "on_message", None) is not None
        # A bare number on a screen of buttons is a slip for a button (a scale, a rating).
        if not _looks_like_a_tap(message) and await take_loose_answer(message, manager):
            return
        hint = command_in_form(message) or gettext(
            NOT_THIS_KIND if takes_messages else TAP_A_BUTTON
        )
        if manager.has_context():
            manager.dialog_data[UNHANDLED] = hint
            await manager.show(ShowMode.SEND)  # below their message, with the hint on top
        else:
            await message.answer(hint)


def _looks_like_a_tap(message: Message) -> bool:
    text = (message.text or "").strip()
    return text.isdigit() and len(text) <= 2


INPUT_ERROR = "input_error"


def input_error_line() -> T:
    """Where a window says what was wrong with the last input, in the same message as the ask."""
    return T("⚠️ {input_error}", when=INPUT_ERROR)


def command_in_form(message: Message) -> str | None:
    """The hint for a command typed where a form expects text (known ones never get here)."""
    if re.match(r"/\w", message.text or ""):
        return gettext(
            "That looks like a command, so nothing was saved. Send the text, or /cancel to stop."
        )
    return None


def shorten(text: str, limit: int) -> str:
    """`text` on one line (runs of spaces and line breaks folded), cut to `limit` characters
    with "…" where it was cut: for buttons and list lines."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: max(limit - 1, 0)].rstrip() + "…"


def parse_id(raw: Any) -> int | None:
    """An id that came with a button: digits only, at most 9 of them (anything else is forged)."""
    text = str(raw)
    return int(text) if text.isdigit() and len(text) <= 9 else None


def stored_id(manager: DialogManager, key: str, missing: str) -> int:
    """An id our code put into the dialog's data (never one from a button); without it the
    dialog cannot go on: DomainError(missing)."""
    value = manager.dialog_data.get(key)
    if not isinstance(value, int):
        raise DomainError(missing)
    return value


def started_family(data: Any) -> int:
    """The family id in a dialog's start data (set by our code; the caller checks access)."""
    family_id = data.get("family_id") if isinstance(data, dict) else None
    if not isinstance(family_id, int):
        raise DomainError("family_not_found")
    return family_id


def error_text(errors: Mapping[str, str], error: DomainError, **values: object) -> str:
    """The kind sentence for a refused input: the dialog's table by error code, else a plain
    "try again"; `values` fill the sentence's {placeholders}."""
    message = errors.get(error.code)
    if message is None:
        return gettext("That did not work. Please try again.")
    return gettext(message).format(**values) if values else gettext(message)


def show_input_error(manager: DialogManager, text: str) -> None:
    manager.dialog_data[INPUT_ERROR] = text


def form_text(
    message: Message,
    manager: DialogManager,
    not_text: str,
    *,
    limit: int | None = None,
    one_line: bool = False,
) -> str | None:
    """The text typed into a form's text step, stripped; None once the step shows what was wrong.

    A command typed there → the command hint; no text (a sticker, a photo, a location…) or only
    spaces → `not_text` (translated by the caller: it names what the step asks for); longer than
    `limit` characters → "a bit long". `one_line` folds every run of spaces and line breaks into
    one space before the length is counted. On None the caller returns: nothing is saved.
    """
    if hint := command_in_form(message):
        show_input_error(manager, hint)
        return None
    raw = message.text or ""
    text = " ".join(raw.split()) if one_line else raw.strip()
    if not text:
        show_input_error(manager, not_text)
        return None
    if limit is not None and len(text) > limit:
        show_input_error(
            manager,
            gettext("That is a bit long: please keep it under {limit} characters.").format(
                limit=limit
            ),
        )
        return None
    return text


DayChosen = Callable[[DialogManager, date], Awaitable[None]]


def day_input(
    chosen: DayChosen,
) -> tuple[
    Callable[[CallbackQuery, Any, DialogManager, str], Awaitable[None]],
    Callable[[Message, Any, DialogManager], Awaitable[None]],
]:
    """The two ways a date step takes a day: a tap on a day button (its item is the ISO date)
    and a typed DD.MM.YYYY. Both end in `chosen`; a bad typed date gets the format hint."""

    async def on_pick(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
        try:
            picked = date.fromisoformat(item)
        except ValueError:  # not one of our buttons
            manager.show_mode = ShowMode.NO_UPDATE
            return
        await chosen(manager, picked)

    async def on_text(message: Message, _w: Any, manager: DialogManager) -> None:
        try:
            picked = datetime.strptime((message.text or "").strip(), "%d.%m.%Y").date()
        except ValueError:
            show_input_error(
                manager, gettext("Please send the date as DD.MM.YYYY, for example 05.12.2026.")
            )
            return
        await chosen(manager, picked)

    return on_pick, on_text


def day_buttons(today: date, offsets: tuple[int, ...]) -> list[tuple[str, str]]:
    """(DD.MM, ISO date) for `today` plus each offset in days: the items of a date step's
    buttons, taken back by day_input."""
    days = [today + timedelta(days=n) for n in offsets]
    return [(day.strftime("%d.%m"), day.isoformat()) for day in days]


async def get_input_error(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    return {INPUT_ERROR: dialog_manager.dialog_data.pop(INPUT_ERROR, "")}


def choices(
    widget_id: str,
    items_key: str,
    on_click: Any,
    *,
    width: int = 1,
    label: Text | None = None,
) -> Group:
    """Buttons for a list of (label, id) pairs from the getter, `width` per row."""
    return Group(
        Select(
            label or T("{item[0]}"),
            id=widget_id,
            item_id_getter=operator.itemgetter(1),
            items=items_key,
            on_click=on_click,
        ),
        width=width,
    )


def checklist(widget_id: str, items_key: str, *, width: int = 1) -> Group:
    """Tick-boxes for a list of (label, id) pairs from the getter; read with manager.find(id)."""
    return Group(
        Multiselect(
            T("✅ {item[0]}"),
            T("▫️ {item[0]}"),
            id=widget_id,
            item_id_getter=operator.itemgetter(1),
            items=items_key,
        ),
        width=width,
    )


def start_beside(callback: CallbackQuery, manager: DialogManager) -> None:
    """Let a dialog started from a button under an ordinary bot message (a week's homework, a
    digest, an invitation) leave that message and its buttons alone.

    aiogram-dialog takes the message under a pressed button for its own window and strips its
    keyboard when it sends a new one. Without the message it treats the press like a command: the
    previous window loses its buttons, this message keeps its own. Relies on aiogram-dialog 2.6's
    ManagerImpl._event (the version is pinned).
    """
    from aiogram_dialog.manager.manager import ManagerImpl

    if isinstance(manager, ManagerImpl):
        manager._event = callback.model_copy(update={"message": None})
