"""Server-side paging: only one page of rows is read from the database per render."""

from __future__ import annotations

from typing import Any

from aiogram_dialog import DialogManager
from aiogram_dialog.widgets.kbd import NextPage, PrevPage, Row, StubScroll

from bot.dialogs.widgets import T

PAGE_SIZE = 8


async def current_page(manager: DialogManager, scroll_id: str) -> int:
    scroll = manager.find(scroll_id)
    return await scroll.get_page() if scroll is not None else 0  # type: ignore[attr-defined]


def pages(total: int) -> int:
    return max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)


def _has_prev(data: dict[str, Any], *_: Any) -> bool:
    return bool(data["current_page"] > 0)  # pagers see their own data, not the getter's


def _has_next(data: dict[str, Any], *_: Any) -> bool:
    return bool(data["current_page"] + 1 < data["pages"])


def pager(scroll_id: str) -> list[Any]:
    return [
        StubScroll(id=scroll_id, pages="pages"),
        Row(
            PrevPage(scroll=scroll_id, text=T("◀️"), when=_has_prev),
            NextPage(scroll=scroll_id, text=T("▶️"), when=_has_next),
        ),
    ]


def page_data(page: int, total: int) -> dict[str, object]:
    count = pages(total)
    page = min(page, count - 1)
    return {"pages": count, "page_no": page + 1}
