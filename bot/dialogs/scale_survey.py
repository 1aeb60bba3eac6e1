"""A survey of scale items, one item per window: its position («2 of 4»), the statement, a row of
score buttons and «⬅️ Back». The family questionnaire and the meeting's Session Rating Scale
ask this way; each keeps its own items, scale, texts, states and what happens at the end.

The answers stay in dialog_data (under the dialog's own key) until the last item. Every score
tap carries the item's position, so a double tap cannot answer the next item, and goes through
the dialog's `still_open` check (rights and state again) before it is kept.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from aiogram.fsm.state import State
from aiogram.types import CallbackQuery
from aiogram_dialog import DialogManager, ShowMode
from aiogram_dialog.widgets.kbd import Button
from aiogram_dialog.widgets.text import Text

from bot.dialogs.context import Ctx, ctx
from bot.dialogs.widgets import T, Window, choices

INDEX = "index"  # dialog data: the position of the item on screen


class ScaleItem(Protocol):
    """One statement of the survey's content file."""

    code: str

    def get(self, locale: str) -> str: ...


@dataclass(frozen=True)
class ScaleSurvey:
    """The survey's mechanics for one dialog.

    `items` and `scale` read the dialog's content: the items in order, and the score buttons as
    (label, score) pairs. `still_open` says whether a tap may still count (and has moved the
    dialog on when not); `complete` gets the answers, by item code, once the last one is in.
    """

    state: State  # the window of the items
    intro: State  # where «⬅️ Back» from the first item goes
    answers_key: str  # dialog data: the scores so far, by item code
    widget_id: str
    items: Callable[[Ctx], Sequence[ScaleItem]]
    scale: Callable[[Ctx], Sequence[tuple[str, int]]]
    still_open: Callable[[DialogManager], Awaitable[bool]]
    complete: Callable[[DialogManager, dict[str, int]], Awaitable[None]]
    width: int = 1

    def restart(self, manager: DialogManager) -> None:
        """From the first item, with no answers."""
        manager.dialog_data.update({INDEX: 0, self.answers_key: {}})

    def answers(self, manager: DialogManager) -> dict[str, int]:
        return dict(manager.dialog_data.get(self.answers_key) or {})

    def _index(self, manager: DialogManager, count: int) -> int:
        value = manager.dialog_data.get(INDEX)
        return value if isinstance(value, int) and 0 <= value < count else 0

    def index(self, manager: DialogManager) -> int:
        """The position of the item on screen, from 0."""
        return self._index(manager, len(self.items(ctx(manager))))

    async def on_begin(self, _c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
        if await self.still_open(manager):
            manager.dialog_data[INDEX] = 0
            await manager.switch_to(self.state)

    async def get_item(self, dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
        c = ctx(dialog_manager)
        items = self.items(c)
        index = self._index(dialog_manager, len(items))
        return {
            "position": index + 1,
            "count": len(items),
            "statement": items[index].get(c.locale),
            # The item's position rides along: a double tap cannot answer the next item.
            "scores": [(label, f"{index}.{score}") for label, score in self.scale(c)],
        }

    async def on_score(self, _c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
        c = ctx(manager)
        items = self.items(c)
        index = self._index(manager, len(items))
        position, _dot, value = item.partition(".")
        if position != str(index) or value not in {str(score) for _, score in self.scale(c)}:
            manager.show_mode = ShowMode.NO_UPDATE  # a double tap on an item already answered
            return
        if not await self.still_open(manager):
            return
        answers = self.answers(manager)
        answers[items[index].code] = int(value)
        manager.dialog_data[self.answers_key] = answers
        if index + 1 < len(items):
            manager.dialog_data[INDEX] = index + 1
            return
        await self.complete(manager, answers)

    async def on_back(self, _c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
        index = self.index(manager)
        if index == 0:
            await manager.switch_to(self.intro)
            return
        manager.dialog_data[INDEX] = index - 1

    def window(self, *hints: Text, getter: Any = None) -> Window:
        """The item's window; `hints` (how to read the scale) go under the statement, `getter`
        adds the data they need."""
        return Window(
            T("<b>{position} of {count}</b>\n\n{statement}"),
            *hints,
            choices(self.widget_id, "scores", self.on_score, width=self.width),
            Button(T("⬅️ Back"), id="back", on_click=self.on_back),
            state=self.state,
            getter=[self.get_item, getter] if getter else self.get_item,
        )
