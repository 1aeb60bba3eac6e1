"""A month of days as buttons, in the user's language, with "today" from the injected clock.

aiogram-dialog's Calendar takes today from the system clock and the month names from the
process locale, and it pads with buttons that carry empty callback data (Telegram refuses
those), so the visit form uses this small grid instead.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Any

from aiogram.types import CallbackQuery, InlineKeyboardButton
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager
from aiogram_dialog.api.internal import RawKeyboard
from aiogram_dialog.api.protocols import DialogProtocol
from aiogram_dialog.widgets.common import WhenCondition
from aiogram_dialog.widgets.kbd import Keyboard

from bot.i18n import N_

MONTHS = (
    N_("January"),
    N_("February"),
    N_("March"),
    N_("April"),
    N_("May"),
    N_("June"),
    N_("July"),
    N_("August"),
    N_("September"),
    N_("October"),
    N_("November"),
    N_("December"),
)
WEEKDAYS = (N_("Mo"), N_("Tu"), N_("We"), N_("Th"), N_("Fr"), N_("Sa"), N_("Su"))

PREV, NEXT, NOOP, DAY = "-", "+", ".", "d"

TodayGetter = Callable[[DialogManager], date]
OnDate = Callable[[CallbackQuery, "DateGrid", DialogManager, date], Awaitable[Any]]


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return _month_start(_month_start(day) + timedelta(days=32))


def _prev_month(day: date) -> date:
    return _month_start(_month_start(day) - timedelta(days=1))


class DateGrid(Keyboard):
    def __init__(
        self, id: str, on_click: OnDate, today: TodayGetter, when: WhenCondition = None
    ) -> None:
        super().__init__(id=id, when=when)
        self.on_click = on_click
        self.today = today

    def _offset(self, manager: DialogManager) -> date:
        raw = self.get_widget_data(manager, {}).get("month")
        if raw:
            try:
                return date.fromisoformat(raw)
            except ValueError:
                pass
        return _month_start(self.today(manager))

    def set_month(self, manager: DialogManager, day: date) -> None:
        self.get_widget_data(manager, {})["month"] = _month_start(day).isoformat()

    def _button(self, text: str, data: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(text=text, callback_data=self._item_callback_data(data))

    async def _render_keyboard(self, data: dict[str, Any], manager: DialogManager) -> RawKeyboard:
        today = self.today(manager)
        month = self._offset(manager)
        keyboard: RawKeyboard = [
            [
                self._button("◀️", PREV),
                self._button(f"{_(MONTHS[month.month - 1])} {month.year}", NOOP),
                self._button("▶️", NEXT),
            ],
            [self._button(_(name), NOOP) for name in WEEKDAYS],
        ]
        day = month - timedelta(days=month.weekday())
        end = _next_month(month)
        while day < end:
            row: list[Any] = []
            for _n in range(7):
                if day.month != month.month:
                    row.append(self._button("·", NOOP))
                else:
                    text = f"[{day.day}]" if day == today else str(day.day)
                    row.append(self._button(text, DAY + day.strftime("%Y%m%d")))
                day += timedelta(days=1)
            keyboard.append(row)
        return keyboard

    async def _process_item_callback(
        self,
        callback: CallbackQuery,
        data: str,
        dialog: DialogProtocol,
        manager: DialogManager,
    ) -> bool:
        if data == PREV:
            self.set_month(manager, _prev_month(self._offset(manager)))
            return True
        if data == NEXT:
            self.set_month(manager, _next_month(self._offset(manager)))
            return True
        if not data.startswith(DAY):
            return False  # a header or padding button: nothing to do
        try:
            picked = datetime.strptime(data[len(DAY) :], "%Y%m%d").date()
        except ValueError:
            return False
        await self.on_click(callback, self, manager, picked)
        return True
