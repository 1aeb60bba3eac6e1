"""Choosing a family, the first step of several dialogs.

`family_page` reads one page of families for any picker (/invite, /programmes and the searchable
one below). The searchable picker (a new network meeting, /map) lists the open families by name,
takes a typed part of a name as a search, and checks a tapped family through the service again:
`family_search` is its part of the window, `get_families` its getter, `picked_family` the checks
every tap goes through before the dialog keeps the family.
"""

from __future__ import annotations

from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button

from bot.db.models import Family
from bot.dialogs.context import ctx
from bot.dialogs.paging import PAGE_SIZE, current_page, page_data, pager
from bot.dialogs.widgets import (
    T,
    choices,
    error_text,
    form_text,
    parse_id,
    shorten,
    show_input_error,
)
from bot.i18n import N_
from bot.services import families
from bot.services.access import Action, authorize
from bot.services.errors import DomainError

FAMILY_SCROLL = "meeting_family_scroll"
SEARCH = "search"  # dialog data: the part of a name typed last
SEARCH_MAX = 64
LABEL_MAX = 48

# The refusals of a picked family, in the words of every dialog that picks one this way.
FAMILY_ERRORS = {
    "family_closed": N_("This family's case has been closed: choose another family."),
    "family_not_found": N_("This family was not found: choose another one."),
}


async def family_page(
    manager: DialogManager,
    scroll_id: str,
    *,
    search: str | None = None,
    linked_only: bool = False,
    include_closed: bool = False,
) -> tuple[list[Family], dict[str, Any]]:
    """The families on the scroll's current page, by name, and the pager's data.

    All the service's families (the service checks the right to list them), or with
    `linked_only` the open families the person works with as a mentor or curator.
    """
    c = ctx(manager)
    actor = c.require_actor()
    page = await current_page(manager, scroll_id)
    if linked_only:
        rows, total = await families.my_families_page(
            c.session, actor, offset=page * PAGE_SIZE, limit=PAGE_SIZE
        )
    else:
        rows, total = await families.list_page(
            c.session,
            actor,
            c.now(),
            offset=page * PAGE_SIZE,
            limit=PAGE_SIZE,
            search=search,
            include_closed=include_closed,
        )
    return rows, {"total": total, **page_data(page, total)}


# --- the searchable picker ------------------------------------------------------------------


async def get_families(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    search = dialog_manager.dialog_data.get(SEARCH)
    rows, paging = await family_page(dialog_manager, FAMILY_SCROLL, search=search)
    return {
        "families": [(shorten(f.name, LABEL_MAX), str(f.id)) for f in rows],
        "search": search or "",
        **paging,
    }


async def on_family_search(message: Message, _w: Any, manager: DialogManager) -> None:
    text = form_text(message, manager, _("To search, send a part of the family's name as text."))
    if text is None:
        return
    manager.dialog_data[SEARCH] = text[:SEARCH_MAX]
    scroll = manager.find(FAMILY_SCROLL)
    if scroll is not None:
        await scroll.set_page(0)  # type: ignore[attr-defined]


async def on_clear_search(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    manager.dialog_data.pop(SEARCH, None)


def family_search(on_family: Any) -> list[Any]:
    """The picker's part of a window, below the dialog's own question: the search, the page of
    families as buttons (`on_family` gets the tapped id) and the pager. The window also needs
    `get_families` and an input error line for what `picked_family` refuses."""
    return [
        T("Search: «{search}»", when=SEARCH),
        T("(page {page_no} of {pages})", when=lambda d, *_: d["pages"] > 1),
        T(
            "No open families found. To search, send a part of the family's name.",
            when=lambda d, *_: not d["total"],
        ),
        T("To find a family, send a part of its name.", when="total"),
        MessageInput(on_family_search),
        choices("family", "families", on_family),
        *pager(FAMILY_SCROLL),
        Button(T("✖️ Clear the search"), id="clear", on_click=on_clear_search, when=SEARCH),
    ]


async def picked_family(
    manager: DialogManager, item: str, *, action: Action, open_only: bool
) -> Family | None:
    """The tapped family, once the person holds `action` and may see that family; with
    `open_only` its case must be open too. None when it is not taken: a stale or forged button
    leaves the window as it is, a refusal is shown above it (no right at all goes on up)."""
    c = ctx(manager)
    family_id = parse_id(item)
    if family_id is None:
        manager.show_mode = ShowMode.NO_UPDATE
        return None
    await authorize(c.session, c.actor, action)
    try:
        family = await families.require_view(c.session, c.actor, family_id)
    except DomainError as error:
        if error.code == "access_denied":
            raise
        show_input_error(manager, error_text(FAMILY_ERRORS, error))
        return None
    if open_only and family.closed_at is not None:
        show_input_error(manager, error_text(FAMILY_ERRORS, DomainError("family_closed")))
        return None
    return family
