"""/myvisits: a mentor's recorded visits, newest first, paged; per family when they have several.

A visit opens to its details; its author can edit or delete it within the edit window.
"""

from __future__ import annotations

from typing import Any

from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode
from aiogram_dialog.widgets.kbd import Button, Row, Start, SwitchTo

from bot.dialogs.context import ctx
from bot.dialogs.myvisits.states import MyVisitsSG
from bot.dialogs.paging import PAGE_SIZE, current_page, page_data, pager
from bot.dialogs.visit.render import draft_of, visit_text
from bot.dialogs.visit.states import VisitSG
from bot.dialogs.widgets import Dialog, T, Window, choices, to_menu
from bot.services import visits
from bot.services.errors import AccessDenied, DomainError

SCROLL = "myvisits_scroll"
VISIT_ID, FAMILY_FILTER, NOTICE = "visit_id", "family", "notice"
OPEN_VISIT = "open_visit"  # start data: open this visit's details directly (from a family card)
FROM_CARD = "from_card"
ALL = "all"


async def _reset_page(manager: DialogManager) -> None:
    scroll = manager.find(SCROLL)
    if scroll is not None:
        await scroll.set_page(0)


async def get_list(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    actor = c.require_actor()
    page = await current_page(dialog_manager, SCROLL)
    family_id = dialog_manager.dialog_data.get(FAMILY_FILTER)
    rows, total = await visits.visits_of_mentor(
        c.session, actor, offset=page * PAGE_SIZE, limit=PAGE_SIZE, family_id=family_id
    )
    families = await visits.mentor_families(c.session, actor)
    filters: list[tuple[str, str]] = []
    if len(families) > 1:
        filters = [(("• " if family_id is None else "") + _("All families"), ALL)]
        filters += [(("• " if f.id == family_id else "") + f.name, str(f.id)) for f in families]
    items = [
        (
            f"{row.visit.visit_date:%d.%m.%Y} · {row.family_name} · "
            + c.content.visits.label("formats", row.visit.format, c.locale)
            + (" ⚠️" if row.visit.concern else ""),
            row.visit.id,
        )
        for row in rows
    ]
    return {
        "items": items,
        "filters": filters,
        "total": total,
        "notice": dialog_manager.dialog_data.pop(NOTICE, ""),
        **page_data(page, total),
    }


async def on_filter(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    if item == ALL:
        manager.dialog_data.pop(FAMILY_FILTER, None)
    elif item.isdigit():
        manager.dialog_data[FAMILY_FILTER] = int(item)  # only filters the person's own visits
    await _reset_page(manager)


async def on_pick(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    if not item.isdigit():
        return
    c = ctx(manager)
    await visits.get_visit(c.session, c.require_actor(), int(item), now=c.now())  # may refuse
    manager.dialog_data[VISIT_ID] = int(item)
    await manager.switch_to(MyVisitsSG.detail)


async def get_detail(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    actor = c.require_actor()
    row = await visits.get_visit(
        c.session, actor, int(dialog_manager.dialog_data.get(VISIT_ID, 0)), now=c.now()
    )
    mine = row.visit.mentor_id == actor.person_id
    can_change = visits.can_change(
        actor, row.visit, now=c.now(), edit_hours=c.settings.visit_edit_hours
    )
    notice = dialog_manager.dialog_data.pop(NOTICE, "")
    return {
        "details": visit_text(
            draft_of(row.visit),
            family_name=row.family_name,
            content=c.content,
            locale=c.locale,
            mentor_name=None if mine else (row.mentor_name or "—"),
        ),
        "can_change": can_change,
        "author_window": visits.in_author_window(
            actor, row.visit, now=c.now(), edit_hours=c.settings.visit_edit_hours
        ),
        # The author's window has closed: say so (and who can still correct it) instead of
        # the buttons silently going; a refused press's notice already says it.
        "window_passed": mine and not can_change and not notice,
        "has_voice": bool(row.visit.notes_voice_file_id),
        "notice": notice,
        "edit_hours": c.settings.visit_edit_hours,
    }


async def on_edit(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    visit_id = int(manager.dialog_data.get(VISIT_ID, 0))
    try:
        await visits.open_for_edit(
            c.session,
            c.require_actor(),
            visit_id,
            now=c.now(),
            edit_hours=c.settings.visit_edit_hours,
        )
    except AccessDenied:
        raise
    except DomainError as error:
        if error.code != "visit_edit_window_closed":
            raise
        manager.dialog_data[NOTICE] = _(
            "The {hours} hours for changes have passed. Please ask your coordinator "
            "to correct the visit."
        ).format(hours=c.settings.visit_edit_hours)
        return
    await manager.start(VisitSG.family, data={VISIT_ID: visit_id})


async def on_voice(callback: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    row = await visits.get_visit(
        c.session, c.require_actor(), int(manager.dialog_data.get(VISIT_ID, 0)), now=c.now()
    )
    if row.visit.notes_voice_file_id and callback.message is not None:
        await c.bot.send_voice(callback.message.chat.id, row.visit.notes_voice_file_id)
    manager.show_mode = ShowMode.NO_UPDATE  # the details above stay as they are


async def on_delete(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    deleted = await visits.delete_visit(
        c.session,
        c.require_actor(),
        int(manager.dialog_data.get(VISIT_ID, 0)),
        now=c.now(),
        edit_hours=c.settings.visit_edit_hours,
    )
    manager.dialog_data[NOTICE] = (
        _("The visit is deleted.") if deleted else _("This visit was already deleted.")
    )
    manager.dialog_data.pop(VISIT_ID, None)
    if manager.dialog_data.get(FROM_CARD):
        await manager.done()
        return
    await manager.switch_to(MyVisitsSG.list)


async def on_start(start_data: Any, manager: DialogManager) -> None:
    if isinstance(start_data, dict) and isinstance(start_data.get(OPEN_VISIT), int):
        manager.dialog_data[VISIT_ID] = start_data[OPEN_VISIT]
        manager.dialog_data[FROM_CARD] = True


async def on_back(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    # Opened from a family card: back to it; otherwise back to the list of one's visits.
    if manager.dialog_data.get(FROM_CARD):
        await manager.done()
    else:
        await manager.switch_to(MyVisitsSG.list)


def _no_visits(data: dict[str, Any], *_: Any) -> bool:
    return not data["total"]


def create_myvisits_dialog() -> Dialog:
    return Dialog(
        Window(
            T("{notice}", when="notice"),
            T(
                "<b>My visits</b>: {total} (page {page_no} of {pages}). Tap one to open it.",
                when="total",
            ),
            T("No visits recorded yet. /visit records one.", when=_no_visits),
            choices("flt", "filters", on_filter, width=2),
            choices("visit", "items", on_pick),
            *pager(SCROLL),
            Start(T("📝 Record a visit"), id="new", state=VisitSG.family),
            to_menu(),
            state=MyVisitsSG.list,
            getter=get_list,
        ),
        Window(
            T("{notice}", when="notice"),
            T("{details}"),
            T(
                "You can change or delete the visit within {edit_hours} hours of recording it.",
                when="author_window",
            ),
            T(
                "The {edit_hours} hours for changes have passed: a coordinator can correct "
                "the visit.",
                when="window_passed",
            ),
            Button(T("🎤 Play the voice note"), id="voice", on_click=on_voice, when="has_voice"),
            Row(
                Button(T("✏️ Edit"), id="edit", on_click=on_edit),
                SwitchTo(T("🗑 Delete"), id="delete", state=MyVisitsSG.confirm_delete),
                when="can_change",
            ),
            Button(T("⬅️ Back"), id="back", on_click=on_back),
            state=MyVisitsSG.detail,
            getter=get_detail,
        ),
        Window(
            T("Delete this visit? It will no longer count in reports."),
            Row(
                Button(T("🗑 Delete"), id="delete_yes", on_click=on_delete),
                SwitchTo(T("Keep it"), id="delete_no", state=MyVisitsSG.detail),
            ),
            state=MyVisitsSG.confirm_delete,
        ),
        on_start=on_start,
    )
