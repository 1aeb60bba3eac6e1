"""The family's make-up, from the case window: adults and children by first name (or a label
such as «старший»), year of birth, and an adult's relation to the children. The family's
mentors read it; coordinators add and remove people. A tapped member must belong to this
family (bot/services/intake.py checks it again).
"""

from __future__ import annotations

from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Cancel, Row, SwitchTo

from bot.dialogs.case.dialog import member_line
from bot.dialogs.case.states import FAMILY_ID, MembersSG
from bot.dialogs.context import ctx
from bot.dialogs.widgets import (
    Dialog,
    Html,
    T,
    Window,
    choices,
    error_text,
    form_text,
    get_input_error,
    input_error_line,
    parse_id,
    shorten,
    show_input_error,
    started_family,
    stored_id,
)
from bot.i18n import N_
from bot.services import families, intake
from bot.services.errors import DomainError

NOTICE = "notice"
MEMBER_ID = "member_id"
DRAFT = "draft"
ERRORS = {
    "family_closed": N_("This family's case is closed: its make-up can only be read."),
    "members_too_many": N_("This family already has the most people the list can hold."),
    "member_name_empty": N_("Please send a first name or a label as text."),
    "member_name_long": N_("That is a bit long: a first name or a short label, please."),
    "birth_year_range": N_("Please send a year of birth such as 2015."),
    "relation_unknown": N_("Please choose the relation with a button."),
    "member_not_found": N_("This button is out of date."),
}


def _family_id(manager: DialogManager) -> int:
    return stored_id(manager, FAMILY_ID, "family_not_found")


async def on_start(data: Any, manager: DialogManager) -> None:
    c = ctx(manager)
    family_id = started_family(data)
    await intake.intake(c.session, c.actor, family_id, c.now())  # checks the right to see it
    manager.dialog_data[FAMILY_ID] = family_id


# --- the list -----------------------------------------------------------------------------------


async def get_list(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    found = await intake.intake(c.session, c.actor, _family_id(dialog_manager), c.now())
    year = families.family_today(found.family, c.now()).year
    text = "\n".join(f"• {member_line(c, m, year)}" for m in found.members)
    is_open = found.family.closed_at is None
    can_add = found.can_keep and is_open and len(found.members) < intake.MAX_MEMBERS
    return {
        "name": found.family.name,
        "listing": Html(text),
        "count": len(found.members),
        "counts": _("{adults} adults, {children} children").format(
            adults=found.adults, children=found.children
        ),
        "members": [(shorten(m.name, 40), str(m.id)) for m in found.members],
        "can_add": can_add,
        "notice": dialog_manager.dialog_data.pop(NOTICE, ""),
    }


async def on_member(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    member_id = parse_id(item)
    if member_id is None:
        manager.show_mode = ShowMode.NO_UPDATE
        return
    c = ctx(manager)
    try:
        await intake.member_of(c.session, c.actor, _family_id(manager), member_id)
    except DomainError as error:
        if error.code == "access_denied":
            raise
        manager.dialog_data[NOTICE] = error_text(ERRORS, error)
        return
    manager.dialog_data[MEMBER_ID] = member_id
    await manager.switch_to(MembersSG.member)


async def _start_new(manager: DialogManager, is_child: bool) -> None:
    c = ctx(manager)
    await intake.require_keep(c.session, c.actor, _family_id(manager))
    manager.dialog_data[DRAFT] = {"is_child": is_child}
    await manager.switch_to(MembersSG.name)


async def on_add_adult(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _start_new(manager, False)


async def on_add_child(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _start_new(manager, True)


# --- a new person -------------------------------------------------------------------------------


def _draft(manager: DialogManager) -> dict[str, Any]:
    draft = manager.dialog_data.get(DRAFT)
    return draft if isinstance(draft, dict) else {"is_child": True}


async def get_draft(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    draft = _draft(dialog_manager)
    return {
        "child": bool(draft.get("is_child")),
        "draft_name": draft.get("name") or "",
        "relations": [(r.label(c.locale), r.code) for r in c.content.intake.relations],
    }


async def on_name(message: Message, _w: Any, manager: DialogManager) -> None:
    text = form_text(
        message,
        manager,
        _("Please send a first name or a label as text."),
        limit=intake.NAME_MAX,
        one_line=True,
    )
    if text is None:
        return
    manager.dialog_data[DRAFT] = {**_draft(manager), "name": text}
    await manager.switch_to(MembersSG.year)


async def on_year(message: Message, _w: Any, manager: DialogManager) -> None:
    c = ctx(manager)
    raw = (message.text or "").strip()
    family = await intake.require_keep(c.session, c.actor, _family_id(manager))
    try:
        if not (raw.isdigit() and len(raw) == 4):
            raise DomainError("birth_year_range")
        year = intake.check_birth_year(int(raw), families.family_today(family, c.now()))
    except DomainError as error:
        show_input_error(manager, error_text(ERRORS, error))
        return
    await _after_year(manager, year)


async def on_year_unknown(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _after_year(manager, None)


async def _after_year(manager: DialogManager, year: int | None) -> None:
    draft = {**_draft(manager), "birth_year": year}
    manager.dialog_data[DRAFT] = draft
    if draft.get("is_child"):
        await _save(manager, None)
    else:
        await manager.switch_to(MembersSG.relation)


async def on_relation(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    if item not in ctx(manager).content.intake.codes("relations"):
        manager.show_mode = ShowMode.NO_UPDATE
        return
    await _save(manager, item)


async def _save(manager: DialogManager, relation: str | None) -> None:
    c = ctx(manager)
    draft = _draft(manager)
    year = draft.get("birth_year")
    try:
        member = await intake.add_member(
            c.session,
            c.require_actor(),
            _family_id(manager),
            name=str(draft.get("name") or ""),
            is_child=bool(draft.get("is_child")),
            birth_year=year if isinstance(year, int) else None,
            relation=relation,
            lists=c.content.intake,
            now=c.now(),
        )
    except DomainError as error:
        if error.code == "access_denied":
            raise
        manager.dialog_data[NOTICE] = error_text(ERRORS, error)
        await manager.switch_to(MembersSG.list)
        return
    manager.dialog_data.pop(DRAFT, None)
    manager.dialog_data[NOTICE] = _("✅ {name} is on the list.").format(name=member.name)
    await manager.switch_to(MembersSG.list)


# --- one person ---------------------------------------------------------------------------------


async def get_member(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    family_id = _family_id(dialog_manager)
    member_id = dialog_manager.dialog_data.get(MEMBER_ID)
    found = await intake.intake(c.session, c.actor, family_id, c.now())
    member = next((m for m in found.members if m.id == member_id), None)
    if member is None:
        raise DomainError("member_not_found")
    year = families.family_today(found.family, c.now()).year
    return {
        "line": Html(member_line(c, member, year)),
        "can_remove": found.can_keep and found.family.closed_at is None,
    }


async def on_remove(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    member_id = manager.dialog_data.get(MEMBER_ID)
    if not isinstance(member_id, int):
        await manager.switch_to(MembersSG.list)
        return
    try:
        await intake.remove_member(
            c.session, c.require_actor(), _family_id(manager), member_id, c.now()
        )
    except DomainError as error:
        if error.code == "access_denied":
            raise
        manager.dialog_data[NOTICE] = error_text(ERRORS, error)
    else:
        manager.dialog_data[NOTICE] = _("Removed from the list.")
    manager.dialog_data.pop(MEMBER_ID, None)
    await manager.switch_to(MembersSG.list)


BACK_TO_LIST = SwitchTo(T("⬅️ Back"), id="members_back", state=MembersSG.list)


def create_members_dialog() -> Dialog:
    return Dialog(
        Window(
            T("{notice}\n", when="notice"),
            T("<b>The family «{name}»</b>: {counts}", when="count"),
            T("{listing}", when="count"),
            T(
                "<b>The family «{name}»</b>: nobody on the list yet. Add the adults and the "
                "children: a first name or a label such as «старший» and the year of birth "
                "are enough.",
                when=lambda d, *_: not d["count"],
            ),
            choices("member", "members", on_member, width=2),
            Row(
                Button(T("➕ Adult"), id="add_adult", on_click=on_add_adult, when="can_add"),
                Button(T("➕ Child"), id="add_child", on_click=on_add_child, when="can_add"),
            ),
            Cancel(T("⬅️ To the case"), id="members_done"),
            state=MembersSG.list,
            getter=get_list,
        ),
        Window(
            input_error_line(),
            T("The child's first name, or a label such as «старший»?", when="child"),
            T(
                "The adult's first name, or a label such as «мама»?",
                when=lambda d, *_: not d["child"],
            ),
            MessageInput(on_name),
            BACK_TO_LIST,
            state=MembersSG.name,
            getter=[get_input_error, get_draft],
        ),
        Window(
            input_error_line(),
            T("{draft_name}: the year of birth? For example 2015."),
            MessageInput(on_year),
            Button(T("➡️ Not known"), id="year_unknown", on_click=on_year_unknown),
            BACK_TO_LIST,
            state=MembersSG.year,
            getter=[get_input_error, get_draft],
        ),
        Window(
            T("{draft_name}: who are they to the children?"),
            choices("relation", "relations", on_relation, width=2),
            BACK_TO_LIST,
            state=MembersSG.relation,
            getter=get_draft,
        ),
        Window(
            T("{line}"),
            Button(
                T("🗑 Remove from the list"),
                id="member_remove",
                on_click=on_remove,
                when="can_remove",
            ),
            BACK_TO_LIST,
            state=MembersSG.member,
            getter=get_member,
        ),
        on_start=on_start,
    )
