"""/families: the list (paged, searchable by name, a button per family) and adding a family."""

from __future__ import annotations

from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Back, Button, Cancel, Row, Start

from bot.db.models import SupportLevel
from bot.dialogs.context import ctx
from bot.dialogs.families.states import FamiliesSG, FamilyAddSG, FamilyCardSG
from bot.dialogs.paging import PAGE_SIZE, current_page, page_data, pager
from bot.dialogs.widgets import (
    Dialog,
    T,
    Window,
    choices,
    form_text,
    get_input_error,
    input_error_line,
    show_input_error,
    to_menu,
)
from bot.i18n import N_
from bot.labels import SUPPORT_LEVELS as LEVEL_NAMES
from bot.services import families
from bot.services.access import Action, authorize
from bot.services.errors import DomainError

SCROLL = "families_scroll"
NAME_ERRORS = {
    "family_name_empty": N_("Please send the name as text, for example «Ивановы (Кемерово)»."),
    "family_name_too_long": N_("That is a bit long: please keep the name under 64 characters."),
}


# --- list -----------------------------------------------------------------------------------


async def on_list_start(_data: Any, manager: DialogManager) -> None:
    c = ctx(manager)
    await authorize(c.session, c.actor, Action.FAMILY_LIST)


async def get_list(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    page = await current_page(dialog_manager, SCROLL)
    search = dialog_manager.dialog_data.get("search")
    show_closed = bool(dialog_manager.dialog_data.get("show_closed"))
    rows, total = await families.list_page(
        c.session,
        c.require_actor(),
        c.now(),
        offset=page * PAGE_SIZE,
        limit=PAGE_SIZE,
        search=search,
        include_closed=show_closed,
    )
    items = [
        (
            f"{'🔒 ' if family.closed_at else ''}{family.name} · "
            f"{c.content.category_label(family.category, c.locale)} · "
            f"{_(LEVEL_NAMES[SupportLevel(family.support_level)])}",
            str(family.id),
        )
        for family in rows
    ]
    return {
        "items": items,
        "total": total,
        "search": search or "",
        "show_closed": show_closed,
        **page_data(page, total),
    }


async def _first_page(manager: DialogManager) -> None:
    scroll = manager.find(SCROLL)
    if scroll is not None:
        await scroll.set_page(0)  # type: ignore[attr-defined]


async def on_search(message: Message, _w: Any, manager: DialogManager) -> None:
    text = form_text(message, manager, _("To search, send a part of the family's name as text."))
    if text is None:
        return
    manager.dialog_data["search"] = text[:64]
    await _first_page(manager)


async def on_clear_search(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    manager.dialog_data.pop("search", None)
    await _first_page(manager)


async def on_toggle_closed(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    manager.dialog_data["show_closed"] = not manager.dialog_data.get("show_closed")
    await _first_page(manager)


async def on_pick(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    if not item.isdigit():
        return
    # The card checks that this person may see this family: the id came with a button.
    await manager.start(FamilyCardSG.card, data={"family_id": int(item)})


def create_families_dialog() -> Dialog:
    return Dialog(
        Window(
            input_error_line(),
            T("<b>Families</b>: {total} (page {page_no} of {pages})", when="total"),
            T("Search: «{search}»", when="search"),
            T("Closed cases are shown too (🔒).", when="show_closed"),
            T("No families found.", when=lambda d, *_: not d["total"]),
            T("Tap a family to open its card. To find a family, send a part of its name."),
            MessageInput(on_search),
            choices("family", "items", on_pick),
            *pager(SCROLL),
            Button(T("✖️ Clear the search"), id="clear", on_click=on_clear_search, when="search"),
            Button(
                T("🔒 Show closed cases"),
                id="show_closed",
                on_click=on_toggle_closed,
                when=lambda d, *_: not d["show_closed"],
            ),
            Button(
                T("Hide closed cases"),
                id="hide_closed",
                on_click=on_toggle_closed,
                when="show_closed",
            ),
            Start(T("➕ Add a family"), id="add", state=FamilyAddSG.name),
            to_menu(),
            state=FamiliesSG.list,
            getter=[get_input_error, get_list],
        ),
        on_start=on_list_start,
    )


# --- add ------------------------------------------------------------------------------------


async def on_add_start(_data: Any, manager: DialogManager) -> None:
    c = ctx(manager)
    await authorize(c.session, c.actor, Action.FAMILY_CREATE)


async def on_name(message: Message, _w: Any, manager: DialogManager) -> None:
    not_text = NAME_ERRORS["family_name_empty"]  # the same hint as the service's for a blank name
    text = form_text(message, manager, _(not_text))
    if text is None:
        return
    try:
        name = families.clean_name(text)
    except DomainError as error:
        show_input_error(manager, _(NAME_ERRORS[error.code]))
        return
    manager.dialog_data["name"] = name
    await manager.switch_to(FamilyAddSG.category)


async def get_categories(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    return {"categories": [(cat.label(c.locale), cat.code) for cat in c.content.categories]}


async def on_category(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    manager.dialog_data["category"] = item
    await manager.switch_to(FamilyAddSG.level)


async def get_levels(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    return {"levels": [(_(name), level.value) for level, name in LEVEL_NAMES.items()]}


async def on_level(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    manager.dialog_data["level"] = item
    await manager.switch_to(FamilyAddSG.timezone)


async def get_timezones(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    return {"zones": [(tz.label(c.locale), str(n)) for n, tz in enumerate(c.content.timezones)]}


async def on_timezone(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    c = ctx(manager)
    index = int(item)
    if not 0 <= index < len(c.content.timezones):
        return
    manager.dialog_data["timezone"] = c.content.timezones[index].zone
    await manager.switch_to(FamilyAddSG.confirm)


async def get_summary(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    data = dialog_manager.dialog_data
    zone = next((tz for tz in c.content.timezones if tz.zone == data.get("timezone")), None)
    return {
        "name": data.get("name", ""),
        "category": c.content.category_label(data.get("category", ""), c.locale),
        "level": _(LEVEL_NAMES[SupportLevel(data.get("level", SupportLevel.BASIC))]),
        "zone": zone.label(c.locale) if zone else data.get("timezone", ""),
    }


async def on_save(callback: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    data = manager.dialog_data
    if "saved_id" not in data:  # a double tap must not add the family twice
        family = await families.add(
            c.session,
            c.require_actor(),
            name=data["name"],
            category=data["category"],
            support_level=SupportLevel(data["level"]),
            timezone=data["timezone"],
            known_categories={cat.code for cat in c.content.categories},
            now=c.now(),
        )
        data["saved_id"] = family.id
    await manager.switch_to(FamilyAddSG.saved)


async def on_add_another(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    manager.dialog_data.clear()
    await manager.switch_to(FamilyAddSG.name)


def create_family_add_dialog() -> Dialog:
    return Dialog(
        Window(
            input_error_line(),
            T(
                "<b>New family</b>\nSend the name the service uses for the family "
                "(no full names of children), for example «Ивановы (Кемерово)»."
            ),
            MessageInput(on_name),
            to_menu(T("✖️ Cancel")),
            state=FamilyAddSG.name,
            getter=get_input_error,
        ),
        Window(
            T("Category of the family «{name}»:"),
            choices("cat", "categories", on_category),
            Back(T("⬅️ Back")),
            state=FamilyAddSG.category,
            getter=[get_categories, get_summary],
        ),
        Window(
            T("Support level:"),
            choices("level", "levels", on_level, width=2),
            Back(T("⬅️ Back")),
            state=FamilyAddSG.level,
            getter=get_levels,
        ),
        Window(
            T("The family's time zone (reminders to the family follow it):"),
            choices("tz", "zones", on_timezone, width=2),
            Back(T("⬅️ Back")),
            state=FamilyAddSG.timezone,
            getter=get_timezones,
        ),
        Window(
            T(
                "<b>Check, please</b>\nFamily: {name}\nCategory: {category}\n"
                "Support level: {level}\nTime zone: {zone}"
            ),
            Row(
                Button(T("✅ Save"), id="save", on_click=on_save),
                Back(T("✏️ Change")),
            ),
            to_menu(T("✖️ Cancel")),
            state=FamilyAddSG.confirm,
            getter=get_summary,
        ),
        Window(
            T("✅ The family «{name}» is saved. You can now invite its parents with /invite."),
            Button(T("➕ Add another family"), id="another", on_click=on_add_another),
            Cancel(T("⬅️ Back")),
            to_menu(),
            state=FamilyAddSG.saved,
            getter=get_summary,
        ),
        on_start=on_add_start,
    )
